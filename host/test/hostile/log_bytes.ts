// Hostile driver: few lines, each of them enormous (128 K characters).
// Tries: to flood the log, the parent and the terminal under the line
// limit. Expected: each record cut at printk's 1024 bytes, and the run
// stopped as a log flood by bytes.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const wide = "x".repeat(128 * 1024);

function hostile_init(): number {
  pr_info("hostile: log_bytes: about to print wide lines\n");
  for (let i = 0; i < 100_000; i++) pr_info("%s %d\n", wide, i); // HOSTILE: 128 K characters a line
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
