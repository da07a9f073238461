// Hostile driver: import() with a computed specifier (esbuild leaves it for
// run time). Tries: to load child_process asynchronously, after init has
// returned. Expected: the rejected promise is reported (nothing handles it),
// saying import() at run time is not possible.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

async function load(): Promise<void> {
  const spec = ["child", "process"].join("_");
  const cp = await import(spec); // HOSTILE: import() of a computed specifier
  pr_info("hostile: got child_process: %s\n", typeof cp.execSync);
}

function hostile_init(): number {
  pr_info("hostile: dynamic_import: about to import child_process\n");
  void load();
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
