// <linux/ioport.h>: struct resource, the [start, end] ranges of /proc/iomem
// and of a PCI device's BARs (pci_resource_start() and friends are in
// linux/pci).

/** Resource flag: an I/O port range. */
export const IORESOURCE_IO = 0x00000100, /** Resource flag: a memory BAR (map it with pci_iomap() or ioremap()). */ IORESOURCE_MEM = 0x00000200, /** Resource flag: an interrupt. */ IORESOURCE_IRQ = 0x00000400, /** Resource flag: an ISA DMA channel. */ IORESOURCE_DMA = 0x00000800;
/** Resource flag: prefetchable memory (write-combining is allowed). */
export const IORESOURCE_PREFETCH = 0x00002000, /** Resource flag: the range is claimed by a driver. */ IORESOURCE_BUSY = 0x80000000;

/** struct resource: an inclusive range [start, end]. */
export interface resource {
  /** res->start: the first address of the range. */
  start: number;
  /** res->end: the last address of the range (inclusive); resource_size() is end - start + 1. */
  end: number;
  /** res->name: the owner shown in /proc/iomem or /proc/ioports. */
  name?: string;
  /** res->flags: IORESOURCE_MEM, IORESOURCE_IO and the like. */
  flags?: number;
}

/** DEFINE_RES_MEM(start, size). */
export function DEFINE_RES_MEM(start: number, size: number): resource {
  return { start, end: start + size - 1, flags: IORESOURCE_MEM };
}

/** resource_size_t resource_size(const struct resource *res): end - start + 1. */
export function resource_size(res: resource): number {
  if (!res || typeof res.start !== "number" || typeof res.end !== "number") throw new TypeError("resource_size(): argument 1 must be a struct resource ({ start, end })");
  return res.end - res.start + 1;
}

/** unsigned long resource_type(const struct resource *res): the IORESOURCE_TYPE_BITS of its flags. */
export function resource_type(res: resource): number {
  return (res.flags ?? 0) & 0x00001f00;
}
