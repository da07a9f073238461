// The PC's ISA DMA controller: two cascaded Intel 8237s, eight channels
// (0-3 move bytes, 5-7 move 16-bit words, 4 is the cascade), as LDD3
// chapter 15 ("DMA for ISA Devices") and arch/x86/include/asm/dma.h
// describe. A channel is programmed with a mode, a 24-bit physical address
// (a 16-bit address counter plus an 8-bit page register) and a count; a
// device on the channel then moves data through it (third-party DMA: the
// controller, not the device, addresses memory, so bus address = physical
// address, and the device's own DMA view and any IOMMU are not involved).
//
// The two hardware limits: nothing above 16 MiB (the page register holds
// address bits 16-23), and no transfer across a 64 KiB boundary (128 KiB on
// the 16-bit channels), because the address counter wraps inside its page.
// On a real PC both silently put the data somewhere else; here the
// programming is reported (DMA018 for an address beyond 24 bits, a WARN for
// a boundary crossing) and enable_dma() refuses to arm such a transfer.

import type { Kernel } from "../kernel";
import { PAGE_SIZE } from "../util/addr";
import { allocationOf, fixAt } from "../kernel/fixsite";

/** MAX_DMA_CHANNELS (8): the ISA DMA channels of the two cascaded 8237 controllers. */
export const MAX_DMA_CHANNELS = 8;
export const /** DMA_MODE_READ (0x44): 8237 ISA DMA mode: single transfer, I/O to memory (the device writes RAM). */ DMA_MODE_READ = 0x44, /** DMA_MODE_WRITE (0x48): 8237 ISA DMA mode: single transfer, memory to I/O (the device reads RAM). */ DMA_MODE_WRITE = 0x48, /** DMA_MODE_CASCADE (0xC0): 8237 ISA DMA mode: cascade to a second controller. */ DMA_MODE_CASCADE = 0xc0, /** DMA_AUTOINIT (0x10): 8237 ISA DMA mode bit: restart the transfer when it completes. */ DMA_AUTOINIT = 0x10;
export const ISA_DMA_LIMIT = 1 << 24;

export interface IsaDmaChannel {
  readonly nr: number;
  owner: string | null;
  mode: number;
  /** The physical address as programmed (all 24 bits the controller keeps). */
  addr: number;
  /** Bytes to move (what set_dma_count() was given). */
  count: number;
  /** Bytes still to move (get_dma_residue()). */
  residue: number;
  enabled: boolean;
  /** The driver passed an address beyond 24 bits: the controller kept only the low bits. */
  truncated: boolean;
}

const EBUSY = 16, EINVAL = 22;
/** An 8-bit ISA transfer: about 1 MB/s (one byte per ~4 bus cycles at 4.77 MHz... generously rounded). */
export const ISA_DMA_NS_PER_BYTE = 1000;

