// Hostile driver: throws an Error whose message is 48 M characters long.
// Tries: to stall the parent's message reader (and fill the terminal).
// Expected: an oops like any other, its message cut, in bounded time.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: huge_message: about to throw\n");
  throw new Error("y".repeat(48 << 20)); // HOSTILE: a 48 M character message
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
