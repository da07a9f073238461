// Hostile driver: patches the TextDecoder the scenario also uses, so that
// the scenario's read-back check would pass on any bytes. Tries: to forge
// what the program sees. Expected: refused (the codec and its prototype are
// frozen); the run goes on and the leak is still found.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

let kept = 0;

function hostile_init(): number {
  try {
    (TextDecoder.prototype as any).decode = () => "forged"; // HOSTILE: replace the shared codec's decode()
    pr_info("hostile: text_codec: decode replaced\n");
  } catch (e) {
    pr_info("hostile: text_codec: refused: %s\n", (e as Error).message);
  }
  pr_info("hostile: text_codec: decode gives %s\n", new TextDecoder().decode(new Uint8Array([0x6f, 0x6b])));
  kept = kmalloc(48, GFP_KERNEL); // never freed: the leak the checker must still find
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit (kept %px)\n", kept);
}

module_init(hostile_init);
module_exit(hostile_exit);
