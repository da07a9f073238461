// QEMU's "edu" educational device (docs/specs/edu.rst, hw/misc/edu.c):
// PCI 1234:11e8, revision 0x10, one 1 MiB memory BAR of registers, an
// interrupt line, and a 4 KiB DMA buffer inside the device at device
// address 0x40000. Its DMA engine generates only 28-bit addresses.
//
// BAR0 register map (32-bit accesses below 0x80; 32- or 64-bit from 0x80 on;
// other widths read as all ones and writes are dropped, as in QEMU):
//
//   0x00 RO  identification 0x010000ed (major 1, minor 0, "ed")
//   0x04 RW  card liveness check: reads return the bitwise inverse of the value written
//   0x08 RW  factorial: writing n starts computing n! (32-bit, wrapping); read the result
//            once status bit 0 clears
//   0x20 RW  status: bit 0 (RO) factorial computing; bit 7 (RW) raise interrupt 0x001 when done
//   0x24 RO  interrupt status: the bits that raised the interrupt
//   0x60 WO  interrupt raise: ORs the value into interrupt status and asserts the line
//   0x64 WO  interrupt acknowledge: clears those bits of interrupt status (the line is high while it is non-zero:
//            a handler that does not acknowledge gets no further interrupts)
//   0x80 RW  DMA source address
//   0x88 RW  DMA destination address
//   0x90 RW  DMA transfer count
//   0x98 RW  DMA command: bit 0 start (reads 1 while the transfer runs); bit 1 direction
//            (0: RAM → device, source is a bus address and destination a device address;
//            1: device → RAM, the other way round); bit 2 raise interrupt 0x100 when done
//
// While a transfer runs, writes to 0x80-0x98 are ignored. Bus addresses are
// clamped to the 28-bit DMA mask ("EDU: clamping DMA ..."); a device-side
// range outside [0x40000, 0x41000) is an error (QEMU aborts; here the
// transfer is dropped with the same message). A transfer takes a fixed 2 µs
// plus 4 ns a byte of virtual time; a factorial 50 ns per multiplication.

import type { DeviceConfig } from "../device";
import type { IoWidth } from "../../mm/iomem";
import { DeviceModel, u32, u64, kernelOf, type DeviceRegister } from "./model";

export const EDU_VENDOR = 0x1234, EDU_DEVICE = 0x11e8;
export const EDU_ID = 0x010000ed;
export const EDU_STATUS_COMPUTING = 0x01, EDU_STATUS_IRQFACT = 0x80;
export const EDU_DMA_RUN = 0x1, EDU_DMA_DIR = 0x2, EDU_DMA_IRQ = 0x4;
export const EDU_FACT_IRQ = 0x001, EDU_DMA_IRQ_STATUS = 0x100;
export const EDU_DMA_START = 0x40000, EDU_DMA_SIZE = 4096;
export const EDU_DMA_MASK_BITS = 28;

const DMA_SETUP_NS = 2000, DMA_NS_PER_BYTE = 4, FACT_NS_PER_STEP = 50;

export class EduModel extends DeviceModel {
  readonly kind = "edu";
  override readonly classCode = 0x00ff00;
  /** The device's own DMA buffer (device addresses 0x40000-0x40fff). */
  readonly buffer = new Uint8Array(EDU_DMA_SIZE);
  private addr4 = 0;
  private fact = 0;
  private status = 0;
  private irqStatus = 0;
  private dmaSrc = 0;
  private dmaDst = 0;
  private dmaCnt = 0;
  private dmaCmd = 0;
  /** When the running factorial or DMA finishes, in virtual ns (undefined: none running). */
  private factDue: number | undefined;
  private factArg = 0;
  private dmaDue: number | undefined;
  /** Completed DMA transfers, for tests and views. */
  transfers = 0;

  config(): DeviceConfig {
    return {
      name: "edu",
      vendor: EDU_VENDOR,
      device: EDU_DEVICE,
      bars: [{ size: 1 << 20, handlers: { read: (off, w) => this.read(off, w), write: (off, w, v) => this.write(off, w, v) } }],
      irq: true,
      maxMaskBits: EDU_DMA_MASK_BITS,
    };
  }

  override reset(): void {
    this.addr4 = this.fact = this.status = this.irqStatus = 0;
    this.dmaSrc = this.dmaDst = this.dmaCnt = this.dmaCmd = 0;
    this.factDue = this.dmaDue = undefined;
    this.setLine(false);
  }

  // Names from QEMU's docs/specs/edu.rst; 0x04 reads back inverted, as the card answers it.
  override registers(): DeviceRegister[] {
    const r = (offset: number, name: string, value: number): DeviceRegister => ({ bar: 0, offset, name, value });
    return [r(0x00, "identification", EDU_ID), r(0x04, "card liveness check", ~this.addr4 >>> 0), r(0x08, "factorial", this.fact),
      r(0x20, "status", this.status), r(0x24, "interrupt status", this.irqStatus), r(0x80, "DMA source address", this.dmaSrc),
      r(0x88, "DMA destination address", this.dmaDst), r(0x90, "DMA transfer count", this.dmaCnt), r(0x98, "DMA command", this.dmaCmd)];
  }

  /** The interrupt status register (0x24), as the device holds it. */
  get interruptStatus(): number { return this.irqStatus; }

