// Hostile driver: takes the constructor of a kernel function (the host
// realm's Function) to compile code outside the sandbox. Tries: to get the
// host's `process` and from there anything. Expected: an oops saying code
// generation through a kernel object is blocked, at this line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: fn_constructor: about to reach the host\n");
  const proc = (kmalloc as any).constructor("return process")(); // HOSTILE: the host realm's Function constructor
  pr_info("hostile: got the host's process: pid %d\n", proc.pid);
  proc.exit(4);
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
