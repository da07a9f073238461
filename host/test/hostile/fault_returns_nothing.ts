// Hostile driver: a vm_ops fault handler, written as a method of its
// vm_operations_struct, that sets vmf->page and forgets to return 0.
// Tries: undefined taken as "no error". Expected: an oops in fault naming
// what it returned, placed at the fault handler's definition.

import type { file, file_operations } from "linux/fs";
import { alloc_page, GFP_KERNEL } from "linux/gfp";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import type { vm_area_struct, vm_fault, vm_operations_struct } from "linux/mm";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const hostile_vm_ops: vm_operations_struct = {
  fault(vmf: vm_fault): number { // HOSTILE: no return statement
    pr_info("hostile: fault_returns_nothing: fault()\n");
    vmf.page = alloc_page(GFP_KERNEL);
    return undefined as unknown as number;
  },
};

function hostile_mmap(_filp: file, vma: vm_area_struct): number {
  vma.vm_ops = hostile_vm_ops;
  return 0;
}

const hostile_fops: file_operations = { owner: THIS_MODULE, mmap: hostile_mmap };
const hostile_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hostile", fops: hostile_fops };

function hostile_init(): number {
  return misc_register(hostile_dev);
}

function hostile_exit(): void {
  misc_deregister(hostile_dev);
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
