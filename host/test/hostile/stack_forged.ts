// Hostile driver: throws from read() an Error whose stack it wrote itself,
// naming the scenario's line (the path learned from a stack of its own),
// and, for good measure, swaps its realm's global Error for one whose
// prepareStackTrace (which Node consults) forges every stack. Tries: to make
// the oops blame the scenario. Expected: the oops is in read() and names no
// scenario line: only stacks V8 itself formatted are believed.

import type { file, file_operations, Ref } from "linux/fs";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const RealError = Error;
const own = /\((\/[^)]*?)([^/)]+\.ts\.bundle\.js):\d+:\d+\)/.exec(new RealError("where am I").stack ?? "");
const forged = own ? `Error: forged\n    at scenario (${own[1]}scenario.ts.bundle.js:14:46)` : "Error: forged";

function hostile_read(_filp: file, _buf: number, _count: number, _ppos: Ref<number>): number {
  pr_info("hostile: stack_forged: read() about to throw\n");
  (globalThis as any).Error = { prepareStackTrace: () => forged };
  const e = new RealError("forged");
  e.stack = forged; // HOSTILE: a stack that names the scenario's line
  throw e;
}

const hostile_fops: file_operations = { owner: THIS_MODULE, read: hostile_read };
const hostile_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hostile", fops: hostile_fops };

function hostile_init(): number {
  return misc_register(hostile_dev);
}

function hostile_exit(): void {
  misc_deregister(hostile_dev);
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
