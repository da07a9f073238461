// LDD3 chapter 15's "simple" (Simple Implementation Mapping Pages with Little
// Enthusiasm): two devices mapping physical memory to user space, /dev/simpler
// all at once with remap_pfn_range(), /dev/simplen one page at a time from a
// fault handler. The mmap offset is the physical address, as with /dev/mem.

import { PAGE_SHIFT } from "asm/page";
import { cdev_add, cdev_del, cdev_init, Cdev } from "linux/cdev";
import { EAGAIN } from "linux/errno";
import { alloc_chrdev_region, MAJOR, MKDEV, O_SYNC, ref, register_chrdev_region, unregister_chrdev_region, type file, type file_operations, type inode } from "linux/fs";
import {
  get_page, pfn_to_page, pfn_valid, remap_pfn_range, VM_DONTDUMP, VM_FAULT_SIGBUS, VM_IO,
  type vm_area_struct, type vm_fault, type vm_operations_struct,
} from "linux/mm";
import { __pa, high_memory } from "asm/page";
import { MODULE_AUTHOR, MODULE_LICENSE, module_exit, module_init, module_param, THIS_MODULE } from "linux/module";
import { printk, KERN_NOTICE, KERN_WARNING } from "linux/printk";

let simple_major = module_param("simple_major", "int", 0, 0);
MODULE_AUTHOR("Jonathan Corbet");
MODULE_LICENSE("Dual BSD/GPL");

function simple_open(_inode: inode, _filp: file): number {
  return 0;
}

function simple_release(_inode: inode, _filp: file): number {
  return 0;
}

function simple_vma_open(vma: vm_area_struct): void {
  printk(KERN_NOTICE + "Simple VMA open, virt %lx, phys %lx\n", vma.vm_start, vma.vm_pgoff << PAGE_SHIFT);
}

function simple_vma_close(_vma: vm_area_struct): void {
  printk(KERN_NOTICE + "Simple VMA close.\n");
}

const simple_remap_vm_ops: vm_operations_struct = { open: simple_vma_open, close: simple_vma_close };

function simple_remap_mmap(_filp: file, vma: vm_area_struct): number {
  if (remap_pfn_range(vma, vma.vm_start, vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot)) return -EAGAIN;
  vma.vm_ops = simple_remap_vm_ops;
  simple_vma_open(vma);
  return 0;
}

/** The fault method: the page at the faulting offset, with a reference for the page table. */
function simple_vma_fault(vmf: vm_fault): number {
  const pageframe = vmf.pgoff;
  if (!pfn_valid(pageframe)) return VM_FAULT_SIGBUS;
  const page = pfn_to_page(pageframe);
  get_page(page);
  vmf.page = page;
  return 0;
}

const simple_fault_vm_ops: vm_operations_struct = { open: simple_vma_open, close: simple_vma_close, fault: simple_vma_fault };

function simple_fault_mmap(filp: file, vma: vm_area_struct): number {
  const offset = vma.vm_pgoff * 4096;
  if (offset >= __pa(high_memory - 1) + 1 || filp.f_flags & O_SYNC) vma.vm_flags |= VM_IO;
  vma.vm_flags |= VM_DONTDUMP;
  vma.vm_ops = simple_fault_vm_ops;
  simple_vma_open(vma);
  return 0;
}

const simple_remap_ops: file_operations = { owner: THIS_MODULE, open: simple_open, release: simple_release, mmap: simple_remap_mmap };
const simple_fault_ops: file_operations = { owner: THIS_MODULE, open: simple_open, release: simple_release, mmap: simple_fault_mmap };

const MAX_SIMPLE_DEV = 2;
const SimpleDevs = [new Cdev(), new Cdev()];
const simple_fops = [simple_remap_ops, simple_fault_ops];

function simple_setup_cdev(dev: Cdev, minor: number, fops: file_operations): void {
  const devno = MKDEV(simple_major, minor);
  cdev_init(dev, fops);
  const err = cdev_add(dev, devno, 1);
  if (err) printk(KERN_NOTICE + "Error %d adding simple%d", err, minor);
}

function simple_init(): number {
  const dev = ref(MKDEV(simple_major, 0));
  let result: number;
  if (simple_major) result = register_chrdev_region(dev.value, 2, "simple");
  else {
    result = alloc_chrdev_region(dev, 0, 2, "simple");
    simple_major = MAJOR(dev.value);
  }
  if (result < 0) {
    printk(KERN_WARNING + "simple: unable to get major %d\n", simple_major);
    return result;
  }
  for (let i = 0; i < MAX_SIMPLE_DEV; i++) simple_setup_cdev(SimpleDevs[i], i, simple_fops[i]);
  return 0;
}

function simple_cleanup(): void {
  for (let i = 0; i < MAX_SIMPLE_DEV; i++) cdev_del(SimpleDevs[i]);
  unregister_chrdev_region(MKDEV(simple_major, 0), 2);
}

module_init(simple_init);
module_exit(simple_cleanup);
