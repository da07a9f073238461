// Hostile driver: reaches for Node's require() through globalThis, which
// esbuild cannot see and leaves for run time. Tries: to load the fs module
// and read the host's files. Expected: an oops at this line: there is no
// require on the driver's globalThis.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

function hostile_init(): number {
  pr_info("hostile: global_require: about to require fs\n");
  const fs = (globalThis as any).require("fs"); // HOSTILE: require() looked up on globalThis at run time
  pr_info("hostile: got fs: %s\n", typeof fs.readFileSync);
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
