// <linux/highmem.h>: temporary kernel mappings for any page.

import type { Page } from "../../mm/memmap";
import { currentKernel, here, pageArg } from "../current";

export function kmap(page: Page): number {
  const k = currentKernel();
  return k.highmem.kmap(pageArg("kmap", 1, page), here(k));
}

/** kunmap() takes the page — passing the address is PG004. */
export function kunmap(page: Page): void {
  const k = currentKernel();
  k.highmem.kunmap(page, undefined);
}

export function kmap_atomic(page: Page): number {
  const k = currentKernel();
  return k.highmem.kmapLocal(pageArg("kmap_atomic", 1, page), "kmap_atomic", here(k));
}

/** kunmap_atomic() takes the address — passing the page is PG004. */
export function kunmap_atomic(addr: number): void {
  const k = currentKernel();
  k.highmem.kunmapLocal(addr, "kmap_atomic", undefined);
}

export function kmap_local_page(page: Page): number {
  const k = currentKernel();
  return k.highmem.kmapLocal(pageArg("kmap_local_page", 1, page), "kmap_local", here(k));
}

export function kunmap_local(addr: number): void {
  const k = currentKernel();
  k.highmem.kunmapLocal(addr, "kmap_local", undefined);
}

/** clear_highpage(): zero a page through a temporary mapping. */
export function clear_highpage(page: Page): void {
  const k = currentKernel();
  const stack = here(k);
  const addr = k.highmem.kmapLocal(pageArg("clear_highpage", 1, page), "kmap_local", stack);
  k.mem.fill(addr, 0, 4096, stack, "clear_highpage");
  k.highmem.kunmapLocal(addr, "kmap_local", stack);
}
