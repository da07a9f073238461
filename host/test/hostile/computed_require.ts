// Hostile driver: calls the bundle's own require() with a computed name,
// which esbuild cannot resolve at bundle time and leaves for run time.
// Tries: to load child_process. Expected: an oops at this line: only the
// kernel API can be loaded.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: computed_require: about to require child_process\n");
  const name = ["child", "process"].join("_");
  const cp = require(name); // HOSTILE: require() of a name computed at run time
  pr_info("hostile: got child_process: %s\n", typeof cp.execSync);
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
