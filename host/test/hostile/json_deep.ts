// Hostile driver: JSON.stringify() of a structure nested 100,000 deep.
// Tries: a stack overflow inside a built-in. Expected: an oops that says
// the stack ran out inside JSON.stringify, called from the driver's line,
// not "unbounded recursion".

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: json_deep: building\n");
  let deep: unknown = 0;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  pr_info("hostile: json_deep: %d characters\n", JSON.stringify(deep).length); // HOSTILE: too deep for the built-in
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
