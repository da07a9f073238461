// A shared status area of four contiguous pages that user space maps with
// remap_pfn_range(). The pages are ordinary RAM, so each is marked
// PG_reserved before it is remapped and cleared again before the block goes
// back to the buddy allocator. The mmap handler checks offset and size.

import { EINVAL, ENOMEM } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { GFP_KERNEL, __GFP_ZERO, __get_free_pages, free_pages } from "linux/gfp";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { virt_to_phys } from "linux/io";
import {
  ClearPageReserved, PAGE_SIZE, PFN_DOWN, SetPageReserved, remap_pfn_range, virt_to_page, type vm_area_struct,
} from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { store32 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const ORDER = 2;
const AREA = PAGE_SIZE << ORDER;
let area = 0;

function each_page(fn: (addr: number) => void): void {
  for (let off = 0; off < AREA; off += PAGE_SIZE) fn(area + off);
}

function st_mmap(_f: file, vma: vm_area_struct): number {
  const len = vma.vm_end - vma.vm_start;
  const off = vma.vm_pgoff * PAGE_SIZE;
  if (off >= AREA || len > AREA - off) return -EINVAL;
  return remap_pfn_range(vma, vma.vm_start, PFN_DOWN(virt_to_phys(area)) + vma.vm_pgoff, len, vma.vm_page_prot);
}

const fops: file_operations = { owner: THIS_MODULE, mmap: st_mmap };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "statarea", fops };

function st_init(): number {
  area = __get_free_pages(GFP_KERNEL | __GFP_ZERO, ORDER);
  if (!area) return -ENOMEM;
  each_page((a) => SetPageReserved(virt_to_page(a)));
  for (let i = 0; i < AREA / 4; i += 1024) store32(area + i * 4, 0x57a7 + i);
  const err = misc_register(misc);
  if (err) {
    each_page((a) => ClearPageReserved(virt_to_page(a)));
    free_pages(area, ORDER);
  }
  return err;
}

function st_exit(): void {
  misc_deregister(misc);
  free_pages(area, ORDER); // BUG: the pages are still PG_reserved: ClearPageReserved() each one before freeing the block
}

module_init(st_init);
module_exit(st_exit);
