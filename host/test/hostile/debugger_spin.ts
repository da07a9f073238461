// Hostile driver: a `debugger;` statement, then a loop that never ends.
// Tries: to make the paused re-run that locates a spin stop at the
// statement instead of the loop. Expected: the spin is placed at the loop.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

let spins = 0;

function hostile_init(): number {
  pr_info("hostile: debugger_spin: about to spin\n");
  debugger;
  for (;;) spins++; // HOSTILE: the spin, after a debugger statement
}

function hostile_exit(): void {
  pr_info("hostile: exit after %d spins\n", spins);
}

module_init(hostile_init);
module_exit(hostile_exit);
