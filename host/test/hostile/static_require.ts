// Hostile driver: require("fs") written statically. Tries: to bundle Node's
// file system module into the driver. Expected: esbuild refuses at bundle
// time (kind "bundle"), naming this file and line.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: static_require: about to read /etc/passwd\n");
  const fs = require("fs"); // HOSTILE: a static require() of a Node module
  pr_info("%s\n", fs.readFileSync("/etc/passwd", "utf8"));
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
