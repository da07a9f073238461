// Hostile driver: replaces its realm's global Error with a class of its own
// (no stack) and throws one from read(). Tries: to make the oops take its
// location from a stack captured where the kernel caught it, which names
// the scenario's line. Expected: an oops in read() saying an object was
// thrown, not an Error, and naming no scenario line.

import type { file, file_operations, Ref } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

(globalThis as any).Error = class FakeError { message = "forged"; name = "Error"; };

function hostile_read(_filp: file, _buf: number, _count: number, _ppos: Ref<number>): number {
  pr_info("hostile: error_fake: read() about to throw\n");
  throw new Error("from read"); // HOSTILE: a thrown value that is not an Error
}

const hostile_fops: file_operations = { owner: THIS_MODULE, read: hostile_read };
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
