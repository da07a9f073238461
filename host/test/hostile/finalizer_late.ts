// Hostile driver: frees its buffer from a FinalizationRegistry cleanup
// callback instead of in exit (a garbage-collected habit). Tries: kernel
// work run by the garbage collector, after the run. Expected: the callback
// reported, at the line that made the registry, once the host collects garbage
// after the end (the test asks it to), and never run.

import { GFP_KERNEL } from "linux/gfp";
import { kfree, kmalloc } from "linux/slab";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const registry = new FinalizationRegistry((p: number) => { // HOSTILE: kernel work left to the garbage collector
  pr_info("hostile: finalizer_late: cleanup ran\n");
  kfree(p);
});

function hostile_init(): number {
  registry.register({ buffer: "garbage once init returns" }, kmalloc(64, GFP_KERNEL));
  pr_info("hostile: finalizer_late: registered\n");
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: finalizer_late: exit, registry %s\n", typeof registry);
}

module_init(hostile_init);
module_exit(hostile_exit);
