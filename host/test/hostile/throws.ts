// Hostile driver: init throws a plain JavaScript error. Tries: to take the
// kernel down with an exception. Expected: an oops with the TypeScript stack
// (this file's line of the throw), the log up to it intact.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function explode(what: string): never {
  throw new Error(`hostile: ${what} went wrong on purpose`); // HOSTILE: a JavaScript throw out of the driver
}

function hostile_init(): number {
  pr_info("hostile: throws: before the throw\n");
  explode("init");
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
