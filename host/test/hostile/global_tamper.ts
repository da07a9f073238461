// Hostile driver: wrecks the globals of its own realm: Object, Array's push,
// JSON, Math, Error, Promise, Symbol.iterator of arrays. Tries: to break the
// kernel's bookkeeping through shared built-ins. Expected: nothing of the
// kind; the kernel has built-ins of its own, so the run completes and the
// checker still sees the one allocation this driver leaks on purpose.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kfree, kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

const g = globalThis as any;
const junk = () => { throw new g.Error("hostile: tampered built-in called"); };

let kept = 0;

function hostile_init(): number {
  pr_info("hostile: global_tamper: about to tamper\n");
  // HOSTILE: replace built-ins of the driver's realm
  Array.prototype.push = junk;
  (Array.prototype as any)[Symbol.iterator] = junk;
  g.Object = junk;
  g.JSON = { stringify: junk, parse: junk };
  g.Math = {};
  g.Promise = junk;
  g.Error = junk;
  pr_info("hostile: global_tamper: tampered\n");
  const tmp = kmalloc(32, GFP_KERNEL);
  kfree(tmp);
  kept = kmalloc(48, GFP_KERNEL); // never freed: the leak the checker must still find
  pr_info("hostile: global_tamper: init done\n");
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit (kept %px)\n", kept);
}

module_init(hostile_init);
module_exit(hostile_exit);
