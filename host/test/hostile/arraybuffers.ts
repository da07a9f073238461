// Hostile driver: hoards ArrayBuffers, which live outside V8's heap cap,
// and writes to them so that they take real memory. Tries: to take the
// machine's memory while the heap limit sees nothing. Expected: ended by
// the host's watchdog at its memory limit, reported as memory, quickly.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const hoard: Uint8Array[] = [];

function hostile_init(): number {
  pr_info("hostile: arraybuffers: about to hoard\n");
  for (;;) hoard.push(new Uint8Array(16 << 20).fill(hoard.length + 1)); // HOSTILE: 16 MiB at a time, touched
}

function hostile_exit(): void {
  pr_info("hostile: exit with %d buffers\n", hoard.length);
}

module_init(hostile_init);
module_exit(hostile_exit);
