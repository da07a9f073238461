// Hostile driver: the tampering of global_tamper.ts and proto_pollution.ts,
// done in exit() instead of init(), after the scenario has run. Tries: to
// break the kernel's rmmod bookkeeping (kmemleak's report of what the
// module left behind) through the driver realm's built-ins. Expected:
// nothing of the kind: the run completes and the checker still reports the
// one allocation leaked on purpose.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

const g = globalThis as any;
const junk = () => { throw new g.Error("hostile: tampered built-in called"); };

let kept = 0;

function hostile_init(): number {
  pr_info("hostile: tamper_at_exit: init\n");
  kept = kmalloc(48, GFP_KERNEL); // never freed: the leak the checker must still find
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: tamper_at_exit: about to tamper (kept %px)\n", kept);
  // HOSTILE: pollute Object.prototype and replace built-ins of the driver's realm
  const proto = Object.prototype as any;
  proto.polluted = true;
  proto.violation = () => undefined;
  proto.toJSON = () => ({ type: "stdout", text: "" });
  Array.prototype.push = junk;
  (Array.prototype as any)[Symbol.iterator] = junk;
  g.Object = junk;
  g.JSON = { stringify: junk, parse: junk };
  g.Math = {};
  g.Promise = junk;
  g.Error = junk;
  pr_info("hostile: tamper_at_exit: tampered\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
