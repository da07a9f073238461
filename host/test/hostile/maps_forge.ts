// Hostile driver: in mmap(), replaces the maps() of the mm the VMA belongs
// to (through its prototype), so that /proc/<pid>/maps and the end-of-run
// snapshot would say what the driver likes. Tries: to forge the kernel's
// report. Expected: refused (kernel prototypes are frozen); the snapshot is
// the kernel's.

import type { file, file_operations } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import type { vm_area_struct } from "linux/mm";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_mmap(_filp: file, vma: vm_area_struct): number {
  const proto = Object.getPrototypeOf((vma as any).vm_mm);
  try {
    proto.maps = () => "00000000-00000000 ---p 00000000 00:00 0 forged\n"; // HOSTILE: forge /proc/<pid>/maps
    pr_info("hostile: maps_forge: maps() replaced\n");
  } catch (e) {
    pr_info("hostile: maps_forge: refused: %s\n", (e as Error).message);
  }
  try {
    Object.getPrototypeOf(vma).toString = () => "forged vma";
    pr_info("hostile: maps_forge: vma prototype changed\n");
  } catch (e) {
    pr_info("hostile: maps_forge: vma refused: %s\n", (e as Error).message);
  }
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
