// A driver that reserves the pages of a buffer it will map to user space
// (SetPageReserved(), in a helper at init) and frees them at exit without
// ClearPageReserved(): the "Bad page state" report (PG002) is raised at rmmod,
// and its fix names the line that reserved them, a stack recorded at init.

import { GFP_KERNEL, __free_pages, alloc_pages } from "linux/gfp";
import { SetPageReserved, nth_page, type page } from "linux/mm";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { ENOMEM } from "linux/errno";

MODULE_LICENSE("GPL");

const ORDER = 1;
let pages: page | null = null;

function reserve_buffer(): void {
  for (let i = 0; i < 1 << ORDER; i++) SetPageReserved(nth_page(pages!, i));
}

function badpage_init(): number {
  pages = alloc_pages(GFP_KERNEL, ORDER);
  if (!pages) return -ENOMEM;
  reserve_buffer();
  return 0;
}

function badpage_exit(): void {
  __free_pages(pages!, ORDER); // BUG: the pages are still PG_reserved
}

module_init(badpage_init);
module_exit(badpage_exit);
