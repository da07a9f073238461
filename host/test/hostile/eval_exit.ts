// Hostile driver: eval() of code that calls process.exit(). Tries: to hide
// the call from the bundler and end the host. Expected: an oops saying
// `process` is Node's, not the kernel's, at this line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: eval_exit: about to eval\n");
  eval("process.exit(3)"); // HOSTILE: eval of a call to process.exit()
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