export class IsaDmaController {
  readonly channels: IsaDmaChannel[];
  /** dma_spin_lock: claim_dma_lock() nesting. */
  lockDepth = 0;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    this.channels = Array.from({ length: MAX_DMA_CHANNELS }, (_, nr) => ({ nr, owner: nr === 4 ? "cascade" : null, mode: 0, addr: 0, count: 0, residue: 0, enabled: false, truncated: false }));
  }

  private chan(fn: string, nr: number): IsaDmaChannel {
    const c = this.channels[nr];
    if (!c) throw new RangeError(`${fn}(): DMA channel ${nr} does not exist (0-${MAX_DMA_CHANNELS - 1})`);
    return c;
  }

  request(nr: number, name: string): number {
    const c = this.channels[nr];
    if (!c) return -EINVAL;
    if (c.owner !== null) return -EBUSY;
    c.owner = name;
    return 0;
  }

  free(nr: number): void {
    const c = this.channels[nr];
    if (!c) {
      this.#k.printk(`\x014Trying to free DMA${nr}\n`);
      return;
    }
    if (c.owner === null) {
      this.#k.printk(`\x014Trying to free free DMA${nr}\n`);
      return;
    }
    c.owner = null;
    c.enabled = false;
  }

  setMode(nr: number, mode: number): void { this.chan("set_dma_mode", nr).mode = mode & 0xff; }

  /** set_dma_addr(): the page register keeps bits 16-23, the counter bits 0-15; everything above is lost. */
  setAddr(nr: number, addr: number): void {
    const c = this.chan("set_dma_addr", nr);
    c.truncated = addr >= ISA_DMA_LIMIT || addr < 0;
    c.addr = ((addr % ISA_DMA_LIMIT) + ISA_DMA_LIMIT) % ISA_DMA_LIMIT;
    if (nr >= 5) c.addr -= c.addr % 2; // word channels address words
    if (c.truncated) {
      const stack = this.#k.stacks.capture();
      const problem = `physical address 0x${addr.toString(16)} is beyond the ISA DMA controller's 24 address bits: it would DMA to 0x${c.addr.toString(16)} instead (allocate the buffer with GFP_DMA, below MAX_DMA_ADDRESS)`;
      this.#k.violation({
        rule: "DMA018",
        params: { fn: "set_dma_addr", problem, mask: "0xffffff", bus_limit: "0xffffff" },
        report: [`set_dma_addr(${nr}, 0x${addr.toString(16)}): ${problem}`, "Call Trace:", ...this.#k.stacks.formatStack(stack)],
        stack,
        // The controller shows it; the buffer's allocation is what needs GFP_DMA.
        ...((f) => (f ? { fix: f } : {}))(addr >= 0 && this.#k.isRamPhys(addr) ? fixAt(allocationOf(this.#k, addr), (f) => `allocate the ISA DMA buffer ${f.fn}() takes here with GFP_DMA (below 16 MiB, MAX_DMA_ADDRESS), e.g. kmalloc(size, GFP_KERNEL | GFP_DMA)`) : undefined),
      });
    }
  }

  setCount(nr: number, count: number): void {
    const c = this.chan("set_dma_count", nr);
    c.count = c.residue = Math.max(0, Math.trunc(count));
  }

  /** The boundary the channel's address counter wraps at: 64 KiB for bytes, 128 KiB for words. */
  boundary(nr: number): number { return nr >= 4 ? 128 * 1024 : 64 * 1024; }

  /** enable_dma(): arms the channel, unless the programmed transfer cannot be done as asked. */
  enable(nr: number): void {
    const c = this.chan("enable_dma", nr);
    const max = this.boundary(nr);
    const crosses = Math.floor(c.addr / max) !== Math.floor((c.addr + Math.max(c.count, 1) - 1) / max);
    if (c.owner === null) this.#k.warn(`enable_dma(${nr}): the channel was never request_dma()ed`, undefined);
    if (c.count > max || crosses) {
      this.#k.warn(`enable_dma(${nr}): a ${c.count}-byte transfer at 0x${c.addr.toString(16)} crosses a ${max >> 10} KiB boundary: the 8237's address counter would wrap inside its page (split the transfer, or use a buffer that does not straddle the boundary); the channel was not enabled`, undefined);
      return;
    }
    if (c.truncated) return; // reported at set_dma_addr()
    c.enabled = true;
  }

  disable(nr: number): void { this.chan("disable_dma", nr).enabled = false; }

  residue(nr: number): number { return this.chan("get_dma_residue", nr).residue; }

  /**
   * A device on the channel asks for DMA (DREQ). In DMA_MODE_READ the device
   * supplies bytes that go to memory; in DMA_MODE_WRITE memory is read for
   * the device. Returns what was moved (from memory, for a write), or null
   * when the channel is not armed. Terminal count disables the channel
   * unless it auto-initialises.
   */
  transfer(nr: number, fromDevice: Uint8Array | null, maxLen: number): { moved: number; data: Uint8Array } | null {
    const c = this.channels[nr];
    if (!c || !c.enabled) return null;
    const k = this.#k;
    const n = Math.min(c.residue, fromDevice ? fromDevice.length : maxLen, maxLen);
    const at = c.addr + (c.count - c.residue);
    let data: Uint8Array;
    if ((c.mode & 0x0c) === 0x04) {
      // Device → memory.
      data = (fromDevice ?? new Uint8Array(0)).subarray(0, n);
      this.physIo(at, n, data, true);
    } else {
      data = new Uint8Array(n);
      this.physIo(at, n, data, false);
    }
    k.events.emit({ type: "dma_transfer", dev: `dma${nr}`, busAddr: at, size: n, write: (c.mode & 0x0c) === 0x04 });
    c.residue -= n;
    if (c.residue === 0) {
      if (c.mode & DMA_AUTOINIT) c.residue = c.count;
      else c.enabled = false;
    }
    return { moved: n, data };
  }

  private physIo(pa: number, len: number, buf: Uint8Array, toMemory: boolean): void {
    const k = this.#k;
    let off = 0;
    while (off < len) {
      const n = Math.min(len - off, PAGE_SIZE - (pa % PAGE_SIZE));
      if (k.isRamPhys(pa)) {
        if (toMemory) k.phys.write(pa, buf, off, n);
        else k.phys.read(pa, buf, off, n);
      } else if (!toMemory) buf.fill(0xff, off, off + n);
      pa += n;
      off += n;
    }
  }

  /** /proc/dma. */
  procDma(): string {
    return this.channels.filter((c) => c.owner !== null).map((c) => `${String(c.nr).padStart(2)}: ${c.owner}\n`).join("");
  }
}
