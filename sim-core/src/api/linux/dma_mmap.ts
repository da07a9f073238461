// dma_mmap_coherent() (<linux/dma-mapping.h>): maps a dma_alloc_coherent()
// buffer into a user VMA, as dma_direct_mmap() does: the frames behind the
// CPU address, from vm_pgoff, uncached for a device that does not snoop the
// CPU's caches. The buffer must outlive every mapping of it (MM008).

import { Device } from "../../dev/device";
import { VmArea, pgprot_noncached } from "../../mm/vma";
import { PAGE_SIZE } from "../../util/addr";
import { currentKernel, here, intArg } from "../current";

const ENXIO = 6;

/**
 * ```c
 * int dma_mmap_coherent(struct device *dev, struct vm_area_struct *vma, void *cpu_addr, dma_addr_t dma_addr, size_t size)
 * ```
 * Maps the coherent buffer (cpu_addr, dma_addr, size from
 * dma_alloc_coherent()) into the VMA, starting vm_pgoff pages in. -ENXIO
 * when the VMA asks for more than the buffer has from that offset.
 *
 * Rules: MM002 (mmap request not bounds-checked); MM008 (backing memory freed under a live mapping).
 */
export function dma_mmap_coherent(dev: Device, vma: VmArea, cpu_addr: number, dma_addr: number, size: number): number {
  const k = currentKernel();
  if (!(dev instanceof Device)) throw new TypeError(`dma_mmap_coherent(): argument 1 must be a struct device (e.g. &pdev->dev), got ${dev === null ? "NULL" : typeof dev}`);
  if (!(vma instanceof VmArea)) throw new TypeError(`dma_mmap_coherent(): argument 2 must be the struct vm_area_struct your mmap() received, got ${vma === null ? "NULL" : typeof vma}`);
  const cpu = intArg("dma_mmap_coherent", 3, cpu_addr);
  intArg("dma_mmap_coherent", 4, dma_addr);
  const count = Math.ceil(intArg("dma_mmap_coherent", 5, size) / PAGE_SIZE);
  const userCount = vma.size / PAGE_SIZE;
  // dma_pgprot(): a device that does not snoop gets an uncached user mapping.
  if (!dev.coherent) vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot);
  if (vma.vm_pgoff >= count || userCount > count - vma.vm_pgoff) return -ENXIO;
  const pfn = Math.floor(k.virtToPhys(cpu, "dma_mmap_coherent", here(k)) / PAGE_SIZE);
  return k.mm.remapPfnRange(vma, vma.vm_start, pfn + vma.vm_pgoff, userCount * PAGE_SIZE, vma.vm_page_prot, "dma_mmap_coherent");
}

/** dma_mmap_attrs(): dma_mmap_coherent() with DMA attributes (none change the mapping here). */
export function dma_mmap_attrs(dev: Device, vma: VmArea, cpu_addr: number, dma_addr: number, size: number, _attrs: number): number {
  return dma_mmap_coherent(dev, vma, cpu_addr, dma_addr, size);
}
