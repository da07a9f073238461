// The fixture of bench/host.ts: a driver whose first statement prints the
// wall-clock time, so the bench can tell how long `faultline run` took from
// its spawn to the first line of a driver. The driver's sandbox has plain
// JavaScript built-ins only (no performance, no process): Date is the clock.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

pr_info("first_line: first line at %s ms\n", String(Date.now()));

MODULE_LICENSE("GPL");

function first_line_init(): number {
  return 0;
}

function first_line_exit(): void {}

module_init(first_line_init);
module_exit(first_line_exit);
