// Hostile driver: new Function() in the driver's realm returning require.
// Tries: to find a global require the bundle's wrapper would otherwise hide.
// Expected: an oops saying `require` is Node's, not the kernel's, at this line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: new_function: about to look for require\n");
  const req = new Function("return require")(); // HOSTILE: a global require, through new Function
  pr_info("hostile: got require: %s\n", typeof req);
  req("fs");
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
