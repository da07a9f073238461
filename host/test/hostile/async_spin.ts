// Hostile driver: init starts an async function and returns 0; after its
// first await the function spins. Tries: to run on after the callback that
// started it returned, where no time limit used to reach. Expected: stopped
// at the CPU-time limit, said to be in an async continuation of the
// driver's, started by init(), at the spinning line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

let spins = 0;

async function background(): Promise<void> {
  await Promise.resolve();
  for (;;) spins++; // HOSTILE: a loop that never ends, after an await
}

function hostile_init(): number {
  pr_info("hostile: async_spin: starting background work\n");
  void background();
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit after %d spins\n", spins);
}

module_init(hostile_init);
module_exit(hostile_exit);
