// Hostile driver: a read() with no return statement (it returns undefined,
// which C would not compile). Tries: to be taken as a read of 0 bytes.
// Expected: an oops in read() that names what it returned.

import type { file, file_operations, Ref } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_read(_filp: file, _buf: number, _count: number, _ppos: Ref<number>): number {
  pr_info("hostile: read_returns_nothing: read()\n");
  return undefined as unknown as number; // HOSTILE: no number returned
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
