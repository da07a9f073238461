// Hostile driver: an unhandled rejection whose reason is an Error whose
// message getter never returns and whose name getter throws. Tries: to hang
// or crash the host in its own rejection handler, after its summary.
// Expected: reported as an unhandled rejection that says the reason could
// not be read; the host ends on its own, in bounded time.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function poisoned(): Error {
  const e = new Error("hostile");
  Object.defineProperty(e, "message", { get() { for (;;); } }); // HOSTILE: reading the message never returns
  Object.defineProperty(e, "name", { get() { throw new Error("no name for you"); } });
  return e;
}

function hostile_init(): number {
  pr_info("hostile: rejection_getter: rejecting\n");
  void Promise.reject(poisoned());
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
