// Hostile driver: Atomics.wait() on a value nothing will ever change.
// Tries: to block the host for ever (not spinning: sleeping). Expected:
// stopped at the time limit, said to be blocked in Atomics.wait(), at the
// line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: atomics_wait: about to wait\n");
  const cell = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0); // HOSTILE: nothing will ever notify
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
