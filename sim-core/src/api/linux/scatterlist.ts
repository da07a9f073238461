// <linux/scatterlist.h>: scatter/gather tables. A table is an array of
// scatterlist objects (sg_init_table() fills an empty array); an entry is
// what C's `struct scatterlist *` points at. for_each_sg() returns the
// entries to loop over: `for (const sg of for_each_sg(sgl, nents)) ...`.

import { Scatterlist, sgEntries, sgHead, sgNext } from "../../dma/scatterlist";
import type { Page } from "../../mm/memmap";
import { PAGE_SIZE } from "../../util/addr";
import { currentKernel, intArg, pageArg } from "../current";

export { Scatterlist };
/** struct scatterlist: `new scatterlist()`, or let sg_init_table() create the entries. */
export const scatterlist = Scatterlist;
export type scatterlist = Scatterlist;

function sgArg(fn: string, sg: unknown): Scatterlist {
  if (sg instanceof Scatterlist) return sg;
  if (Array.isArray(sg)) return sgHead(sg);
  throw new TypeError(`${fn}(): argument 1 must be a struct scatterlist, got ${sg === null ? "NULL" : typeof sg}`);
}

/**
 * ```c
 * void sg_init_table(struct scatterlist *sgl, unsigned int nents)
 * ```
 * sg_init_table(): nents zeroed entries, the last marked as the end (missing entries are created).
 */
export function sg_init_table(sgl: Scatterlist[], nents: number): void {
  const n = intArg("sg_init_table", 2, nents);
  if (!Array.isArray(sgl)) throw new TypeError("sg_init_table(): argument 1 must be an array of struct scatterlist");
  for (let i = 0; i < n; i++) {
    const sg = sgl[i] instanceof Scatterlist ? sgl[i] : (sgl[i] = new Scatterlist());
    Object.assign(sg, { page: null, offset: 0, length: 0, dma_address: 0, dma_length: 0, end: false, chain: null, virt: null, table: sgl, index: i });
  }
  if (n > 0) sgl[n - 1].end = true;
}

/**
 * ```c
 * static inline void sg_set_page(struct scatterlist *sg, struct page *page, unsigned int len, unsigned int offset)
 * ```
 * Points an entry at len bytes of page starting at offset.
 *
 * Rules: DMA016 (sg segment exceeds device limits).
 */
export function sg_set_page(sg: Scatterlist, page: Page, len: number, offset: number): void {
  const s = sgArg("sg_set_page", sg);
  s.page = pageArg("sg_set_page", 2, page);
  s.length = intArg("sg_set_page", 3, len);
  s.offset = intArg("sg_set_page", 4, offset);
  s.virt = null;
}

/**
 * ```c
 * static inline void sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int buflen)
 * ```
 * sg_set_buf(): a kernel logical address; anything else is refused when mapped (DMA014).
 *
 * Rules: DMA014 (mapping memory that can't be DMA'd).
 */
export function sg_set_buf(sg: Scatterlist, buf: number, buflen: number): void {
  const k = currentKernel(), s = sgArg("sg_set_buf", sg), p = k.profile;
  const a = intArg("sg_set_buf", 2, buf);
  const linear = (a >= p.pageOffset && a < p.highMemory) || (p.arch === "x86_64" && a >= p.kernel.virtStart - p.kernel.physStart && a < p.kernel.virtStart + k.imageSize);
  const pa = linear ? k.dma.linearPhys(a) : 0;
  s.page = linear ? k.memmap.page(Math.floor(pa / PAGE_SIZE)) : null;
  s.offset = pa % PAGE_SIZE;
  s.length = intArg("sg_set_buf", 3, buflen);
  s.virt = a;
}

/**
 * ```c
 * void sg_init_one(struct scatterlist *sg, const void *buf, unsigned int buflen)
 * ```
 * sg_init_one(): a one-entry table for one buffer.
 *
 * Rules: DMA014 (mapping memory that can't be DMA'd).
 */
export function sg_init_one(sg: Scatterlist | Scatterlist[], buf: number, buflen: number): void {
  const table = Array.isArray(sg) ? sg : (sg.table ?? [sg]);
  sg_init_table(table, Array.isArray(sg) ? 1 : Math.max(1, table.length));
  sg_set_buf(Array.isArray(sg) ? table[0] : sg, buf, buflen);
  (Array.isArray(sg) ? table[0] : sg).end = true;
}

