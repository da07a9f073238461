// Physical address space outside RAM: device memory regions (what a BAR
// exposes), ioremap()/iounmap(), and /proc/iomem. A region is backed by
// plain bytes unless the device model supplies register handlers.

import type { Kernel } from "../kernel";
import type { CapturedStack } from "../kernel/stack";
import { PAGE_SIZE, alignUp, hexAddr } from "../util/addr";

export type IoWidth = 1 | 2 | 4 | 8;

export interface MmioHandlers {
  /** A register read; undefined falls back to the region's backing bytes. */
  read?(offset: number, width: IoWidth): number | bigint | undefined;
  /** A register write; return true when handled, otherwise the bytes are stored. */
  write?(offset: number, width: IoWidth, value: number | bigint): boolean | void;
}

export class IoRegion {
  readonly bytes: Uint8Array;
  constructor(readonly name: string, readonly start: number, readonly size: number, readonly handlers: MmioHandlers = {}) {
    this.bytes = new Uint8Array(size);
  }
  get end(): number { return this.start + this.size; }
}

export class IoMem {
  private readonly regions: IoRegion[] = [];
  private nextFree: number;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    this.nextFree = k.profile.mmioStart;
  }

  /** Add device memory; without a base it is placed in the PCI hole, naturally aligned like a BAR. */
  addRegion(name: string, size: number, opts: { phys?: number; handlers?: MmioHandlers } = {}): IoRegion {
    const p = this.#k.profile;
    const bar = 2 ** Math.ceil(Math.log2(Math.max(size, PAGE_SIZE)));
    const start = opts.phys ?? alignUp(this.nextFree, bar);
    if (opts.phys === undefined) this.nextFree = start + bar;
    if (start + size > p.mmioEnd && opts.phys === undefined) throw new RangeError(`no room for ${name} (${size} bytes) in the MMIO window`);
    for (const r of this.regions) {
      if (start < r.end && r.start < start + size) throw new RangeError(`${name} at 0x${start.toString(16)} overlaps ${r.name}`);
    }
    if (this.#k.isRamPhys(start) || this.#k.isRamPhys(start + size - 1)) throw new RangeError(`${name} at 0x${start.toString(16)} overlaps System RAM`);
    const r = new IoRegion(name, start, size, opts.handlers);
    this.regions.push(r);
    this.regions.sort((a, b) => a.start - b.start);
    return r;
  }

  regionAt(phys: number): IoRegion | undefined {
    return this.regions.find((r) => phys >= r.start && phys < r.end);
  }

  list(): readonly IoRegion[] { return this.regions; }

  /** ioremap(): 0 for RAM (x86 refuses it: "ioremap on RAM") and for ranges no device claims. */
  ioremap(phys: number, size: number, stack: CapturedStack | undefined): number {
    const k = this.#k;
    k.clock.advance(k.cost.ioremap);
    if (!Number.isFinite(size) || size <= 0 || phys + size < phys) return 0;
    const d = k.profile.physDigits;
    const range = `0x${hexAddr(phys, d)} - 0x${hexAddr(phys + size - 1, d)}`;
    if (k.isRamPhys(phys) || k.isRamPhys(phys + size - 1)) {
      k.warn(`ioremap on RAM at ${range}`, stack);
      return 0;
    }
    const r = this.regionAt(phys);
    if (!r || phys + size > r.end) {
      k.printk(`\x013ioremap: no device memory at ${range}\n`);
      return 0;
    }
    const addr = k.vmalloc.mapPhys(phys, size, "ioremap", stack);
    if (addr) k.events.emit({ type: "ioremap", phys, size, addr });
    return addr;
  }

  iounmap(addr: number, stack: CapturedStack | undefined): void {
    const k = this.#k;
    if (addr === 0) return;
    const base = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    const a = k.vmalloc.find(base);
    if (!a || a.kind !== "ioremap" || a.addr !== base) {
      k.warn(`iounmap: bad address ${k.px(addr)}`, stack);
      return;
    }
    k.vmalloc.unmapArea(a, stack);
    k.events.emit({ type: "iounmap", addr });
  }

  /**
   * A device read. An ioremap() maps whole pages, so the tail of a page past a
   * small region is reachable: nothing decodes it, and like a PCI master abort
   * it reads as all ones (and writes to it are dropped).
   */
  read(phys: number, width: IoWidth): number | bigint {
    const r = this.regionAt(phys);
    if (!r || phys + width > r.end) return width === 8 ? 0xffffffffffffffffn : 2 ** (8 * width) - 1;
    const off = phys - r.start;
    const v = r.handlers.read?.(off, width);
    // A bus transaction of `width` bytes: whatever the model returns, the CPU sees it zero-extended at that width.
    if (v !== undefined) return width === 8 ? BigInt.asUintN(64, toBigInt(v)) : Number(BigInt.asUintN(8 * width, toBigInt(v)));
    return readLE(r.bytes, off, width);
  }

  write(phys: number, width: IoWidth, value: number | bigint): void {
    const r = this.regionAt(phys);
    if (!r || phys + width > r.end) return;
    const off = phys - r.start;
    if (r.handlers.write?.(off, width, value)) return;
    writeLE(r.bytes, off, width, value);
  }

  /** /proc/iomem with the RAM ranges, the kernel image and the devices. */
  iomemText(): string {
    const k = this.#k, p = k.profile;
    const rows: Array<[number, number, string, number]> = [];
    for (const e of p.e820) rows.push([e.start, e.end, e.type === "usable" ? "System RAM" : "Reserved", 0]);
    const img = p.kernel;
    rows.push([img.physStart, img.physStart + img.textSize, "Kernel code", 1]);
    rows.push([img.physStart + img.textSize, img.physStart + img.textSize + img.rodataSize, "Kernel rodata", 1]);
    const d0 = img.physStart + img.textSize + img.rodataSize;
    rows.push([d0, d0 + img.dataSize, "Kernel data", 1]);
    rows.push([d0 + img.dataSize, d0 + img.dataSize + img.bssSize, "Kernel bss", 1]);
    for (const r of this.regions) rows.push([r.start, r.end, r.name, 0]);
    rows.sort((a, b) => a[0] - b[0] || a[3] - b[3]);
    // kernel/resource.c r_show(): "%0*llx" with width 8 for iomem; longer addresses just print longer.
    const w = 8;
    return rows.map(([s, e, n, depth]) => `${"  ".repeat(depth)}${hexAddr(s, w)}-${hexAddr(e - 1, w)} : ${n}\n`).join("");
  }
}

