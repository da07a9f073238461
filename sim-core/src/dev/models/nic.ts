// A network card reduced to what a driver's DMA has to get right: a TX and
// an RX ring of descriptors in memory the driver allocates coherently
// (dma_alloc_coherent()), packet buffers the driver maps with streaming
// mappings (dma_map_single()) and hands to the card through the
// descriptors, and an interrupt when packets arrive or have been sent.
// PCI 1234:4e10, class 0x020000 (Ethernet), BAR0 4 KiB of registers.
//
// BAR0 (32-bit registers):
//   0x00 RO  ID 0x4e494301
//   0x04 RW  CTRL: bit 0 RX enable, bit 1 TX enable, bit 31 reset (self-clearing)
//   0x08 RO  INT_STATUS: bit 0 RX done, bit 1 TX done, bit 2 RX dropped (no posted buffer)
//   0x0c RW  INT_MASK: which INT_STATUS bits raise the interrupt (the line is high while INT_STATUS & INT_MASK)
//   0x10 WO  INT_ACK: clears those INT_STATUS bits
//   0x20 RW  TX_RING_LO   0x24 RW TX_RING_HI   bus address of the TX ring
//   0x28 RW  TX_RING_SIZE number of descriptors
//   0x2c RO  TX_HEAD      next descriptor the card will send
//   0x30 RW  TX_TAIL      one past the last descriptor the driver filled: writing it starts sending
//   0x40 RW  RX_RING_LO   0x44 RW RX_RING_HI   0x48 RW RX_RING_SIZE
//   0x4c RO  RX_HEAD      next descriptor the card will fill
//   0x50 RW  RX_TAIL      one past the last descriptor with a posted buffer
//   0x60 RO  RX_PACKETS   0x64 RO TX_PACKETS   0x68 RO RX_DROPPED
//
// Descriptor (16 bytes, little-endian), the same for both rings:
//   +0  u64 buffer bus address
//   +8  u16 length: TX, bytes to send; RX, the buffer's size when posted, the packet's length when done
//   +10 u16 status: bit 0 DD (descriptor done, written by the card), bit 1 EOP, bit 15 error (RX: packet longer than the buffer, truncated)
//   +12 u32 reserved
//
// The card owns descriptors [HEAD, TAIL) of each ring (indices wrap at the
// ring size); HEAD == TAIL means it owns none. Received packets
// (receive(), from the scenario) are written into the buffer of the RX
// descriptor at RX_HEAD; with no descriptor posted they are dropped.
// Writing TX_TAIL makes the card read each descriptor and its buffer,
// "send" the bytes (transmitted, for the scenario) and mark it done. Each
// packet takes 1 µs plus 8 ns a byte (1 Gbit/s) of virtual time.

import type { DeviceConfig } from "../device";
import type { IoWidth } from "../../mm/iomem";
import { DeviceModel, readU16, readU64, u32, writeU16, kernelOf } from "./model";

export const NIC_VENDOR = 0x1234, NIC_DEVICE = 0x4e10, NIC_ID = 0x4e494301;
export const NIC_CTRL_RX_EN = 0x1, NIC_CTRL_TX_EN = 0x2, NIC_CTRL_RESET = 0x80000000;
export const NIC_INT_RX = 0x1, NIC_INT_TX = 0x2, NIC_INT_RX_DROP = 0x4;
export const NIC_DESC_SIZE = 16, NIC_DESC_DD = 0x1, NIC_DESC_EOP = 0x2, NIC_DESC_ERR = 0x8000;
export const NIC_REG = {
  ID: 0x00, CTRL: 0x04, INT_STATUS: 0x08, INT_MASK: 0x0c, INT_ACK: 0x10,
  TX_RING_LO: 0x20, TX_RING_HI: 0x24, TX_RING_SIZE: 0x28, TX_HEAD: 0x2c, TX_TAIL: 0x30,
  RX_RING_LO: 0x40, RX_RING_HI: 0x44, RX_RING_SIZE: 0x48, RX_HEAD: 0x4c, RX_TAIL: 0x50,
  RX_PACKETS: 0x60, TX_PACKETS: 0x64, RX_DROPPED: 0x68,
} as const;

const PACKET_NS = 1000, NS_PER_BYTE = 8;

interface Ring { lo: number; hi: number; size: number; head: number; tail: number }

export class NicModel extends DeviceModel {
  readonly kind = "nic";
  override readonly classCode = 0x020000;
  private ctrl = 0;
  private intStatus = 0;
  private intMask = 0;
  private readonly tx: Ring = { lo: 0, hi: 0, size: 0, head: 0, tail: 0 };
  private readonly rx: Ring = { lo: 0, hi: 0, size: 0, head: 0, tail: 0 };
  rxPackets = 0;
  txPackets = 0;
  rxDropped = 0;
  /** What the card has sent, in order (the scenario's view of the wire). */
  readonly transmitted: Uint8Array[] = [];
  private txBusy = false;

  config(): DeviceConfig {
    return {
      name: "nic",
      vendor: NIC_VENDOR,
      device: NIC_DEVICE,
      bars: [{ size: 4096, handlers: { read: (off, w) => this.read(off, w), write: (off, w, v) => this.write(off, w, v) } }],
      irq: true,
      maxMaskBits: 64,
    };
  }

  override reset(): void {
    this.ctrl = this.intStatus = this.intMask = 0;
    Object.assign(this.tx, { lo: 0, hi: 0, size: 0, head: 0, tail: 0 });
    Object.assign(this.rx, { lo: 0, hi: 0, size: 0, head: 0, tail: 0 });
    this.setLine(false);
  }

