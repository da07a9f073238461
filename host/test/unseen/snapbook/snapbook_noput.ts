// Snapshots handed to user space: every mmap() builds a fresh set of pages
// (a numbered "snapshot" written into each), inserts them with
// vm_insert_page(), and drops its own reference at once: the mapping holds
// one of its own, so the pages live exactly as long as the user mapping.

import { EINVAL, ENOMEM } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { GFP_KERNEL, alloc_page } from "linux/gfp";
import { kmap_local_page, kunmap_local } from "linux/highmem";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SIZE, VM_DONTEXPAND, vm_flags_set, vm_insert_page, type page, type vm_area_struct } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { store32 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const MAX_PAGES = 8;
let snapshots = 0;

function fill(pg: page, snap: number, idx: number): void {
  const va = kmap_local_page(pg);
  store32(va, snap);
  store32(va + 4, idx);
  kunmap_local(va);
}

function snap_mmap(_f: file, vma: vm_area_struct): number {
  const n = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
  if (vma.vm_pgoff !== 0 || n > MAX_PAGES) return -EINVAL;
  const snap = ++snapshots;
  vm_flags_set(vma, VM_DONTEXPAND);
  for (let i = 0; i < n; i++) {
    const pg = alloc_page(GFP_KERNEL); // REPORTED: kmemleak points at the allocation
    if (!pg) return -ENOMEM; // what was inserted so far goes away with the VMA
    fill(pg, snap, i);
    const err = vm_insert_page(vma, vma.vm_start + i * PAGE_SIZE, pg);
    if (err) return err; // BUG: leaks this page (and every page before it keeps an extra reference): put_page(pg) right after vm_insert_page(), error or not
  }
  return 0;
}

const fops: file_operations = { owner: THIS_MODULE, mmap: snap_mmap };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "snapbook", fops };
module_init(() => misc_register(misc));
module_exit(() => misc_deregister(misc));
