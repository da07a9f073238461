// Who owns each byte of a streaming mapping: the device from the map (or a
// _for_device sync) until a _for_cpu sync of those bytes, the CPU in
// between. Drivers hand parts of one mapping back and forth on their own —
// igb/ixgbe map a page and pass each half with
// dma_sync_single_range_for_cpu()/_for_device() — so ownership is kept per
// byte range, not per mapping: a sorted list of the device-owned intervals.

export class Ownership {
  /** Device-owned [start, end) offsets, sorted, disjoint, not touching: start0, end0, start1, end1, … */
  private iv: number[];

  constructor(readonly size: number, deviceOwned: boolean) {
    this.iv = deviceOwned && size > 0 ? [0, size] : [];
  }

  /** Gives [lo, hi) to the device (true) or the CPU (false). */
  set(lo: number, hi: number, device: boolean): void {
    lo = Math.max(0, lo);
    hi = Math.min(this.size, hi);
    if (lo >= hi) return;
    const out: number[] = [];
    const iv = this.iv;
    let i = 0;
    // Intervals wholly before [lo, hi) (and not touching it when adding) stay as they are.
    while (i < iv.length && iv[i + 1] < lo) { out.push(iv[i], iv[i + 1]); i += 2; }
    let nlo = lo, nhi = hi;
    for (; i < iv.length && iv[i] <= hi; i += 2) {
      const s = iv[i], e = iv[i + 1];
      if (device) {
        nlo = Math.min(nlo, s);
        nhi = Math.max(nhi, e);
      } else {
        if (s < lo) out.push(s, lo);
        if (e > hi) out.push(hi, e);
      }
    }
    if (device) out.push(nlo, nhi);
    while (i < iv.length) { out.push(iv[i], iv[i + 1]); i += 2; }
    out.sort((a, b) => a - b);
    this.iv = out;
  }

  /** The first device-owned offset in [lo, hi), or -1. */
  firstDevice(lo: number, hi: number): number {
    const iv = this.iv;
    if (lo >= hi) return -1;
    for (let i = 0; i < iv.length; i += 2) {
      if (iv[i + 1] <= lo) continue;
      if (iv[i] >= hi) return -1;
      return Math.max(iv[i], lo);
    }
    return -1;
  }

  anyDevice(lo: number, hi: number): boolean { return this.firstDevice(lo, hi) >= 0; }

  /** True when the device owns every byte (the state right after the map). */
  get allDevice(): boolean { return this.iv.length === 2 && this.iv[0] === 0 && this.iv[1] === this.size; }

  /** The CPU-owned ranges, for messages. */
  cpuRanges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let at = 0;
    for (let i = 0; i < this.iv.length; i += 2) {
      if (this.iv[i] > at) out.push([at, this.iv[i]]);
      at = this.iv[i + 1];
    }
    if (at < this.size) out.push([at, this.size]);
    return out;
  }
}
