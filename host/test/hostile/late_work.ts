// Hostile driver: exit() starts an async function that prints after an
// await, when the module is gone. Tries: to run driver code after the run
// has ended (in C: a call into freed module text). Expected: a failure
// saying the driver's code ran after the run had ended, at its line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

async function farewell(): Promise<void> {
  await null; // HOSTILE: the rest runs after exit() has returned
  pr_info("hostile: late_work: still here after exit\n");
}

function hostile_init(): number {
  pr_info("hostile: late_work: loaded\n");
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
  void farewell();
}

module_init(hostile_init);
module_exit(hostile_exit);
