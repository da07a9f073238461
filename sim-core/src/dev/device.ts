// struct device on a simulated PCI-like bus: BARs (MMIO regions), an IRQ
// line, and the DMA properties the DMA API consults (masks, segment limits,
// whether the device is cache-coherent, whether an IOMMU sits in front of it).

import type { IoRegion, MmioHandlers } from "../mm/iomem";
import type { DeviceDma, DmaParms, DmaRouteKind } from "../dma/types";

export interface DeviceConfig {
  readonly name: string;
  readonly vendor: number;
  readonly device: number;
  /** BAR sizes in bytes, with their register handlers. */
  readonly bars?: ReadonlyArray<{ size: number; handlers?: MmioHandlers }>;
  readonly irq?: boolean;
  /** Snoops the CPU caches (most PCI devices on x86) or not (many ARM SoC devices). */
  readonly coherent?: boolean;
  /** Bus addresses go through an IOMMU (IOVAs) instead of being physical addresses. */
  readonly route?: DmaRouteKind;
  /** What the hardware can address: dma_set_mask() above this fails with -EIO. */
  readonly maxMaskBits?: number;
  readonly maxSegmentSize?: number;
  readonly segmentBoundary?: bigint;
}

/** struct device (with what struct pci_dev adds). */
export class Device {
  // pci_setup_device() presets both masks to 32 bits; a driver for narrower
  // hardware must say so with dma_set_mask*(), or the card is given addresses
  // it cannot drive.
  dma_mask: bigint | null = 0xffffffffn;
  coherent_dma_mask: bigint = 0xffffffffn;
  /** A dma_set_mask*() call has succeeded for the streaming or coherent mask. */
  maskSetByDriver = false;
  readonly dma_parms: DmaParms;
  readonly coherent: boolean;
  readonly route: DmaRouteKind;
  readonly maxMaskBits: number;
  readonly bars: IoRegion[] = [];
  irq = 0;
  driver_data: unknown = null;
  /** The bound driver (dev->driver): its name starts dev_printk() lines. */
  driver: { readonly name: string } | null = null;
  /** Bound to a driver's probe; the module that did it. */
  boundModule: unknown = null;
  enabled = false;
  busMaster = false;
  /** The device's view of memory, set up by the DMA layer. */
  dma!: DeviceDma;

  constructor(readonly config: DeviceConfig, readonly busName: string) {
    this.coherent = config.coherent ?? true;
    this.route = config.route ?? "direct";
    this.maxMaskBits = config.maxMaskBits ?? 64;
    this.dma_parms = { max_segment_size: config.maxSegmentSize ?? 65536, segment_boundary_mask: config.segmentBoundary ?? 0xffffffffn };
  }

  get vendor(): number { return this.config.vendor; }
  get device(): number { return this.config.device; }
  /** dev_name(): the PCI address, "0000:00:04.0". */
  get name(): string { return this.busName; }
  toString(): string { return `${this.config.name} ${this.busName}`; }
}
