// simple's fault variant with one line missing: the fault handler hands the
// page to the page table without get_page(). The page table drops that
// reference at unmap — the driver's (here: the kernel image's) reference.
// Trips MM004.

import { cdev_add, cdev_del, cdev_init, Cdev } from "linux/cdev";
import { alloc_chrdev_region, MAJOR, MKDEV, ref, unregister_chrdev_region, type file, type file_operations } from "linux/fs";
import { pfn_to_page, pfn_valid, VM_DONTEXPAND, VM_FAULT_SIGBUS, type vm_area_struct, type vm_fault, type vm_operations_struct } from "linux/mm";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";

MODULE_LICENSE("Dual BSD/GPL");
let simple_major = 0;

function simple_vma_fault(vmf: vm_fault): number {
  if (!pfn_valid(vmf.pgoff)) return VM_FAULT_SIGBUS;
  vmf.page = pfn_to_page(vmf.pgoff); // BUG: no get_page()
  return 0;
}

const vm_ops: vm_operations_struct = { fault: simple_vma_fault };

function simple_fault_mmap(_filp: file, vma: vm_area_struct): number {
  vma.vm_flags |= VM_DONTEXPAND;
  vma.vm_ops = vm_ops;
  return 0;
}

const fops: file_operations = { owner: THIS_MODULE, mmap: simple_fault_mmap };
const cdevs = [new Cdev(), new Cdev()];

function simple_init(): number {
  const dev = ref(0);
  const r = alloc_chrdev_region(dev, 0, 2, "simple");
  if (r < 0) return r;
  simple_major = MAJOR(dev.value);
  for (let i = 0; i < 2; i++) {
    cdev_init(cdevs[i], fops);
    cdev_add(cdevs[i], MKDEV(simple_major, i), 1);
  }
  return 0;
}

function simple_cleanup(): void {
  for (const c of cdevs) cdev_del(c);
  unregister_chrdev_region(MKDEV(simple_major, 0), 2);
}

module_init(simple_init);
module_exit(simple_cleanup);
