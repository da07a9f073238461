// The contents of RAM, one 4 KiB buffer per frame, created on first touch.
// A frame never written reads as the seeded garbage a real machine has at
// boot, which is what makes an unzeroed kmalloc() visibly unzeroed.

import { PAGE_SIZE } from "../util/addr";
import { mix32 } from "../util/prng";

export class PhysMem {
  private readonly frames = new Map<number, Uint8Array>();

  constructor(private readonly seed: number) {}

  /** The frame's bytes, materialising it if needed. */
  frame(pfn: number): Uint8Array {
    let f = this.frames.get(pfn);
    if (!f) {
      f = new Uint8Array(PAGE_SIZE);
      const words = new Uint32Array(f.buffer);
      // xorshift32 from a per-frame seed: cheap, and independent of the order frames are first touched in.
      let x = mix32(this.seed, pfn) | 1;
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x;
      }
      this.frames.set(pfn, f);
    }
    return f;
  }

  /** Replace the frame by zeroes without generating garbage first. */
  zeroFrame(pfn: number): void {
    const f = this.frames.get(pfn);
    if (f) f.fill(0);
    else this.frames.set(pfn, new Uint8Array(PAGE_SIZE));
  }

  get residentFrames(): number { return this.frames.size; }

  read(pa: number, out: Uint8Array, outOff = 0, len = out.length - outOff): void {
    while (len > 0) {
      const pfn = Math.floor(pa / PAGE_SIZE), off = pa - pfn * PAGE_SIZE;
      const n = Math.min(len, PAGE_SIZE - off);
      out.set(this.frame(pfn).subarray(off, off + n), outOff);
      pa += n; outOff += n; len -= n;
    }
  }

  write(pa: number, src: Uint8Array, srcOff = 0, len = src.length - srcOff): void {
    while (len > 0) {
      const pfn = Math.floor(pa / PAGE_SIZE), off = pa - pfn * PAGE_SIZE;
      const n = Math.min(len, PAGE_SIZE - off);
      this.frame(pfn).set(src.subarray(srcOff, srcOff + n), off);
      pa += n; srcOff += n; len -= n;
    }
  }

  fill(pa: number, value: number, len: number): void {
    while (len > 0) {
      const pfn = Math.floor(pa / PAGE_SIZE), off = pa - pfn * PAGE_SIZE;
      const n = Math.min(len, PAGE_SIZE - off);
      if (n === PAGE_SIZE && value === 0) this.zeroFrame(pfn);
      else this.frame(pfn).fill(value, off, off + n);
      pa += n; len -= n;
    }
  }
}
