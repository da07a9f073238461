// Hostile driver: a file operation throws a plain JavaScript error. Init is
// fine and registers /dev/hostile; its read() throws when the scenario calls
// it. Tries: to take the kernel down from a system call. Expected: an oops
// in the driver's read() with the TypeScript stack (this file's line of the
// throw); the scenario's process gets the error, the run goes on to rmmod.

import type { file, file_operations, Ref } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_read(_filp: file, _buf: number, _count: number, _ppos: Ref<number>): number {
  pr_info("hostile: throws_read: read() about to throw\n");
  throw new Error("hostile: read went wrong on purpose"); // HOSTILE: a JavaScript throw out of a file operation
}

const hostile_fops: file_operations = { owner: THIS_MODULE, read: hostile_read };
const hostile_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hostile", fops: hostile_fops };

function hostile_init(): number {
  pr_info("hostile: throws_read: registering /dev/hostile\n");
  return misc_register(hostile_dev);
}

function hostile_exit(): void {
  misc_deregister(hostile_dev);
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
