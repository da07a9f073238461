// Hostile driver: pollutes Object.prototype of its realm with names the
// kernel uses (enabled, kasan, findings, onFinding, violation, type, then,
// toJSON). Tries: to change what the kernel sees when it reads its own
// objects. Expected: only the driver's own objects inherit them; the run
// completes and the checker still sees the one allocation leaked on purpose.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

let kept = 0;

function hostile_init(): number {
  pr_info("hostile: proto_pollution: about to pollute\n");
  const proto = Object.prototype as any;
  // HOSTILE: Object.prototype pollution in the driver's realm
  proto.polluted = true;
  proto.enabled = false;
  proto.kasan = false;
  proto.findings = [];
  proto.onFinding = () => undefined;
  proto.violation = () => undefined;
  proto.type = "stdout";
  proto.toJSON = () => ({ type: "stdout", text: "" });
  kept = kmalloc(48, GFP_KERNEL); // never freed: the leak the checker must still find
  pr_info("hostile: proto_pollution: init done\n");
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit (kept %px)\n", kept);
}

module_init(hostile_init);
module_exit(hostile_exit);
