// Hostile driver: init never returns. Tries: to hang insmod (and the host)
// forever. Expected: stopped at the CPU-time limit, reported as spinning in
// the driver's init().

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

let spins = 0;

function hostile_init(): number {
  pr_info("hostile: spin_init: about to spin\n");
  for (;;) spins++; // HOSTILE: a loop that never ends, in init
}

function hostile_exit(): void {
  pr_info("hostile: exit after %d spins\n", spins);
}

module_init(hostile_init);
module_exit(hostile_exit);
