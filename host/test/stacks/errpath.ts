// A driver whose init fails half-way and whose error path frees one buffer
// twice (the labels fall through into each other): the KASAN double-free
// report is raised in the error path and prints where the buffer was
// allocated and first freed, stacks recorded long before the report.

import { ENOMEM } from "linux/errno";
import { GFP_KERNEL, __GFP_NOWARN } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kfree, kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

let ring = 0, table = 0;

function ring_alloc(): number {
  ring = kmalloc(512, GFP_KERNEL);
  return ring ? 0 : -ENOMEM;
}

function table_alloc(): number {
  // Far past KMALLOC_MAX_SIZE: always NULL, so init always takes its error path.
  table = kmalloc(64 << 20, GFP_KERNEL | __GFP_NOWARN);
  return table ? 0 : -ENOMEM;
}

function errpath_init(): number {
  let ret = ring_alloc();
  if (ret) return ret;
  pr_info("errpath: ring at %px\n", ring);
  ret = table_alloc();
  if (ret) {
    kfree(ring);
    kfree(ring); // BUG: the ring's label and the table's both free the ring
    return ret;
  }
  return 0;
}

function errpath_exit(): void {
  kfree(table);
  kfree(ring);
}

module_init(errpath_init);
module_exit(errpath_exit);
