// The contract between the DMA API (dma/), the device models (dev/) and the
// kernel: what a struct device carries for DMA, and how a device model
// reaches memory by bus address. Everything a device does to memory goes
// through DeviceDma, so the IOMMU, swiotlb, the CPU cache model and the
// checker all see it.

/** enum dma_data_direction. */
export const DMA_BIDIRECTIONAL = 0;
/** DMA_TO_DEVICE (1): enum dma_data_direction: data goes from memory to the device; the device only reads the buffer. */
export const DMA_TO_DEVICE = 1;
/** DMA_FROM_DEVICE (2): enum dma_data_direction: the device writes memory; the CPU reads it only after unmap or dma_sync_*_for_cpu (DMA001). */
export const DMA_FROM_DEVICE = 2;
/** DMA_NONE (3): enum dma_data_direction: a debugging value; mapping with it is a bug. */
export const DMA_NONE = 3;
export type DmaDirection = 0 | 1 | 2 | 3;
export const DIRECTION_NAMES = ["DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE"] as const;

/** dma_addr_t; DMA_MAPPING_ERROR is (~(dma_addr_t)0), kept here as -1. */
export type dma_addr_t = number;
/** DMA_MAPPING_ERROR ((dma_addr_t)~0): the handle a failed map returns; test with dma_mapping_error(), not by comparison (DMA002). */
export const DMA_MAPPING_ERROR = -1;

/** How a device's bus addresses relate to physical ones. */
export type DmaRouteKind = "direct" | "iommu";

/** struct device_dma_parameters. */
export interface DmaParms {
  max_segment_size: number;
  segment_boundary_mask: bigint;
}

/** What a device model uses to touch memory: by bus address, as the device sees it. */
export interface DeviceDma {
  /** The device reads len bytes at a bus address (a DMA read: memory → device). */
  read(busAddr: number, len: number): Uint8Array;
  /** The device writes bytes at a bus address (a DMA write: device → memory). */
  write(busAddr: number, bytes: Uint8Array): void;
}
