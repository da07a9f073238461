// What every simulated device has in common: its configuration (IDs, BARs
// with register handlers, an interrupt line, DMA limits), the struct device
// the bus made for it, and the two ways it reaches the CPU — DMA through its
// DeviceDma and raising its interrupt line.

import type { Kernel } from "../../kernel";
import type { DeviceConfig } from "../device";
import type { Device } from "../device";

const kernels = new WeakMap<DeviceModel, Kernel>();

/** One register of a device: where it sits in which BAR, its name as the device's documentation has it. */
export interface DeviceRegister { readonly bar: number; readonly offset: number; readonly name: string; readonly value: number }

/**
 * The kernel a model belongs to. A function, not a property: scenarios hold
 * models (device("edu")), and nothing they hold may lead to the kernel.
 */
export function kernelOf(m: DeviceModel): Kernel {
  return kernels.get(m)!;
}

export abstract class DeviceModel {
  /** The model's name: what BootOptions.devices and k.devices.add() take. */
  abstract readonly kind: string;
  /** The PCI class code (class, subclass, prog-if) lspci shows. */
  readonly classCode: number = 0x00ff00;
  /** Set by the bus when the device is added. */
  dev!: Device;
  private warnedNoMaster = false;

  constructor(k: Kernel) {
    kernels.set(this, k);
  }

  /** IDs, BARs and limits; the BAR handlers close over the model. */
  abstract config(): DeviceConfig;

  /** Called once the device is on the bus: BARs placed, IRQ line and DMA view set. */
  plugged(dev: Device): void {
    this.dev = dev;
  }

  /**
   * The registers as the device holds them, for debuggers: read without the side effects of an MMIO read
   * (no read-to-clear, no catching up on virtual time). Models without a description give none.
   */
  registers(): DeviceRegister[] { return []; }

  /** A function-level reset (the NIC's CTRL reset bit): subclasses clear their registers. */
  reset(): void {}

  /**
   * A DMA read (memory → device) as bus master. With bus mastering off
   * (no pci_set_master()) the transaction is never issued: null.
   */
  protected dmaRead(busAddr: number, len: number): Uint8Array | null {
    if (!this.mastering()) return null;
    return this.dev.dma.read(busAddr, len);
  }

  /** A DMA write (device → memory); false when bus mastering is off. */
  protected dmaWrite(busAddr: number, bytes: Uint8Array): boolean {
    if (!this.mastering()) return false;
    this.dev.dma.write(busAddr, bytes);
    return true;
  }

  private mastering(): boolean {
    if (this.dev.busMaster) return true;
    if (!this.warnedNoMaster) {
      this.warnedNoMaster = true;
      // Not a message real hardware gives (the transfer just never happens); the simulator says why.
      kernelOf(this).printk(`\x014${this.kind} ${this.dev.name}: DMA attempted with bus mastering disabled (pci_set_master() not called): the transfer did not happen\n`);
    }
    return false;
  }

  /** Asserts the device's interrupt line; the handlers run delayNs of virtual time from now. */
  protected raiseIrq(delayNs = 0): void {
    if (this.dev.irq) kernelOf(this).irqs.raise(this.dev.irq, delayNs);
  }

  private lineAsserted = false;

  /**
   * The level of the device's (level-triggered) line: handlers run when it
   * goes from low to high. A line left high — a handler that never
   * acknowledges — interrupts no more (a real machine would storm until
   * the kernel disabled the line; either way the device falls silent).
   */
  protected setLine(high: boolean): void {
    if (high && !this.lineAsserted) this.raiseIrq();
    this.lineAsserted = high;
  }
}

/** The low 32 bits of a register write, as an unsigned number. */
export function u32(v: number | bigint): number {
  return typeof v === "bigint" ? Number(BigInt.asUintN(32, v)) : v >>> 0;
}

/** A register write as a 64-bit-safe number (bus addresses fit in 53 bits). */
export function u64(v: number | bigint): number {
  return typeof v === "bigint" ? Number(BigInt.asUintN(64, v)) : Math.trunc(v) >= 0 ? Math.trunc(v) : Math.trunc(v) >>> 0;
}

export function readU16(b: Uint8Array, off: number): number { return b[off] | (b[off + 1] << 8); }
export function readU32(b: Uint8Array, off: number): number { return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0; }
export function readU64(b: Uint8Array, off: number): number { return readU32(b, off) + readU32(b, off + 4) * 2 ** 32; }
export function writeU16(b: Uint8Array, off: number, v: number): void { b[off] = v; b[off + 1] = v >>> 8; }
export function writeU32(b: Uint8Array, off: number, v: number): void { b[off] = v; b[off + 1] = v >>> 8; b[off + 2] = v >>> 16; b[off + 3] = v >>> 24; }
