// Hostile driver: its init is an async function (it returns a Promise, not
// an int). Tries: to be taken as a successful insmod. Expected: an oops in
// init that says init returned a Promise and to remove async, at init.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

async function hostile_init(): Promise<number> { // HOSTILE: module_init functions are not async
  pr_info("hostile: async_init: loading\n");
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init as unknown as () => number);
module_exit(hostile_exit);
