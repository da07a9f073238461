// Hostile driver: a file operation that never returns. Init is fine and
// registers /dev/hostile; its read() spins when the scenario calls it. Tries:
// to hang a system call forever. Expected: stopped at the CPU-time limit,
// reported as spinning in the driver's read(), in the scenario's process.

import type { file, file_operations, Ref } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

let spins = 0;

function hostile_read(_filp: file, _buf: number, _count: number, _ppos: Ref<number>): number {
  pr_info("hostile: spin_read: read() about to spin\n");
  for (;;) spins++; // HOSTILE: a loop that never ends, in read()
}

const hostile_fops: file_operations = { owner: THIS_MODULE, read: hostile_read };
const hostile_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hostile", fops: hostile_fops };

function hostile_init(): number {
  const ret = misc_register(hostile_dev);
  pr_info("hostile: spin_read: registered /dev/hostile (%d)\n", ret);
  return ret;
}

function hostile_exit(): void {
  misc_deregister(hostile_dev);
  pr_info("hostile: exit after %d spins\n", spins);
}

module_init(hostile_init);
module_exit(hostile_exit);
