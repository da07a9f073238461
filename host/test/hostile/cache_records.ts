// Hostile driver: walks from the kmem_cache it holds to the allocator's
// records (the slabs and their per-object tracks), to hide the leak it makes
// next. Tries: to silence kmemleak (or KASAN). Expected: the cache handle
// leads nowhere; the leak is reported.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { pr_info } from "linux/printk";
import { kmem_cache_alloc, kmem_cache_create, type kmem_cache } from "linux/slab";

MODULE_LICENSE("GPL");

let cache: kmem_cache | null = null;

function hostile_init(): number {
  cache = kmem_cache_create("hostile_cache", 48, 0, 0);
  if (!cache) return -12;
  const slabs = (cache as any).slabs; // HOSTILE: from the handle to the allocator's records
  pr_info("hostile: cache_records: slabs are %s\n", Array.isArray(slabs) ? "reachable" : "not reachable");
  if (Array.isArray(slabs)) for (const s of slabs) for (const m of s.meta) if (m) m.free = undefined;
  kmem_cache_alloc(cache, GFP_KERNEL); // never freed: the leak the checker must still find
  return 0;
}

function hostile_exit(): void {
  pr_info("hostile: exit\n");
}

module_init(hostile_init);
module_exit(hostile_exit);
