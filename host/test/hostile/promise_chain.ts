// Hostile driver: a promise chain that re-queues itself for ever, started
// in init: each job is short, the chain never ends. Tries: an endless
// stream of microtasks (no single long loop for a watchdog to see).
// Expected: stopped at the CPU-time limit as an async continuation of the
// driver's, at the line that queues the next job.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

let rounds = 0;

function again(): Promise<void> {
  rounds++;
  return Promise.resolve().then(again); // HOSTILE: every job queues the next
}

function hostile_init(): number {
  pr_info("hostile: promise_chain: starting the chain\n");
  void again();
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit after %d rounds\n", rounds);
}

module_init(hostile_init);
module_exit(hostile_exit);
