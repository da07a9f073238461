// Hostile driver: its file_operations has a getter for read that never
// returns; the kernel reads the property outside any driver callback.
// Tries: to be blamed on the scenario. Expected: the spin is placed in the
// driver's code, at the getter.

import type { file_operations } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

let spins = 0;

const hostile_fops = {
  owner: THIS_MODULE,
  get read(): undefined {
    for (;;) spins++; // HOSTILE: a getter the kernel reads, that never returns
  },
} as unknown as file_operations;
const hostile_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hostile", fops: hostile_fops };

function hostile_init(): number {
  pr_info("hostile: getter_spin: registering\n");
  return misc_register(hostile_dev);
}

function hostile_exit(): void {
  misc_deregister(hostile_dev);
  pr_info("hostile: exit after %d spins\n", spins);
}

module_init(hostile_init);
module_exit(hostile_exit);
