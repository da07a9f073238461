// Hostile driver: replaces its realm's global Error with a class whose
// instances carry no stack, and sets Error.stackTraceLimit to 0, then
// throws. Tries: to make an oops name the scenario's line (or none).
// Expected: stackTraceLimit is pinned (the assignment itself is the oops,
// at its line), and the oops never names the scenario.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: error_replaced: replacing Error\n");
  (globalThis as any).Error = class { message = "not really an error"; };
  (globalThis as any).Object.getPrototypeOf(RangeError).stackTraceLimit = 0; // HOSTILE: no frames in any stack
  throw new Error("unlocatable");
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
