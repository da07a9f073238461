// The contents of RAM, one 4 KiB buffer per frame, created on first touch.
// A frame never written reads as the seeded garbage a real machine has at
// boot, which is what makes an unzeroed kmalloc() visibly unzeroed.

import { PAGE_SIZE } from "../util/addr";
import { mix32 } from "../util/prng";

const GROUP_SHIFT = 15; // frames are looked up per 128 MiB, like mem_map's sections
const GROUP = 1 << GROUP_SHIFT;

export class PhysMem {
  /** Frame buffers by group of 2^15 frames: dense arrays are faster to index than one Map of every frame. */
  private readonly groups = new Map<number, Array<Uint8Array | undefined>>();
  private lastKey = -1;
  private lastGroup: Array<Uint8Array | undefined> = [];
  private count = 0;

  constructor(private readonly seed: number) {}

  private group(pfn: number): Array<Uint8Array | undefined> {
    const key = pfn >>> GROUP_SHIFT;
    if (key !== this.lastKey) {
      let g = this.groups.get(key);
      if (!g) {
        g = new Array<Uint8Array | undefined>(GROUP).fill(undefined);
        this.groups.set(key, g);
      }
      this.lastKey = key;
      this.lastGroup = g;
    }
    return this.lastGroup;
  }

  /** The frame's bytes, materialising it if needed. */
  frame(pfn: number): Uint8Array {
    const g = this.group(pfn);
    let f = g[pfn & (GROUP - 1)];
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
      g[pfn & (GROUP - 1)] = f;
      this.count++;
    }
    return f;
  }

  /** Replace the frame by zeroes without generating garbage first. */
  zeroFrame(pfn: number): void {
    const g = this.group(pfn), i = pfn & (GROUP - 1);
    const f = g[i];
    if (f) f.fill(0);
    else {
      g[i] = new Uint8Array(PAGE_SIZE);
      this.count++;
    }
  }

  get residentFrames(): number { return this.count; }

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
