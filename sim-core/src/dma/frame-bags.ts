// The DMA checker's per-mapping indexes by page frame and by cache line. The
// map and unmap paths add and remove every mapping here, so a key is a slot of
// a flat array in a chunk of consecutive keys (found again through the last
// chunk used, with a Map of chunks behind it) rather than an entry of a Map
// of keys: a mapping costs an array store, not a hash table insert and delete.

import type { DmaEntry } from "./debug";

const CHUNK = 512;
/** Chunks kept before empty ones are given back. */
const KEEP_CHUNKS = 64;

interface Chunk {
  readonly slots: Array<DmaEntry | DmaEntry[] | undefined>;
  /** Slots holding an entry. */
  used: number;
}

/** A multimap of entries by a non-negative integer (a page frame, a cache line); no allocation with one entry per key. */
export class FrameBags {
  private readonly chunks = new Map<number, Chunk>();
  private lastNo = -1;
  private last: Chunk | undefined = undefined;
  private keys = 0;

  /** Keys holding at least one entry. */
  get size(): number { return this.keys; }

  private chunk(no: number, create: boolean): Chunk | undefined {
    if (no === this.lastNo) return this.last;
    let c = this.chunks.get(no);
    if (c === undefined) {
      if (!create) return undefined;
      if (this.chunks.size >= KEEP_CHUNKS) this.sweep();
      c = { slots: new Array<DmaEntry | DmaEntry[] | undefined>(CHUNK).fill(undefined), used: 0 };
      this.chunks.set(no, c);
    }
    this.lastNo = no;
    this.last = c;
    return c;
  }

  private sweep(): void {
    for (const [no, c] of this.chunks) if (c.used === 0) this.chunks.delete(no);
    this.lastNo = -1;
    this.last = undefined;
  }

  /** Adds e; returns another entry already there, if any. */
  add(k: number, e: DmaEntry): DmaEntry | undefined {
    const c = this.chunk(Math.floor(k / CHUNK), true)!, i = k % CHUNK, b = c.slots[i];
    if (b === undefined) {
      c.slots[i] = e;
      c.used++;
      this.keys++;
      return undefined;
    }
    if (Array.isArray(b)) { const o = b[0]; b.push(e); return o; }
    c.slots[i] = [b, e];
    return b;
  }

  del(k: number, e: DmaEntry): void {
    const c = this.chunk(Math.floor(k / CHUNK), false);
    if (c === undefined) return;
    const i = k % CHUNK, b = c.slots[i];
    if (b === undefined) return;
    if (Array.isArray(b)) {
      // A key that held two entries once (two buffers of a page) is likely to again: its array stays, down to one entry.
      const j = b.indexOf(e);
      if (j < 0) return;
      if (b.length > 1) {
        for (let m = j + 1; m < b.length; m++) b[m - 1] = b[m];
        b.pop();
        return;
      }
    } else if (b !== e) return;
    c.slots[i] = undefined;
    c.used--;
    this.keys--;
  }

  /** The entries at k, in the order they were added. */
  get(k: number): readonly DmaEntry[] | undefined {
    const c = this.chunk(Math.floor(k / CHUNK), false);
    const b = c?.slots[k % CHUNK];
    return b === undefined ? undefined : Array.isArray(b) ? b : [b];
  }

  has(k: number): boolean {
    return this.chunk(Math.floor(k / CHUNK), false)?.slots[k % CHUNK] !== undefined;
  }

  clear(): void {
    this.chunks.clear();
    this.lastNo = -1;
    this.last = undefined;
    this.keys = 0;
  }
}
