// Hostile driver: assigns to a function of an imported kernel API module
// through an alias, so esbuild cannot see it is an import (api_overwrite.ts
// is the direct form, refused at bundle time). Tries: to replace kmalloc()
// for everyone (the kernel's own callers too). Expected: an oops saying the
// kernel API is read-only, at this line.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import * as slab from "linux/slab";

MODULE_LICENSE("GPL");

const api: any = [slab][0];

function hostile_init(): number {
  pr_info("hostile: api_overwrite_alias: about to replace kmalloc\n");
  api.kmalloc = (_size: number, _flags: number) => 0x1000; // HOSTILE: overwrite a kernel API function at run time
  pr_info("hostile: kmalloc now returns %px\n", slab.kmalloc(16, GFP_KERNEL));
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
