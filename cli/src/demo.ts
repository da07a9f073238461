// The allocation demo `npm start` runs: a few lines of driver code, written
// against the same API a user's driver imports, that touch every allocator
// and finish with one deliberate bug so the checker can be seen at work.

import { GFP_HIGHUSER, GFP_KERNEL, __free_pages, alloc_page, alloc_pages } from "../../sim-core/src/api/linux/gfp";
import { kmap, kunmap } from "../../sim-core/src/api/linux/highmem";
import { PageHighMem, page_address, page_count, page_to_pfn } from "../../sim-core/src/api/linux/mm";
import { pr_info } from "../../sim-core/src/api/linux/printk";
import { kfree, kmalloc, ksize } from "../../sim-core/src/api/linux/slab";
import { vfree, vmalloc, vmalloc_to_pfn } from "../../sim-core/src/api/linux/vmalloc";
import { store8 } from "../../sim-core/src/api/faultline/ptr";
import { __pa } from "../../sim-core/src/api/asm/page";

export function allocationDemo(): void {
  const block = alloc_pages(GFP_KERNEL, 2);
  if (!block) return;
  pr_info("demo: alloc_pages(GFP_KERNEL, 2): pfn %#lx, page_address %px, page_count %d\n", page_to_pfn(block), page_address(block), page_count(block));

  const buf = kmalloc(100, GFP_KERNEL);
  pr_info("demo: kmalloc(100) = %px (__pa %pa), ksize %zu\n", buf, __pa(buf), ksize(buf));

  const area = vmalloc(3 * 4096 + 100);
  pr_info("demo: vmalloc(12388) = %px, frames %#lx %#lx %#lx %#lx\n", area, vmalloc_to_pfn(area), vmalloc_to_pfn(area + 4096), vmalloc_to_pfn(area + 8192), vmalloc_to_pfn(area + 12288));

  const user = alloc_page(GFP_HIGHUSER);
  if (user) {
    const va = kmap(user);
    pr_info("demo: alloc_page(GFP_HIGHUSER): pfn %#lx %s, kmap() = %px\n", page_to_pfn(user), PageHighMem(user) ? "in high memory" : "in low memory", va);
    kunmap(user);
    __free_pages(user, 0);
  }

  pr_info("demo: now a bug: one byte past the 100 bytes kmalloc() gave\n");
  store8(buf + 100, 0x42);

  vfree(area);
  kfree(buf);
  __free_pages(block, 2);
}
