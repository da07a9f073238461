// mydriver: a character device mapped one page at a time by its fault
// handler (LDD3 chapter 15, "Mapping memory with nopage"). mmap() maps
// nothing: it installs vm_operations, and the first touch of each page of the
// mapping faults into mydriver_vma_fault(), which hands the core the page
// with a reference of its own (get_page), as every fault handler must.

import { PAGE_SIZE } from "asm/page";
import { EINVAL, ENOMEM } from "linux/errno";
import { type file, type file_operations } from "linux/fs";
import { free_page, get_zeroed_page, GFP_KERNEL } from "linux/gfp";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { get_page, virt_to_page, VM_DONTEXPAND, VM_FAULT_SIGBUS, type vm_area_struct, type vm_fault, type vm_operations_struct } from "linux/mm";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { printk, snprintf, KERN_INFO, KERN_NOTICE } from "linux/printk";

MODULE_LICENSE("GPL");

/**
 * The device's memory: NPAGES single pages. Not one order-2 block: only the
 * head page of a non-compound block carries a reference count, so get_page()
 * on the others is a bad page state (PG001).
 */
const NPAGES = 4;
const pages: number[] = [];

function mydriver_vma_open(vma: vm_area_struct): void {
  printk(KERN_NOTICE + "mydriver: VMA open, virt %lx, pgoff %lx\n", vma.vm_start, vma.vm_pgoff);
}

function mydriver_vma_close(vma: vm_area_struct): void {
  printk(KERN_NOTICE + "mydriver: VMA close, virt %lx\n", vma.vm_start);
}

/** The page behind the faulting offset, with the reference the page table will hold. */
function mydriver_vma_fault(vmf: vm_fault): number {
  if (vmf.pgoff >= NPAGES) return VM_FAULT_SIGBUS;
  const page = virt_to_page(pages[vmf.pgoff]);
  // Without it, the page would be freed while still mapped when the process unmaps it.
  get_page(page);
  vmf.page = page;
  return 0;
}

const mydriver_vm_ops: vm_operations_struct = { open: mydriver_vma_open, close: mydriver_vma_close, fault: mydriver_vma_fault };

function mydriver_mmap(_filp: file, vma: vm_area_struct): number {
  if (vma.vm_pgoff + (vma.vm_end - vma.vm_start) / PAGE_SIZE > NPAGES) return -EINVAL;
  vma.vm_ops = mydriver_vm_ops;
  // The mapping must not grow past the device's pages with mremap().
  vma.vm_flags |= VM_DONTEXPAND;
  // The core calls vm_ops->open for copies and splits, never for the first mapping.
  mydriver_vma_open(vma);
  return 0;
}

const mydriver_fops: file_operations = { owner: THIS_MODULE, mmap: mydriver_mmap };
const mydriver_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "mydriver", fops: mydriver_fops };

function mydriver_init(): number {
  for (let i = 0; i < NPAGES; i++) {
    const p = get_zeroed_page(GFP_KERNEL);
    if (!p) {
      release_pages();
      return -ENOMEM;
    }
    pages.push(p);
    snprintf(p, PAGE_SIZE, "mydriver: page %d of %d\n", i, NPAGES);
  }
  const ret = misc_register(mydriver_dev);
  if (ret) {
    release_pages();
    return ret;
  }
  printk(KERN_INFO + "mydriver: %d pages, the first at %px\n", NPAGES, pages[0]);
  return 0;
}

function release_pages(): void {
  while (pages.length) free_page(pages.pop()!);
}

function mydriver_exit(): void {
  misc_deregister(mydriver_dev);
  release_pages();
}

module_init(mydriver_init);
module_exit(mydriver_exit);