export function readLE(b: Uint8Array, off: number, width: IoWidth): number | bigint {
  // The common widths without a DataView: every user load and store comes through here.
  if (width === 1) return b[off];
  if (width === 2) return b[off] | (b[off + 1] << 8);
  if (width === 4) return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);
}

/** A driver's value as an integer bigint, whatever it passed (fractions truncate, NaN is 0). */
export function toBigInt(value: number | bigint): bigint {
  return typeof value === "bigint" ? value : BigInt(Number.isFinite(value) ? Math.trunc(value) : 0);
}

export function writeLE(b: Uint8Array, off: number, width: IoWidth, value: number | bigint): void {
  if (width !== 8 && typeof value === "number" && Number.isSafeInteger(value)) {
    // ToInt32 reduces any safe integer modulo 2^32 exactly: the low bits C's truncating store keeps.
    const lo = value | 0;
    b[off] = lo;
    if (width >= 2) b[off + 1] = lo >>> 8;
    if (width === 4) {
      b[off + 2] = lo >>> 16;
      b[off + 3] = lo >>> 24;
    }
    return;
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  value = toBigInt(value);
  switch (width) {
    case 1: dv.setUint8(off, Number(BigInt.asUintN(8, value))); break;
    case 2: dv.setUint16(off, Number(BigInt.asUintN(16, value)), true); break;
    case 4: dv.setUint32(off, Number(BigInt.asUintN(32, value)), true); break;
    case 8: dv.setBigUint64(off, BigInt.asUintN(64, value), true); break;
  }
}
