// Hostile driver: floods the log and swallows the exception that stops it,
// then floods on. Tries: to step around the log limit. Expected: a log
// flood at exactly the limit, no line after it, whatever the driver does.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

let refused = 0;

function hostile_init(): number {
  pr_info("hostile: log_flood_caught: about to flood\n");
  for (let i = 0; ; i++) {
    try {
      pr_info("hostile: flood line %d\n", i); // HOSTILE: the stop is caught and the loop goes on
    } catch {
      if (++refused > 1000) return 0;
    }
  }
}

function hostile_exit(): void {
  pr_info("hostile: exit after %d refusals\n", refused);
}

module_init(hostile_init);
module_exit(hostile_exit);
