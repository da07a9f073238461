// More of <linux/mm.h> (and <linux/pagemap.h>): mapping an array of pages
// into a VMA in one call, and the get_user_pages()/pin_user_pages()
// variants that take mmap_lock themselves.

import { VmArea } from "../../mm/vma";
import { Page } from "../../mm/memmap";
import { PAGE_SIZE } from "../../util/addr";
import { currentKernel, currentMm, intArg, pageArg } from "../current";

const ENXIO = 6;

function vmaArg(fn: string, v: unknown): VmArea {
  if (v instanceof VmArea) return v;
  throw new TypeError(`${fn}(): argument 1 must be the struct vm_area_struct your mmap() received, got ${v === null ? "NULL" : typeof v}`);
}

function mapPages(fn: string, vma: VmArea, pages: ReadonlyArray<Page | null>, num: number, offset: number): number {
  const k = currentKernel();
  const count = vma.size / PAGE_SIZE;
  // Linux's bounds: the request must start inside the object and fit in what is left of it.
  if (offset >= num) return -ENXIO;
  if (count > num - offset) return -ENXIO;
  for (let i = 0; i < count; i++) {
    const page = pages[offset + i];
    if (!(page instanceof Page)) throw new TypeError(`${fn}(): pages[${offset + i}] is not a struct page`);
    const ret = k.mm.vmInsertPage(vma, vma.vm_start + i * PAGE_SIZE, page);
    if (ret < 0) return ret;
  }
  return 0;
}

/**
 * ```c
 * int vm_map_pages(struct vm_area_struct *vma, struct page **pages, unsigned long num)
 * ```
 * Inserts pages[vm_pgoff…] into the whole VMA with vm_insert_page(), each
 * taking a reference the page table drops at unmap. -ENXIO when vm_pgoff is
 * past the array or the VMA is longer than what is left of it (nothing is
 * printed: the bounds check is the point of using it).
 *
 * Rules: MM006 (page insert into an unsuitable VMA).
 */
export function vm_map_pages(vma: VmArea, pages: ReadonlyArray<Page | null>, num: number): number {
  const v = vmaArg("vm_map_pages", vma);
  if (!Array.isArray(pages)) throw new TypeError("vm_map_pages(): argument 2 must be an array of struct page");
  return mapPages("vm_map_pages", v, pages, intArg("vm_map_pages", 3, num), v.vm_pgoff);
}

/**
 * ```c
 * int vm_map_pages_zero(struct vm_area_struct *vma, struct page **pages, unsigned long num)
 * ```
 * vm_map_pages() that ignores vm_pgoff: the mapping always starts at pages[0].
 *
 * Rules: MM006 (page insert into an unsuitable VMA).
 */
export function vm_map_pages_zero(vma: VmArea, pages: ReadonlyArray<Page | null>, num: number): number {
  const v = vmaArg("vm_map_pages_zero", vma);
  if (!Array.isArray(pages)) throw new TypeError("vm_map_pages_zero(): argument 2 must be an array of struct page");
  return mapPages("vm_map_pages_zero", v, pages, intArg("vm_map_pages_zero", 3, num), 0);
}

function fast(fn: string, start: number, nr: number, flags: number, pages: Array<Page | null> | null, pin: boolean): number {
  const k = currentKernel();
  const mm = currentMm(fn);
  k.mightSleep(fn, k.stacks.capture());
  // The fast variants take mmap_lock for read themselves when they must walk the VMAs.
  mm.mmap_lock.readers++;
  try {
    return k.gup.get(mm, intArg(fn, 1, start), intArg(fn, 2, nr), intArg(fn, 3, flags), pages, pin);
  } finally {
    mm.mmap_lock.readers--;
  }
}

/**
 * ```c
 * int get_user_pages_fast(unsigned long start, int nr_pages, unsigned int gup_flags, struct page **pages)
 * ```
 * get_user_pages() of current->mm without holding mmap_lock (it takes it
 * when needed). Returns the number of pages or -errno; each needs put_page()
 * (after set_page_dirty_lock() when written).
 *
 * Rules: PG007 (get_user_pages misuse); CTX001 (sleeping in atomic context).
 */
export function get_user_pages_fast(start: number, nr_pages: number, gup_flags: number, pages: Array<Page | null> | null): number {
  return fast("get_user_pages_fast", start, nr_pages, gup_flags, pages, false);
}

/**
 * ```c
 * int pin_user_pages_fast(unsigned long start, int nr_pages, unsigned int gup_flags, struct page **pages)
 * ```
 * pin_user_pages() of current->mm without holding mmap_lock. Release with
 * unpin_user_pages(), or unpin_user_pages_dirty_lock() when the device or
 * CPU wrote them.
 *
 * Rules: PG007 (get_user_pages misuse); CTX001 (sleeping in atomic context).
 */
export function pin_user_pages_fast(start: number, nr_pages: number, gup_flags: number, pages: Array<Page | null> | null): number {
  return fast("pin_user_pages_fast", start, nr_pages, gup_flags, pages, true);
}

/**
 * ```c
 * loff_t page_offset(struct page *page)   // <linux/pagemap.h>
 * ```
 * The byte offset in its file (or anonymous mapping) of a page cache page:
 * page->index << PAGE_SHIFT. 0 for a page that has no index (driver pages).
 */
export function page_offset(page: Page): number {
  const p = pageArg("page_offset", 1, page);
  const index = (p as unknown as { index?: number }).index;
  return (typeof index === "number" ? index : 0) * PAGE_SIZE;
}