  private read(off: number, width: IoWidth): number | bigint {
    if ((off < 0x80 && width !== 4) || (off >= 0x80 && width !== 4 && width !== 8)) return width === 8 ? 0xffffffffffffffffn : 2 ** (8 * width) - 1;
    this.catchUp();
    switch (off) {
      case 0x00: return EDU_ID;
      case 0x04: return ~this.addr4 >>> 0;
      case 0x08: return this.fact;
      case 0x20: return this.status;
      case 0x24: return this.irqStatus;
      case 0x80: return this.dmaSrc;
      case 0x88: return this.dmaDst;
      case 0x90: return this.dmaCnt;
      case 0x98: return this.dmaCmd;
      default: return width === 8 ? 0xffffffffffffffffn : 0xffffffff;
    }
  }

  private write(off: number, width: IoWidth, value: number | bigint): boolean {
    if ((off < 0x80 && width !== 4) || (off >= 0x80 && width !== 4 && width !== 8)) return true;
    this.catchUp();
    const v = u32(value);
    switch (off) {
      case 0x04: this.addr4 = v; break;
      case 0x08:
        if (this.status & EDU_STATUS_COMPUTING) break;
        this.fact = v;
        this.factArg = v;
        this.status |= EDU_STATUS_COMPUTING;
        this.factDue = kernelOf(this).clock.now + FACT_NS_PER_STEP * Math.min(v, 1 << 20) + 500;
        kernelOf(this).sched.defer(this.factDue - kernelOf(this).clock.now, "edu factorial", () => this.catchUp());
        break;
      case 0x20:
        this.status = (this.status & ~EDU_STATUS_IRQFACT) | (v & EDU_STATUS_IRQFACT);
        break;
      case 0x60: this.raise(v); break;
      case 0x64: this.irqStatus = (this.irqStatus & ~v) >>> 0; this.setLine(this.irqStatus !== 0); break;
      case 0x80: if (!this.dmaBusy()) this.dmaSrc = width === 8 ? u64(value) : v; break;
      case 0x88: if (!this.dmaBusy()) this.dmaDst = width === 8 ? u64(value) : v; break;
      case 0x90: if (!this.dmaBusy()) this.dmaCnt = width === 8 ? u64(value) : v; break;
      case 0x98:
        if (!(v & EDU_DMA_RUN) || this.dmaBusy()) break;
        this.dmaCmd = v;
        this.dmaDue = kernelOf(this).clock.now + DMA_SETUP_NS + DMA_NS_PER_BYTE * Math.min(this.dmaCnt, 1 << 24);
        kernelOf(this).sched.defer(this.dmaDue - kernelOf(this).clock.now, "edu dma", () => this.catchUp());
        break;
      default: break;
    }
    return true;
  }

  private dmaBusy(): boolean { return (this.dmaCmd & EDU_DMA_RUN) !== 0; }

  private raise(bits: number): void {
    this.irqStatus = (this.irqStatus | bits) >>> 0;
    this.setLine(this.irqStatus !== 0);
  }

  /**
   * Finishes whatever work is due by now. Called by the scheduled events and
   * on every register access, so a driver polling the status sees the work
   * finish as virtual time passes, without waiting in the scheduler.
   */
  private catchUp(): void {
    const now = kernelOf(this).clock.now;
    if (this.factDue !== undefined && now >= this.factDue) {
      this.factDue = undefined;
      let r = 1;
      for (let i = this.factArg; i > 0; i--) r = Math.imul(r, i) >>> 0;
      this.fact = r;
      this.status &= ~EDU_STATUS_COMPUTING;
      if (this.status & EDU_STATUS_IRQFACT) this.raise(EDU_FACT_IRQ);
    }
    if (this.dmaDue !== undefined && now >= this.dmaDue) {
      this.dmaDue = undefined;
      this.runDma();
      this.dmaCmd &= ~EDU_DMA_RUN;
      if (this.dmaCmd & EDU_DMA_IRQ) this.raise(EDU_DMA_IRQ_STATUS);
    }
  }

  private clamp(addr: number): number {
    const mask = 2 ** EDU_DMA_MASK_BITS;
    const res = addr % mask;
    if (res !== addr) kernelOf(this).printk(`\x014EDU: clamping DMA 0x${addr.toString(16).padStart(16, "0")} to 0x${res.toString(16).padStart(16, "0")}!\n`);
    return res;
  }

  private inRange(addr: number, cnt: number): boolean {
    const end = addr + cnt;
    if (end >= addr && addr >= EDU_DMA_START && end <= EDU_DMA_START + EDU_DMA_SIZE) return true;
    const h = (x: number) => `0x${x.toString(16).padStart(16, "0")}`;
    kernelOf(this).printk(`\x013EDU: DMA range ${h(addr)}-${h(end - 1)} out of bounds (${h(EDU_DMA_START)}-${h(EDU_DMA_START + EDU_DMA_SIZE - 1)})! (the transfer was dropped)\n`);
    return false;
  }

  private runDma(): void {
    const cnt = this.dmaCnt;
    if (!(this.dmaCmd & EDU_DMA_DIR)) {
      // RAM → device: the source is a bus address.
      if (!this.inRange(this.dmaDst, cnt)) return;
      const data = this.dmaRead(this.clamp(this.dmaSrc), cnt);
      if (!data) return;
      this.buffer.set(data, this.dmaDst - EDU_DMA_START);
    } else {
      if (!this.inRange(this.dmaSrc, cnt)) return;
      const off = this.dmaSrc - EDU_DMA_START;
      if (!this.dmaWrite(this.clamp(this.dmaDst), this.buffer.slice(off, off + cnt))) return;
    }
    this.transfers++;
  }
}