/**
 * ```c
 * static inline struct page *sg_page(struct scatterlist *sg)
 * ```
 * The page an entry points at.
 */
export function sg_page(sg: Scatterlist): Page | null { return sgArg("sg_page", sg).page; }

/**
 * ```c
 * static inline dma_addr_t sg_phys(struct scatterlist *sg)
 * ```
 * The physical address of an entry's data (not its bus address: that is sg_dma_address() after dma_map_sg()).
 */
export function sg_phys(sg: Scatterlist): number {
  const s = sgArg("sg_phys", sg);
  return (s.page?.pfn ?? 0) * PAGE_SIZE + s.offset;
}

/**
 * ```c
 * static inline void *sg_virt(struct scatterlist *sg)
 * ```
 * sg_virt(): page_address(sg_page(sg)) + offset.
 *
 * Rules: PG006 (logical address of a highmem page).
 */
export function sg_virt(sg: Scatterlist): number {
  const k = currentKernel(), s = sgArg("sg_virt", sg);
  return s.page ? k.highmem.pageAddress(s.page.pfn) + s.offset : 0;
}

/**
 * ```c
 * static inline void sg_mark_end(struct scatterlist *sg)
 * ```
 * Marks sg as the last entry of its table.
 */
export function sg_mark_end(sg: Scatterlist): void { sgArg("sg_mark_end", sg).end = true; }
/**
 * ```c
 * static inline void sg_unmark_end(struct scatterlist *sg)
 * ```
 * Clears the end marker of sg.
 */
export function sg_unmark_end(sg: Scatterlist): void { sgArg("sg_unmark_end", sg).end = false; }
/**
 * ```c
 * #define sg_is_last(sg) ((sg)->page_link & SG_END)
 * ```
 * True when sg is the last entry of its table.
 */
export function sg_is_last(sg: Scatterlist): boolean { return sgArg("sg_is_last", sg).end; }

/**
 * ```c
 * struct scatterlist *sg_next(struct scatterlist *sg)
 * ```
 * sg_next(): null after the last entry.
 */
export function sg_next(sg: Scatterlist): Scatterlist | null { return sgNext(sgArg("sg_next", sg)); }

/**
 * ```c
 * static inline void sg_chain(struct scatterlist *prv, unsigned int prv_nents, struct scatterlist *sgl)
 * ```
 * sg_chain(): the last entry of prv (prv_nents long) links to sgl.
 */
export function sg_chain(prv: Scatterlist[], prv_nents: number, sgl: Scatterlist[]): void {
  const n = intArg("sg_chain", 2, prv_nents);
  // The link entry holds no data: sg_next() of prv[n - 2] lands on sgl[0].
  Object.assign(prv[n - 1], { chain: sgHead(sgl), end: false, page: null, length: 0 });
}

/**
 * ```c
 * #define sg_dma_address(sg) ((sg)->dma_address)
 * ```
 * The bus address dma_map_sg() gave this entry: program the device with it, for the first n entries, n being what dma_map_sg() returned.
 *
 * Rules: DMA008 (sg unmap with the wrong entry count).
 */
export function sg_dma_address(sg: Scatterlist): number { return sgArg("sg_dma_address", sg).dma_address; }
/**
 * ```c
 * #define sg_dma_len(sg) ((sg)->dma_length)
 * ```
 * The length of the mapped segment (after dma_map_sg(); entries may have been merged).
 *
 * Rules: DMA016 (sg segment exceeds device limits).
 */
export function sg_dma_len(sg: Scatterlist): number { return sgArg("sg_dma_len", sg).dma_length; }

/**
 * ```c
 * #define for_each_sg(sglist, sg, nr, __i) for (__i = 0, sg = (sglist); __i < (nr); __i++, sg = sg_next(sg))
 * ```
 * for_each_sg(sgl, sg, nents, i): the entries, to loop over.
 */
export function for_each_sg(sgl: Scatterlist | Scatterlist[], nents: number): Scatterlist[] {
  return sgEntries(sgl, intArg("for_each_sg", 2, nents));
}

/**
 * ```c
 * int sg_nents(struct scatterlist *sg)
 * ```
 * sg_nents(): entries up to the end marker.
 */
export function sg_nents(sgl: Scatterlist | Scatterlist[]): number {
  let n = 0;
  for (let sg: Scatterlist | null = sgHead(sgl); sg; sg = sgNext(sg)) n++;
  return n;
}

// struct sg_table: sg_alloc_table(), sg_free_table().
export * from "./sg_table";
