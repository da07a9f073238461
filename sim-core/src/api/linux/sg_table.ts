// struct sg_table and its allocation (<linux/scatterlist.h>): the entry
// array comes from kmalloc, as sg_kmalloc() takes it, so a table never given
// back with sg_free_table() is a kmemleak report at unload (MEM008).

import { Scatterlist } from "../../dma/scatterlist";
import { Page } from "../../mm/memmap";
import { PAGE_SIZE } from "../../util/addr";
import { currentKernel, here, intArg, mightSleepIf } from "../current";

const ENOMEM = 12, EINVAL = 22;
/** sizeof(struct scatterlist) on x86_64. */
const SG_SIZE = 32;

/** struct sg_table. */
export class sg_table {
  /** sgt->sgl: the scatterlist entries (walk with for_each_sgtable_sg()). */
  sgl: Scatterlist[] = [];
  /** Entries after dma_map_sgtable() merged them (what to walk for the device). */
  nents = 0;
  /** Entries allocated. */
  orig_nents = 0;
}

/** The kmalloc'ed entry array behind each table. */
const arrays = new WeakMap<sg_table, number>();

function tableArg(fn: string, t: unknown): sg_table {
  if (t instanceof sg_table) return t;
  throw new TypeError(`${fn}(): argument 1 must be a struct sg_table (new sg_table()), got ${t === null ? "NULL" : typeof t}`);
}

function alloc(fn: string, t: sg_table, nents: number, gfp: number): number {
  const k = currentKernel(), stack = here(k);
  if (nents <= 0) return -EINVAL;
  mightSleepIf(k, fn, gfp, stack);
  const addr = k.slab.kmalloc(nents * SG_SIZE, gfp, stack);
  if (!addr) return -ENOMEM;
  arrays.set(t, addr);
  const sgl: Scatterlist[] = [];
  for (let i = 0; i < nents; i++) {
    const sg = new Scatterlist();
    sg.table = sgl;
    sg.index = i;
    sgl.push(sg);
  }
  sgl[nents - 1].end = true;
  t.sgl = sgl;
  t.nents = t.orig_nents = nents;
  return 0;
}

/**
 * ```c
 * int sg_alloc_table(struct sg_table *table, unsigned int nents, gfp_t gfp_mask)
 * ```
 * nents zeroed entries, the last marked as the end. 0, -EINVAL for no
 * entries, -ENOMEM. Give it back with sg_free_table().
 *
 * Rules: MEM008 (memory leaked at unload); CTX001 (sleeping in atomic context).
 */
export function sg_alloc_table(table: sg_table, nents: number, gfp_mask: number): number {
  return alloc("sg_alloc_table", tableArg("sg_alloc_table", table), intArg("sg_alloc_table", 2, nents), intArg("sg_alloc_table", 3, gfp_mask));
}

/**
 * ```c
 * int sg_alloc_table_from_pages(struct sg_table *sgt, struct page **pages, unsigned int n_pages, unsigned int offset, unsigned long size, gfp_t gfp_mask)
 * ```
 * A table over size bytes of pages, starting offset bytes into the first:
 * physically contiguous pages share one entry, as the kernel merges them.
 *
 * Rules: MEM008 (memory leaked at unload).
 */
export function sg_alloc_table_from_pages(sgt: sg_table, pages: ReadonlyArray<Page | null>, n_pages: number, offset: number, size: number, gfp_mask: number): number {
  const t = tableArg("sg_alloc_table_from_pages", sgt);
  const n = intArg("sg_alloc_table_from_pages", 3, n_pages), off = intArg("sg_alloc_table_from_pages", 4, offset);
  let left = intArg("sg_alloc_table_from_pages", 5, size);
  if (!Array.isArray(pages) || n <= 0 || off < 0 || off >= PAGE_SIZE) return -EINVAL;
  for (let i = 0; i < n; i++) if (!(pages[i] instanceof Page)) throw new TypeError(`sg_alloc_table_from_pages(): pages[${i}] is not a struct page`);
  const chunks: Array<[number, number]> = [];   // [first page index, pages]
  for (let i = 0; i < n; i++) {
    const last = chunks[chunks.length - 1];
    if (last && pages[i]!.pfn === pages[last[0]]!.pfn + last[1]) last[1]++;
    else chunks.push([i, 1]);
  }
  const ret = alloc("sg_alloc_table_from_pages", t, chunks.length, intArg("sg_alloc_table_from_pages", 6, gfp_mask));
  if (ret) return ret;
  chunks.forEach(([first, count], i) => {
    const sg = t.sgl[i];
    const o = i === 0 ? off : 0;
    const len = Math.min(count * PAGE_SIZE - o, left);
    sg.page = pages[first]!;
    sg.offset = o;
    sg.length = len;
    left -= len;
  });
  return 0;
}

/**
 * ```c
 * void sg_free_table(struct sg_table *table)
 * ```
 * Frees the entry array (not the pages the entries point at).
 */
export function sg_free_table(table: sg_table): void {
  const t = tableArg("sg_free_table", table);
  const addr = arrays.get(t);
  if (addr === undefined) return;
  const k = currentKernel();
  arrays.delete(t);
  k.slab.kfree(addr, here(k));
  t.sgl = [];
  t.nents = t.orig_nents = 0;
}

/**
 * ```c
 * #define for_each_sgtable_sg(sgt, sg, i) for_each_sg((sgt)->sgl, sg, (sgt)->orig_nents, i)
 * ```
 * for_each_sgtable_sg(sgt): every CPU entry of the table (orig_nents), to loop over.
 */
export function for_each_sgtable_sg(sgt: sg_table): Scatterlist[] {
  const t = tableArg("for_each_sgtable_sg", sgt);
  return t.sgl.slice(0, t.orig_nents);
}

/**
 * ```c
 * #define for_each_sgtable_dma_sg(sgt, sg, i) for_each_sg((sgt)->sgl, sg, (sgt)->nents, i)
 * ```
 * for_each_sgtable_dma_sg(sgt): the DMA segments dma_map_sgtable() produced
 * (nents), to program the device with sg_dma_address()/sg_dma_len().
 */
export function for_each_sgtable_dma_sg(sgt: sg_table): Scatterlist[] {
  const t = tableArg("for_each_sgtable_dma_sg", sgt);
  return t.sgl.slice(0, t.nents);
}
