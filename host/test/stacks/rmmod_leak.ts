// A driver that loads cleanly, allocates on every write, and frees only the
// last buffer at exit: the leak report comes at rmmod, with the stack of the
// allocation that leaked, recorded during the scenario.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { kfree, kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

let bufs: number[] = [];

function fill(n: number): void {
  for (let i = 0; i < n; i++) bufs.push(kmalloc(96 + 32 * i, GFP_KERNEL));
}

function rmmod_leak_init(): number {
  fill(3);
  return 0;
}

function rmmod_leak_exit(): void {
  kfree(bufs[bufs.length - 1]); // BUG: the others leak
  bufs = [];
}

module_init(rmmod_leak_init);
module_exit(rmmod_leak_exit);
