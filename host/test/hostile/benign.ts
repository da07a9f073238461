// Not hostile: a module that loads and unloads, for the hostile scenarios.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function benign_init(): number {
  pr_info("hostile: benign: loaded\n");
  return 0;
}

function benign_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(benign_init);
module_exit(benign_exit);
