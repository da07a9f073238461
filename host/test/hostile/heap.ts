// Hostile driver: JavaScript memory that grows without bound. Tries: to
// exhaust the host's heap (and, without a cap, the machine's memory).
// Expected: the host dies at its heap cap; the parent reports kind "heap".

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const hoard: number[][] = [];

function hostile_init(): number {
  pr_info("hostile: heap: about to hoard\n");
  for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length)); // HOSTILE: an array that grows without bound
}

function hostile_exit(): void {
  pr_info("hostile: exit with %d chunks\n", hoard.length);
}

module_init(hostile_init);
module_exit(hostile_exit);
