// Hostile driver: a read() that returns the data as a string (a JavaScript
// habit; C's ssize_t cannot hold one). Tries: to be taken as a byte count.
// Expected: an oops in read() naming what it returned, placed at the
// definition of the driver's read function.

import type { file, file_operations, Ref } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const hostile_read = (_filp: file, _buf: number, _count: number, _ppos: Ref<number>): number => { // HOSTILE: returns a string
  pr_info("hostile: read_returns_string: read()\n");
  return "hello" as unknown as number;
};

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
