// Hostile driver: prints without end. Tries: to flood the kernel log (and
// the parent, and the terminal). Expected: stopped as a log flood naming the
// line that printed.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: log_flood: about to flood\n");
  for (let i = 0; ; i++) pr_info("hostile: flood line %d\n", i); // HOSTILE: pr_info() in an endless loop
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
