// Hostile driver: the Function constructor is locked, so walk one step
// further: a kernel function's prototype chain ends at the host realm's
// Object.prototype. Tries: to pollute it with a toJSON() that turns every
// finding the host sends to its parent into an ignored message (the checker
// silenced from outside the kernel), then leaks a kmalloc() that the checker
// should report at rmmod.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

let kept = 0;

function hostile_init(): number {
  pr_info("hostile: host_proto: about to pollute the host realm\n");
  const hostObjectProto = Object.getPrototypeOf(Object.getPrototypeOf(kmalloc));
  try {
    hostObjectProto.toJSON = function (this: { type?: string }) { // HOSTILE: pollute the host realm's Object.prototype
      return this.type === "finding" ? { type: "ignored" } : this;
    };
    pr_info("hostile: host_proto: host Object.prototype %s\n", hostObjectProto === Object.prototype ? "is ours" : "polluted");
  } catch (e) {
    pr_info("hostile: host_proto: refused: %s\n", (e as Error).message);
  }
  kept = kmalloc(48, GFP_KERNEL); // never freed: the leak the checker must still find
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit (kept %px)\n", kept);
}

module_init(hostile_init);
module_exit(hostile_exit);
