// Hostile driver: unbounded recursion in init. Tries: to blow the host's
// stack. Expected: an oops that says it is unbounded recursion and names the
// function and its line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function descend(depth: number): number {
  return descend(depth + 1) + 1; // HOSTILE: calls itself with no base case
}

function hostile_init(): number {
  pr_info("hostile: recursion: about to recurse\n");
  return descend(0);
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
