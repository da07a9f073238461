// Every CPU access a driver makes to kernel memory (invariant 4): KASAN's
// check first, then the translation the MMU would do, which oopses where
// nothing is mapped; then the bytes, from RAM or from a device.

import type { Kernel } from "../kernel";
import type { CapturedStack } from "../kernel/stack";
import { PAGE_SIZE, vpn } from "../util/addr";
import { readLE, toBigInt, writeLE, type IoWidth } from "./iomem";

export type Width = 1 | 2 | 4 | 8;

/** The string functions meant for __iomem pointers. */
const IO_FNS = new Set(["memcpy_fromio", "memcpy_toio", "memset_io"]);

/** A translated page: RAM frame or device memory. */
interface Target { pa: number; io: boolean }

export class KernelMemory {
  private readonly scratch = new Uint8Array(8);
  /** A debugger's data breakpoints: told of every CPU write to RAM (physical address, length). Unset, it costs one check. */
  onWrite: ((pa: number, len: number) => void) | undefined;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** The physical address behind a kernel virtual address, or an oops. */
  translate(addr: number, write: boolean, stack: CapturedStack | undefined, size = 1): Target {
    const k = this.#k, p = k.profile;
    if (addr >= p.pageOffset && addr < p.highMemory) {
      const pa = addr - p.pageOffset;
      if (k.memmap.pfnValid(Math.floor(pa / PAGE_SIZE))) return { pa, io: false };
    } else if (p.arch === "x86_64" && addr >= p.kernel.virtStart - p.kernel.physStart && addr < p.kernel.virtStart + k.imageSize) {
      const pa = addr - (p.kernel.virtStart - p.kernel.physStart);
      if (pa >= p.kernel.physStart) return { pa, io: false };
    } else {
      const pfn = k.kpt.lookup(addr);
      if (pfn >= 0) {
        const pa = pfn * PAGE_SIZE + (addr - vpn(addr) * PAGE_SIZE);
        return { pa, io: !k.isRamPhys(pa) };
      }
    }
    return k.pageFaultOops(addr, write, stack, size);
  }

