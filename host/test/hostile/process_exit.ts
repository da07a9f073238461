// Hostile driver: calls Node's process.exit(). Tries: to end the host (and
// the run) early, so nothing after it gets reported. Expected: an oops that
// says `process` is Node's, not the kernel's, at this line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: process_exit: about to exit the host\n");
  process.exit(1); // HOSTILE: Node's process.exit()
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