  private read(off: number, width: IoWidth): number | undefined {
    if (width !== 4) return 0xffffffff;
    const R = NIC_REG;
    switch (off) {
      case R.ID: return NIC_ID;
      case R.CTRL: return this.ctrl;
      case R.INT_STATUS: return this.intStatus;
      case R.INT_MASK: return this.intMask;
      case R.TX_RING_LO: return this.tx.lo;
      case R.TX_RING_HI: return this.tx.hi;
      case R.TX_RING_SIZE: return this.tx.size;
      case R.TX_HEAD: return this.tx.head;
      case R.TX_TAIL: return this.tx.tail;
      case R.RX_RING_LO: return this.rx.lo;
      case R.RX_RING_HI: return this.rx.hi;
      case R.RX_RING_SIZE: return this.rx.size;
      case R.RX_HEAD: return this.rx.head;
      case R.RX_TAIL: return this.rx.tail;
      case R.RX_PACKETS: return this.rxPackets;
      case R.TX_PACKETS: return this.txPackets;
      case R.RX_DROPPED: return this.rxDropped;
      default: return 0;
    }
  }

  private write(off: number, width: IoWidth, value: number | bigint): boolean {
    if (width !== 4) return true;
    const v = u32(value), R = NIC_REG;
    switch (off) {
      case R.CTRL:
        if (v & NIC_CTRL_RESET) { this.reset(); break; }
        this.ctrl = v;
        if (v & NIC_CTRL_TX_EN) this.kickTx();
        break;
      case R.INT_MASK: this.intMask = v; this.update(); break;
      case R.INT_ACK: this.intStatus &= ~v; this.update(); break;
      case R.TX_RING_LO: this.tx.lo = v; break;
      case R.TX_RING_HI: this.tx.hi = v; break;
      case R.TX_RING_SIZE: this.tx.size = v; this.tx.head = this.tx.tail = 0; break;
      case R.TX_TAIL: this.tx.tail = this.tx.size ? v % this.tx.size : 0; this.kickTx(); break;
      case R.RX_RING_LO: this.rx.lo = v; break;
      case R.RX_RING_HI: this.rx.hi = v; break;
      case R.RX_RING_SIZE: this.rx.size = v; this.rx.head = this.rx.tail = 0; break;
      case R.RX_TAIL: this.rx.tail = this.rx.size ? v % this.rx.size : 0; break;
      default: break;
    }
    return true;
  }

  private descAddr(r: Ring, i: number): number { return r.lo + r.hi * 2 ** 32 + i * NIC_DESC_SIZE; }

  private signal(bits: number): void {
    this.intStatus |= bits;
    this.update();
  }

  private update(): void {
    this.setLine((this.intStatus & this.intMask) !== 0);
  }

  /**
   * A packet arrives from the wire: DMA'd into the next posted RX buffer and
   * announced with an interrupt (its handler runs when the kernel next
   * waits, e.g. at run_pending()). False when it was dropped.
   */
  receive(bytes: Uint8Array | string): boolean {
    const pkt = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const r = this.rx;
    if (!(this.ctrl & NIC_CTRL_RX_EN) || !r.size || r.head === r.tail || !this.dev.enabled) {
      this.rxDropped++;
      if (this.ctrl & NIC_CTRL_RX_EN) this.signal(NIC_INT_RX_DROP);
      return false;
    }
    const d = this.dmaRead(this.descAddr(r, r.head), NIC_DESC_SIZE);
    if (!d) { this.rxDropped++; return false; }
    const buf = readU64(d, 0), room = readU16(d, 8);
    const n = Math.min(room, pkt.length);
    if (!this.dmaWrite(buf, pkt.subarray(0, n))) { this.rxDropped++; return false; }
    const done = new Uint8Array(4);
    writeU16(done, 0, n);
    writeU16(done, 2, NIC_DESC_DD | NIC_DESC_EOP | (n < pkt.length ? NIC_DESC_ERR : 0));
    this.dmaWrite(this.descAddr(r, r.head) + 8, done);
    r.head = (r.head + 1) % r.size;
    this.rxPackets++;
    this.signal(NIC_INT_RX);
    return true;
  }

  /** Starts sending [TX_HEAD, TX_TAIL), one packet at a time in virtual time. */
  private kickTx(): void {
    if (this.txBusy || !(this.ctrl & NIC_CTRL_TX_EN) || !this.tx.size || this.tx.head === this.tx.tail) return;
    const d = this.dmaRead(this.descAddr(this.tx, this.tx.head), NIC_DESC_SIZE);
    if (!d) return;
    const buf = readU64(d, 0), len = readU16(d, 8);
    this.txBusy = true;
    kernelOf(this).sched.defer(PACKET_NS + NS_PER_BYTE * len, "nic tx", () => {
      this.txBusy = false;
      const t = this.tx;
      if (!t.size || t.head === t.tail) return; // reset meanwhile
      const data = this.dmaRead(buf, len);
      if (data) this.transmitted.push(data);
      const done = new Uint8Array(4);
      writeU16(done, 0, len);
      writeU16(done, 2, NIC_DESC_DD | NIC_DESC_EOP | (data ? 0 : NIC_DESC_ERR));
      this.dmaWrite(this.descAddr(t, t.head) + 8, done);
      t.head = (t.head + 1) % t.size;
      this.txPackets++;
      this.signal(NIC_INT_TX);
      this.kickTx();
    });
  }
}