  /** Reads `len` bytes at a kernel address. */
  read(addr: number, len: number, stack?: CapturedStack, fn = "memcpy"): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(addr, out, stack, fn);
    return out;
  }

  readInto(addr: number, out: Uint8Array, stack: CapturedStack | undefined, fn: string): void {
    const k = this.#k;
    k.kasan.check(addr, out.length, false, stack, fn);
    k.clock.advance(out.length * k.cost.bytes);
    this.chunks(addr, out.length, false, stack, fn, (t, off, n) => {
      // On x86 a plain aligned load of an __iomem register is still one access of its width (sparse warns; the register answers).
      if (t.io && isIoWidth(n) && t.pa % n === 0) writeLE(out, off, n, toBigInt(k.io.read(t.pa, n)));
      else if (t.io) for (let i = 0; i < n; i++) out[off + i] = Number(k.io.read(t.pa + i, 1));
      else {
        k.phys.read(t.pa, out, off, n);
        if (k.dma.cpuHooked) k.dma.cpuRead(t.pa, out, off, n, addr + off, stack);
      }
    });
  }

  write(addr: number, src: Uint8Array, stack?: CapturedStack, fn = "memcpy"): void {
    const k = this.#k;
    k.kasan.check(addr, src.length, true, stack, fn);
    k.clock.advance(src.length * k.cost.bytes);
    this.chunks(addr, src.length, true, stack, fn, (t, off, n) => {
      if (t.io && isIoWidth(n) && t.pa % n === 0) k.io.write(t.pa, n, readLE(src, off, n));
      else if (t.io) for (let i = 0; i < n; i++) k.io.write(t.pa + i, 1, src[off + i]);
      else {
        // DMA: ownership checks, the CPU cache model and init tracking, only while anything is mapped or tracked.
        if (k.dma.cpuHooked) k.dma.cpuWrite(t.pa, src, off, n, addr + off, stack);
        else k.phys.write(t.pa, src, off, n);
        if (k.gup.grants.size) k.gup.noteWrite(Math.floor(t.pa / PAGE_SIZE), "CPU");
        this.onWrite?.(t.pa, n);
      }
    });
  }

  fill(addr: number, value: number, len: number, stack?: CapturedStack, fn = "memset"): void {
    const k = this.#k;
    k.kasan.check(addr, len, true, stack, fn);
    k.clock.advance(len * k.cost.bytes);
    this.chunks(addr, len, true, stack, fn, (t, off, n) => {
      if (t.io) for (let i = 0; i < n; i++) k.io.write(t.pa + i, 1, value & 0xff);
      else {
        if (k.dma.cpuHooked) k.dma.cpuFill(t.pa, value & 0xff, n, addr + off, stack);
        else k.phys.fill(t.pa, value & 0xff, n);
        if (k.gup.grants.size) k.gup.noteWrite(Math.floor(t.pa / PAGE_SIZE), "CPU");
        this.onWrite?.(t.pa, n);
      }
    });
  }

  /** memmove semantics: overlapping ranges copy as if through a temporary. */
  copy(dst: number, src: number, len: number, stack?: CapturedStack, fn = "memcpy"): void {
    if (len <= 0) return;
    const tmp = this.read(src, len, stack, fn);
    this.write(dst, tmp, stack, fn);
  }

  /** A little-endian load of 1, 2, 4 or 8 bytes (8 bytes come back as bigint). */
  load(addr: number, width: Width, stack?: CapturedStack, fn = "load"): number | bigint {
    const b = this.scratch.subarray(0, width);
    this.readInto(addr, b, stack, fn);
    return readLE(b, 0, width);
  }

  store(addr: number, width: Width, value: number | bigint, stack?: CapturedStack, fn = "store"): void {
    const b = new Uint8Array(width);
    writeLE(b, 0, width, toBigInt(value));
    this.write(addr, b, stack, fn);
  }

  /** readl()-style device access: one transaction of the given width. */
  ioRead(addr: number, width: IoWidth, stack: CapturedStack | undefined, fn: string): number | bigint {
    const t = this.translate(addr, false, stack);
    this.#k.clock.advance(this.#k.cost.mmio);
    if (!t.io) {
      this.#k.reportIoMisuse(fn, addr, "RAM", stack);
      return this.load(addr, width, stack, fn);
    }
    return this.#k.io.read(t.pa, width);
  }

  ioWrite(addr: number, width: IoWidth, value: number | bigint, stack: CapturedStack | undefined, fn: string): void {
    const t = this.translate(addr, true, stack);
    this.#k.clock.advance(this.#k.cost.mmio);
    if (!t.io) {
      this.#k.reportIoMisuse(fn, addr, "RAM", stack);
      this.store(addr, width, value, stack, fn);
      return;
    }
    this.#k.io.write(t.pa, width, value);
  }

  /** Splits [addr, addr+len) at page boundaries and translates each piece. */
  private chunks(addr: number, len: number, write: boolean, stack: CapturedStack | undefined, caller: string, fn: (t: Target, off: number, n: number) => void): void {
    let off = 0;
    let ioWarned = IO_FNS.has(caller);
    while (off < len) {
      const a = addr + off;
      const n = Math.min(len - off, PAGE_SIZE - (a - vpn(a) * PAGE_SIZE));
      const t = this.translate(a, write, stack, n);
      if (t.io && !ioWarned) {
        ioWarned = true;
        this.#k.reportIoMisuse(caller, a, "I/O", stack);
      }
      fn(t, off, n);
      off += n;
    }
  }
}

function isIoWidth(n: number): n is IoWidth {
  return n === 1 || n === 2 || n === 4 || n === 8;
}
