// An ISA-era card on the PCI-like bus (think of a sound card behind a
// bridge): its DMA engine drives only 24 address lines, so it reaches the
// first 16 MiB and nothing else (maxMaskBits 24: dma_set_mask() above
// DMA_BIT_MASK(24) fails, and the DMA API must bounce buffers that lie
// higher through swiotlb). It can also move data through a channel of the
// ISA DMA controller (<asm/dma.h>) instead of mastering the bus itself.
// PCI 1234:15a0, class 0x040100 (audio). BAR0 8 KiB.
//
// BAR0:
//   0x000 RO  ID 0x15a00001
//   0x004 RW  ADDR: bus address of the host buffer (the card drives bits 0-23 only: higher bits are lost)
//   0x008 RW  LEN: bytes to move (at most 4096)
//   0x00c RW  CMD: bit 0 start; bit 1 direction (0: memory → card, 1: card → memory); bit 2 interrupt
//             when done; bit 3 use the ISA DMA channel in CHANNEL instead of bus mastering
//             (ADDR is then ignored: the controller's programming decides)
//   0x010 RO  STATUS: bit 0 busy, bit 1 done, bit 2 error (channel not armed)
//   0x014 RW  CHANNEL: ISA DMA channel number
//   0x018 WO  INT_ACK: clears STATUS bits 1-2 and lowers the interrupt line
//   0x1000-0x1fff  the card's 4 KiB sample buffer, readable and writable by the CPU
//
// A transfer takes 1 µs plus 10 ns a byte of virtual time as bus master, the
// controller's ISA_DMA_NS_PER_BYTE through a channel.

import type { DeviceConfig } from "../device";
import type { IoWidth } from "../../mm/iomem";
import { ISA_DMA_NS_PER_BYTE } from "../isa_dma";
import { DeviceModel, u32, kernelOf, type DeviceRegister } from "./model";

export const ISA_VENDOR = 0x1234, ISA_DEVICE = 0x15a0, ISA_ID = 0x15a00001;
export const ISA_CMD_START = 0x1, ISA_CMD_TO_MEM = 0x2, ISA_CMD_IRQ = 0x4, ISA_CMD_CHANNEL = 0x8;
export const ISA_STATUS_BUSY = 0x1, ISA_STATUS_DONE = 0x2, ISA_STATUS_ERR = 0x4;
export const ISA_REG = { ID: 0x00, ADDR: 0x04, LEN: 0x08, CMD: 0x0c, STATUS: 0x10, CHANNEL: 0x14, INT_ACK: 0x18, BUFFER: 0x1000 } as const;
export const ISA_BUFFER_SIZE = 4096, ISA_ADDR_BITS = 24;

export class IsaModel extends DeviceModel {
  readonly kind = "isa";
  override readonly classCode = 0x040100;
  private addr = 0;
  private len = 0;
  private cmd = 0;
  private status = 0;
  private channel = 0;
  /** The bus addresses the card actually drove, for tests and views. */
  readonly driven: number[] = [];

  config(): DeviceConfig {
    return {
      name: "isa",
      vendor: ISA_VENDOR,
      device: ISA_DEVICE,
      bars: [{ size: 8192, handlers: { read: (off, w) => this.read(off, w), write: (off, w, v) => this.write(off, w, v) } }],
      irq: true,
      maxMaskBits: ISA_ADDR_BITS,
    };
  }

  override reset(): void {
    this.addr = this.len = this.cmd = this.status = this.channel = 0;
    this.setLine(false);
  }

  override registers(): DeviceRegister[] {
    const r = (offset: number, name: string, value: number): DeviceRegister => ({ bar: 0, offset, name, value });
    return [r(ISA_REG.ID, "ID", ISA_ID), r(ISA_REG.ADDR, "ADDR", this.addr), r(ISA_REG.LEN, "LEN", this.len), r(ISA_REG.CMD, "CMD", this.cmd),
      r(ISA_REG.STATUS, "STATUS", this.status), r(ISA_REG.CHANNEL, "CHANNEL", this.channel)];
  }

  /** The card's sample buffer (BAR0 + 0x1000). */
  get buffer(): Uint8Array { return this.dev.bars[0].bytes.subarray(ISA_REG.BUFFER, ISA_REG.BUFFER + ISA_BUFFER_SIZE); }

  private read(off: number, width: IoWidth): number | undefined {
    if (off >= ISA_REG.BUFFER) return undefined; // the buffer is plain memory
    if (width !== 4) return 0xffffffff;
    switch (off) {
      case ISA_REG.ID: return ISA_ID;
      case ISA_REG.ADDR: return this.addr;
      case ISA_REG.LEN: return this.len;
      case ISA_REG.CMD: return this.cmd;
      case ISA_REG.STATUS: return this.status;
      case ISA_REG.CHANNEL: return this.channel;
      default: return 0;
    }
  }

  private write(off: number, width: IoWidth, value: number | bigint): boolean {
    if (off >= ISA_REG.BUFFER) return false;
    if (width !== 4) return true;
    const v = u32(value);
    switch (off) {
      case ISA_REG.ADDR: this.addr = v; break;
      case ISA_REG.LEN: this.len = Math.min(v, ISA_BUFFER_SIZE); break;
      case ISA_REG.CHANNEL: this.channel = v & 7; break;
      case ISA_REG.INT_ACK: this.status &= ~(v & (ISA_STATUS_DONE | ISA_STATUS_ERR)); this.setLine(false); break;
      case ISA_REG.CMD:
        if (!(v & ISA_CMD_START) || this.status & ISA_STATUS_BUSY) break;
        this.cmd = v;
        this.status = (this.status | ISA_STATUS_BUSY) & ~(ISA_STATUS_DONE | ISA_STATUS_ERR);
        kernelOf(this).sched.defer(v & ISA_CMD_CHANNEL ? 1000 + ISA_DMA_NS_PER_BYTE * this.len : 1000 + 10 * this.len, "isa dma", () => this.finish());
        break;
      default: break;
    }
    return true;
  }

  private finish(): void {
    const toMem = (this.cmd & ISA_CMD_TO_MEM) !== 0, n = this.len;
    let ok: boolean;
    if (this.cmd & ISA_CMD_CHANNEL) {
      const r = kernelOf(this).devices.isaDma.transfer(this.channel, toMem ? this.buffer.slice(0, n) : null, n);
      ok = r !== null;
      if (r && !toMem) this.buffer.set(r.data);
    } else {
      // Only 24 address lines: the top bits of ADDR never reach the bus.
      const bus = this.addr % 2 ** ISA_ADDR_BITS;
      this.driven.push(bus);
      if (toMem) ok = this.dmaWrite(bus, this.buffer.slice(0, n));
      else {
        const data = this.dmaRead(bus, n);
        ok = data !== null;
        if (data) this.buffer.set(data);
      }
    }
    this.cmd &= ~ISA_CMD_START;
    this.status = (this.status & ~ISA_STATUS_BUSY) | ISA_STATUS_DONE | (ok ? 0 : ISA_STATUS_ERR);
    if (this.cmd & ISA_CMD_IRQ) this.setLine(true);
  }
}
