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
  /** *dev->dma_mask: the streaming DMA mask, set with dma_set_mask() (DMA018); pci_setup_device() presets 32 bits. */
  dma_mask: bigint | null = 0xffffffffn;
  /** dev->coherent_dma_mask: the mask for dma_alloc_coherent(), set with dma_set_coherent_mask() (DMA018). */
  coherent_dma_mask: bigint = 0xffffffffn;
  /** A dma_set_mask*() call has succeeded for the streaming or coherent mask. */
  maskSetByDriver = false;
  /** dev->dma_parms: max_segment_size and segment_boundary_mask that dma_map_sg() honours. */
  readonly dma_parms: DmaParms;
  /** Whether DMA is cache-coherent on this device (dev_is_dma_coherent()); if not, missing syncs corrupt data. */
  readonly coherent: boolean;
  /** How the device reaches memory: direct, through swiotlb bounce buffers or an IOMMU. */
  readonly route: DmaRouteKind;
  /** The widest DMA mask the hardware can drive; dma_set_mask() with a wider one still succeeds but addresses above it fail. */
  readonly maxMaskBits: number;
  /** The PCI BARs (pci_resource_start()/pci_resource_len()). */
  readonly bars: IoRegion[] = [];
  /** pdev->irq: the legacy interrupt line for request_irq(). */
  irq = 0;
  /** dev_get_drvdata()/pci_get_drvdata(): the driver's private pointer, set with dev_set_drvdata()/pci_set_drvdata(). */
  driver_data: unknown = null;
  /** The bound driver (dev->driver): its name starts dev_printk() lines. */
  driver: { readonly name: string } | null = null;
  /** Bound to a driver's probe; the module that did it. */
  boundModule: unknown = null;
  /** pci_enable_device() has succeeded (pdev->enable_cnt > 0). */
  enabled = false;
  /** pci_set_master() has been called: the device may initiate DMA. */
  busMaster = false;
  /** The device's view of memory, set up by the DMA layer. */
  dma!: DeviceDma;

  constructor(
    /** The simulated hardware's description (ids, BARs, DMA limits); no C counterpart. */
    readonly config: DeviceConfig,
    /** The bus address, "0000:00:04.0" for PCI (dev_name()). */
    readonly busName: string) {
    this.coherent = config.coherent ?? true;
    this.route = config.route ?? "direct";
    this.maxMaskBits = config.maxMaskBits ?? 64;
    this.dma_parms = { max_segment_size: config.maxSegmentSize ?? 65536, segment_boundary_mask: config.segmentBoundary ?? 0xffffffffn };
  }

  /** pdev->vendor: the PCI vendor id. */
  get vendor(): number { return this.config.vendor; }
  /** pdev->device: the PCI device id. */
  get device(): number { return this.config.device; }
  /** dev_name(): the PCI address, "0000:00:04.0". */
  get name(): string { return this.busName; }
  /** A printable form, the device's name and bus address. */
  toString(): string { return `${this.config.name} ${this.busName}`; }
}
