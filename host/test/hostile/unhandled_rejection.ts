// Hostile driver: an async function, called from init and not awaited,
// throws. Tries: a failure that escapes init's return value (and would crash
// a plain Node process). Expected: reported as an unhandled rejection with
// its message and this line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

async function background(): Promise<void> {
  await Promise.resolve();
  throw new Error("hostile: background work failed on purpose"); // HOSTILE: a rejection nobody handles
}

function hostile_init(): number {
  pr_info("hostile: unhandled_rejection: starting background work\n");
  void background();
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
