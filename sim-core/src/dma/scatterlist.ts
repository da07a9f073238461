// struct scatterlist: one entry of a scatter/gather table. C drivers keep an
// array of them and walk it with sg_next(); here each entry knows its table
// and index, so sg_next() and for_each_sg() work on the objects themselves.

import type { Page } from "../mm/memmap";

export class Scatterlist {
  /** sg_page(): the page the segment starts in (null until set). */
  page: Page | null = null;
  /** sg->offset: where the segment starts within its page. */
  offset = 0;
  /** sg->length: the segment's length in bytes (CPU side). */
  length = 0;
  /** sg_dma_address() / sg_dma_len(): filled by dma_map_sg(). */
  dma_address = 0;
  /** sg_dma_len(): the mapped length after dma_map_sg(); may differ from length when segments merge. */
  dma_length = 0;
  /** sg_mark_end(): the last entry of the list. */
  end = false;
  /** sg_chain(): this entry links to another table instead of holding data. */
  chain: Scatterlist | null = null;
  /** The kernel virtual address sg_set_buf() was given (checked at map time). */
  virt: number | null = null;
  /** The table this entry belongs to and its index there. */
  table: Scatterlist[] | null = null;
  /** This entry's index in its table (sg_next() walks it). */
  index = 0;

  /** A printable form, "scatterlist(page:… offset:… length:…)". */
  toString(): string {
    return `scatterlist(page:${this.page ? "0x" + this.page.pfn.toString(16) : "NULL"} offset:${this.offset} length:${this.length})`;
  }
}

/** sg_next(): the next entry, following chain links; null after the end marker. */
export function sgNext(sg: Scatterlist): Scatterlist | null {
  if (sg.end) return null;
  let next = sg.table?.[sg.index + 1] ?? null;
  while (next && next.chain) next = next.chain;
  return next;
}

/** The first entry of a list given as an array or as its first entry. */
export function sgHead(sgl: Scatterlist | Scatterlist[]): Scatterlist {
  if (Array.isArray(sgl)) {
    const first = sgl[0];
    if (!(first instanceof Scatterlist)) throw new TypeError("scatterlist table is empty or not initialised: call sg_init_table() first");
    return first;
  }
  if (!(sgl instanceof Scatterlist)) throw new TypeError("expected a struct scatterlist (from sg_init_table())");
  return sgl;
}

/** The first n entries from sg on, as for_each_sg() visits them. */
export function sgEntries(sgl: Scatterlist | Scatterlist[], n: number): Scatterlist[] {
  const out: Scatterlist[] = [];
  let sg: Scatterlist | null = sgHead(sgl);
  while (sg && out.length < n) {
    out.push(sg);
    sg = sgNext(sg);
  }
  return out;
}
