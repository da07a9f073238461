// Hostile driver: a misc device whose mmap() walks from the VMA it is given
// to the kernel behind it: (vma as any).vm_mm.k. Tries: to switch the
// checker off (replace the kernel's violation() and drop its finding
// stream), then leaks a kmalloc() that the checker should report at rmmod.

import type { file, file_operations } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import type { vm_area_struct } from "linux/mm";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";
import { kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

let kept = 0;

function hostile_mmap(_filp: file, vma: vm_area_struct): number {
  const k = (vma as any).vm_mm.k; // HOSTILE: from the VMA to the kernel object
  pr_info("hostile: vma_kernel: vma.vm_mm.k is %s\n", k && typeof k.violation === "function" ? "the kernel" : "not reachable");
  if (k && typeof k.violation === "function") {
    k.violation = () => undefined;
    k.onFinding = undefined;
    pr_info("hostile: vma_kernel: checker switched off\n");
  }
  kept = kmalloc(48, GFP_KERNEL); // never freed: the leak the checker must still find
  return 0;
}

const hostile_fops: file_operations = { owner: THIS_MODULE, mmap: hostile_mmap };
const hostile_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hostile", fops: hostile_fops };

function hostile_init(): number {
  pr_info("hostile: vma_kernel: registering /dev/hostile\n");
  return misc_register(hostile_dev);
}

function hostile_exit(): void {
  misc_deregister(hostile_dev);
  pr_info("hostile: exit (kept %px)\n", kept);
}

module_init(hostile_init);
module_exit(hostile_exit);
