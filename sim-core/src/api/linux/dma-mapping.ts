// <linux/dma-mapping.h>: DMA masks, coherent allocations, streaming
// mappings of single buffers, pages and scatterlists, and their syncs.
// Bus addresses (dma_addr_t) are numbers; masks are bigint, as u64 is.

import { Device } from "../../dev/device";
import { dmaBitMask } from "../../dma/dma";
import type { Scatterlist } from "../../dma/scatterlist";
import { DMA_MAPPING_ERROR, type DmaDirection } from "../../dma/types";
import type { Page } from "../../mm/memmap";
import { PAGE_SIZE } from "../../util/addr";
import type { Ref } from "../../util/ref";
import { sg_table } from "./sg_table";

const EIO = 5, EINVAL = 22;
import { currentKernel, here, intArg, mightSleepIf, pageArg } from "../current";

export { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_NONE, DMA_MAPPING_ERROR, type dma_addr_t } from "../../dma/types";
export { ref, type Ref } from "../../util/ref";
export type device = Device;
export type dma_data_direction = DmaDirection;

function devArg(fn: string, dev: unknown): Device {
  if (dev instanceof Device) return dev;
  throw new TypeError(`${fn}(): argument 1 must be a struct device (e.g. &pdev->dev), got ${dev === null ? "NULL" : typeof dev}`);
}

function maskArg(fn: string, mask: unknown): bigint {
  if (typeof mask === "bigint") return BigInt.asUintN(64, mask);
  if (typeof mask === "number" && Number.isInteger(mask) && mask >= 0) return BigInt(mask);
  throw new TypeError(`${fn}(): the mask must be a u64 (use DMA_BIT_MASK(n)), got ${typeof mask}`);
}

/**
 * ```c
 * #define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))
 * ```
 * DMA_BIT_MASK(n): the low n bits set, as a u64 (bigint).
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export function DMA_BIT_MASK(n: number): bigint {
  return dmaBitMask(intArg("DMA_BIT_MASK", 1, n));
}

/**
 * ```c
 * int dma_set_mask(struct device *dev, u64 mask)
 * ```
 * dma_set_mask(): 0, or -EIO when the mask is narrower than 24 bits or wider than the device can drive.
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export function dma_set_mask(dev: Device, mask: bigint): number {
  return currentKernel().dma.setMask(devArg("dma_set_mask", dev), maskArg("dma_set_mask", mask), false, true);
}

/**
 * ```c
 * int dma_set_coherent_mask(struct device *dev, u64 mask)
 * ```
 * Sets the mask dma_alloc_coherent() allocates within: 0, or -EIO when the platform cannot honour it. Check the result.
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export function dma_set_coherent_mask(dev: Device, mask: bigint): number {
  return currentKernel().dma.setMask(devArg("dma_set_coherent_mask", dev), maskArg("dma_set_coherent_mask", mask), true, false);
}

/**
 * ```c
 * int dma_set_mask_and_coherent(struct device *dev, u64 mask)
 * ```
 * Sets the streaming and the coherent mask at once: 0, or -EIO. Call it in probe before the first mapping and check the result (fall back to a narrower mask or fail the probe).
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export function dma_set_mask_and_coherent(dev: Device, mask: bigint): number {
  return currentKernel().dma.setMask(devArg("dma_set_mask_and_coherent", dev), maskArg("dma_set_mask_and_coherent", mask), true, true);
}

/**
 * ```c
 * u64 dma_get_mask(struct device *dev)
 * ```
 * dma_get_mask(): the streaming mask, or DMA_BIT_MASK(32) when none was set (as Linux).
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export function dma_get_mask(dev: Device): bigint {
  return devArg("dma_get_mask", dev).dma_mask ?? dmaBitMask(32);
}

/**
 * ```c
 * int dma_set_max_seg_size(struct device *dev, unsigned int size)
 * ```
 * The longest scatterlist segment the device can take; dma_map_sg() must not produce longer ones.
 *
 * Rules: DMA016 (sg segment exceeds device limits).
 */
export function dma_set_max_seg_size(dev: Device, size: number): number {
  devArg("dma_set_max_seg_size", dev).dma_parms.max_segment_size = intArg("dma_set_max_seg_size", 2, size);
  return 0;
}

/**
 * ```c
 * unsigned int dma_get_max_seg_size(struct device *dev)
 * ```
 * The device's maximum segment size (64 KiB unless set).
 *
 * Rules: DMA016 (sg segment exceeds device limits).
 */
export function dma_get_max_seg_size(dev: Device): number {
  return devArg("dma_get_max_seg_size", dev).dma_parms.max_segment_size;
}

/**
 * ```c
 * int dma_set_seg_boundary(struct device *dev, unsigned long mask)
 * ```
 * The boundary no segment may cross (a mask: 0xffffffff means no segment crosses a 4 GiB line).
 *
 * Rules: DMA016 (sg segment exceeds device limits).
 */
export function dma_set_seg_boundary(dev: Device, mask: bigint | number): number {
  devArg("dma_set_seg_boundary", dev).dma_parms.segment_boundary_mask = maskArg("dma_set_seg_boundary", mask);
  return 0;
}

/**
 * ```c
 * unsigned long dma_get_seg_boundary(struct device *dev)
 * ```
 * The device's segment boundary mask.
 *
 * Rules: DMA016 (sg segment exceeds device limits).
 */
export function dma_get_seg_boundary(dev: Device): bigint {
  return devArg("dma_get_seg_boundary", dev).dma_parms.segment_boundary_mask;
}

// ---------------------------------------------------------------- coherent

/**
 * ```c
 * void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)
 * ```
 * dma_alloc_coherent(): zeroed, contiguous, within the coherent mask; the CPU address (0 for NULL), the bus address through dma_handle.
 *
 * Rules: MEM007 (allocation not checked for NULL); DMA018 (DMA mask missing or not honoured); DMA020 (DMA still live at driver unload); CTX001 (sleeping in atomic context).
 */
export function dma_alloc_coherent(dev: Device, size: number, dma_handle: Ref<number>, gfp: number): number {
  const k = currentKernel(), stack = k.stacks.record();
  const g = intArg("dma_alloc_coherent", 4, gfp);
  mightSleepIf(k, "dma_alloc_coherent", g, stack);
  return k.dma.allocCoherent(devArg("dma_alloc_coherent", dev), intArg("dma_alloc_coherent", 2, size), dma_handle, g, stack);
}

/**
 * ```c
 * void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle)
 * ```
 * Frees a buffer from dma_alloc_coherent(): size, cpu_addr and dma_handle must be exactly what the allocation was given and returned. Not in interrupt context or with interrupts off.
 *
 * Rules: DMA003 (unmap of an unmapped handle); DMA006 (unmap with the wrong function); DMA007 (coherent free with a different address or size); DMA023 (coherent free in interrupt context).
 */
export function dma_free_coherent(dev: Device, size: number, cpu_addr: number, dma_handle: number): void {
  currentKernel().dma.freeCoherent(devArg("dma_free_coherent", dev), intArg("dma_free_coherent", 2, size), intArg("dma_free_coherent", 3, cpu_addr), intArg("dma_free_coherent", 4, dma_handle));
}

// ---------------------------------------------------------------- streaming

/**
 * ```c
 * dma_addr_t dma_map_single(struct device *dev, void *ptr, size_t size, enum dma_data_direction dir)
 * ```
 * dma_map_single(): a kernel logical address (kmalloc, __get_free_pages) for the device; DMA_MAPPING_ERROR on failure.
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA002 (unchecked DMA mapping); DMA014 (mapping memory that can't be DMA'd); DMA017 (invalid DMA direction); DMA018 (DMA mask missing or not honoured); DMA020 (DMA still live at driver unload).
 */
export function dma_map_single(dev: Device, ptr: number, size: number, dir: DmaDirection): number {
  const k = currentKernel(), d = devArg("dma_map_single", dev);
  const a = intArg("dma_map_single", 2, ptr), n = intArg("dma_map_single", 3, size);
  if (k.dma.badArea(d, a, n)) return DMA_MAPPING_ERROR;
  k.dma.checkDirection(dir, "dma_map_single");
  return k.dma.mapPhys(d, "single", k.dma.linearPhys(a), a, n, dir, "dma_map_single");
}

/**
 * ```c
 * void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
 * ```
 * Ends a dma_map_single() mapping and hands the buffer back to the CPU: size and dir must match the map exactly. After it the CPU may touch the buffer again.
 *
 * Rules: DMA003 (unmap of an unmapped handle); DMA004 (unmap with a different size); DMA005 (unmap with a different direction); DMA006 (unmap with the wrong function); DMA017 (invalid DMA direction).
 */
export function dma_unmap_single(dev: Device, addr: number, size: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_unmap_single");
  k.dma.unmapSingle(devArg("dma_unmap_single", dev), "single", intArg("dma_unmap_single", 2, addr), intArg("dma_unmap_single", 3, size), dir);
}

/**
 * ```c
 * dma_addr_t dma_map_page(struct device *dev, struct page *page, size_t offset, size_t size, enum dma_data_direction dir)
 * ```
 * dma_map_page(): any page, high memory included.
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA002 (unchecked DMA mapping); DMA017 (invalid DMA direction); DMA018 (DMA mask missing or not honoured); DMA020 (DMA still live at driver unload).
 */
export function dma_map_page(dev: Device, page: Page, offset: number, size: number, dir: DmaDirection): number {
  const k = currentKernel(), d = devArg("dma_map_page", dev);
  const p = pageArg("dma_map_page", 2, page);
  k.dma.checkDirection(dir, "dma_map_page");
  return k.dma.mapPhys(d, "page", p.pfn * PAGE_SIZE + intArg("dma_map_page", 3, offset), 0, intArg("dma_map_page", 4, size), dir, "dma_map_page");
}

/**
 * ```c
 * void dma_unmap_page(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
 * ```
 * Ends a dma_map_page() mapping; size and dir must match the map.
 *
 * Rules: DMA003 (unmap of an unmapped handle); DMA004 (unmap with a different size); DMA005 (unmap with a different direction); DMA006 (unmap with the wrong function); DMA017 (invalid DMA direction).
 */
export function dma_unmap_page(dev: Device, addr: number, size: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_unmap_page");
  k.dma.unmapSingle(devArg("dma_unmap_page", dev), "page", intArg("dma_unmap_page", 2, addr), intArg("dma_unmap_page", 3, size), dir);
}

/**
 * ```c
 * int dma_mapping_error(struct device *dev, dma_addr_t dma_addr)
 * ```
 * dma_mapping_error(): -ENOMEM for a failed map, 0 otherwise (and the handle counts as checked).
 *
 * Rules: DMA002 (unchecked DMA mapping).
 */
export function dma_mapping_error(dev: Device, dma_addr: number): number {
  return currentKernel().dma.mappingError(devArg("dma_mapping_error", dev), intArg("dma_mapping_error", 2, dma_addr));
}

function sync(fn: string, forCpu: boolean) {
  return (dev: Device, addr: number, size: number, dir: DmaDirection): void => {
    const k = currentKernel();
    k.dma.checkDirection(dir, fn);
    k.dma.syncSingle(devArg(fn, dev), intArg(fn, 2, addr), intArg(fn, 3, size), dir, forCpu, fn);
  };
}

/**
 * ```c
 * void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
 * ```
 * The CPU takes the buffer back (and, for FROM_DEVICE/BIDIRECTIONAL, sees what the device wrote).
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA010 (sync outside the mapping); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction); DMA025 (stale data from a missing sync).
 */
export const dma_sync_single_for_cpu = sync("dma_sync_single_for_cpu", true);
/**
 * ```c
 * void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
 * ```
 * The buffer goes back to the device (and, for TO_DEVICE/BIDIRECTIONAL, the CPU's writes reach it).
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA010 (sync outside the mapping); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction); DMA025 (stale data from a missing sync).
 */
export const dma_sync_single_for_device = sync("dma_sync_single_for_device", false);

/**
 * ```c
 * void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr, unsigned long offset, size_t size, enum dma_data_direction dir)
 * ```
 * Hands bytes [offset, offset + size) of a streaming mapping back to the CPU; the rest stays the device's. The range must lie inside the mapping and dir must be the map's.
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA010 (sync outside the mapping); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction).
 */
export function dma_sync_single_range_for_cpu(dev: Device, addr: number, offset: number, size: number, dir: DmaDirection): void {
  syncRange("dma_sync_single_range_for_cpu", true, dev, addr, offset, size, dir);
}

/**
 * ```c
 * void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr, unsigned long offset, size_t size, enum dma_data_direction dir)
 * ```
 * Hands bytes [offset, offset + size) of a streaming mapping to the device again; the CPU must not touch them until the next sync for the CPU or the unmap.
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA010 (sync outside the mapping); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction).
 */
export function dma_sync_single_range_for_device(dev: Device, addr: number, offset: number, size: number, dir: DmaDirection): void {
  syncRange("dma_sync_single_range_for_device", false, dev, addr, offset, size, dir);
}

/** Linux's range syncs are dma_sync_single_for_*(addr + offset): dma-debug sees that call; the fix advice names the driver's. */
function syncRange(fn: string, forCpu: boolean, dev: Device, addr: number, offset: number, size: number, dir: DmaDirection): void {
  const k = currentKernel(), single = forCpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device";
  k.dma.checkDirection(dir, single);
  k.dma.syncSingle(devArg(fn, dev), intArg(fn, 2, addr) + intArg(fn, 3, offset), intArg(fn, 4, size), dir, forCpu, single, fn);
}

// ---------------------------------------------------------------- scatterlists

/**
 * ```c
 * int dma_map_sg(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir)
 * ```
 * dma_map_sg(): the number of DMA segments (fewer than nents when an IOMMU merged them), 0 on failure.
 */
export function dma_map_sg(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): number {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_map_sg");
  return k.dma.mapSg(devArg("dma_map_sg", dev), sg, intArg("dma_map_sg", 3, nents), dir, "dma_map_sg");
}

/**
 * ```c
 * void dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents, enum dma_data_direction dir)
 * ```
 * dma_unmap_sg(): nents is the count passed to dma_map_sg(), not the one it returned.
 */
export function dma_unmap_sg(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_unmap_sg");
  k.dma.unmapSg(devArg("dma_unmap_sg", dev), sg, intArg("dma_unmap_sg", 3, nents), dir);
}

/**
 * ```c
 * void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems, enum dma_data_direction dir)
 * ```
 * Hands every entry of a dma_map_sg() mapping back to the CPU. nelems is the nents passed to dma_map_sg(), not the count it returned.
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction); DMA013 (sg sync with the wrong entry count).
 */
export function dma_sync_sg_for_cpu(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_sync_sg_for_cpu");
  k.dma.syncSg(devArg("dma_sync_sg_for_cpu", dev), sg, intArg("dma_sync_sg_for_cpu", 3, nents), dir, true, "dma_sync_sg_for_cpu");
}

/**
 * ```c
 * void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems, enum dma_data_direction dir)
 * ```
 * Hands every entry of a dma_map_sg() mapping to the device again; nelems as for dma_sync_sg_for_cpu().
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction); DMA013 (sg sync with the wrong entry count).
 */
export function dma_sync_sg_for_device(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_sync_sg_for_device");
  k.dma.syncSg(devArg("dma_sync_sg_for_device", dev), sg, intArg("dma_sync_sg_for_device", 3, nents), dir, false, "dma_sync_sg_for_device");
}

// ---------------------------------------------------------------- sg tables

/**
 * ```c
 * #define DMA_ATTR_SKIP_CPU_SYNC (1UL << 5)
 * ```
 * Map or unmap without the cache maintenance: the driver syncs itself
 * (videobuf2 maps at allocation and syncs in prepare/finish).
 */
export const DMA_ATTR_SKIP_CPU_SYNC = 1 << 5;

function sgtArg(fn: string, sgt: unknown): sg_table {
  if (sgt instanceof sg_table) return sgt;
  throw new TypeError(`${fn}(): argument 2 must be a struct sg_table (new sg_table()), got ${sgt === null ? "NULL" : typeof sgt}`);
}

function skipSync(fn: string, attrs: number | undefined): boolean {
  return ((attrs === undefined ? 0 : intArg(fn, 4, attrs)) & DMA_ATTR_SKIP_CPU_SYNC) !== 0;
}

/**
 * ```c
 * int dma_map_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir, unsigned long attrs)
 * ```
 * Maps the table's orig_nents entries and stores the DMA segment count in
 * sgt->nents. 0, or a negative errno (-EIO when a segment cannot be mapped);
 * unlike dma_map_sg() it never returns a count. Undo with dma_unmap_sgtable().
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA016 (sg segment exceeds device limits); DMA018 (DMA mask missing or not honoured).
 */
export function dma_map_sgtable(dev: Device, sgt: sg_table, dir: DmaDirection, attrs: number): number {
  const k = currentKernel(), fn = "dma_map_sgtable", t = sgtArg(fn, sgt);
  k.dma.checkDirection(dir, fn);
  if (!t.orig_nents) return -EINVAL;
  const n = k.dma.mapSg(devArg(fn, dev), t.sgl, t.orig_nents, dir, fn, skipSync(fn, attrs));
  if (n <= 0) return -EIO;
  t.nents = n;
  return 0;
}

/**
 * ```c
 * void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir, unsigned long attrs)
 * ```
 * Unmaps a dma_map_sgtable() mapping (all orig_nents entries); with
 * DMA_ATTR_SKIP_CPU_SYNC nothing is synced for the CPU on the way.
 *
 * Rules: DMA003 (unmap of a handle never mapped); DMA011 (unmap with a different direction).
 */
export function dma_unmap_sgtable(dev: Device, sgt: sg_table, dir: DmaDirection, attrs: number): void {
  const k = currentKernel(), fn = "dma_unmap_sgtable", t = sgtArg(fn, sgt);
  k.dma.checkDirection(dir, fn);
  k.dma.unmapSg(devArg(fn, dev), t.sgl, t.orig_nents, dir, skipSync(fn, attrs));
}

/**
 * ```c
 * static inline void dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir)
 * ```
 * dma_sync_sg_for_cpu() over the table's orig_nents entries.
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction).
 */
export function dma_sync_sgtable_for_cpu(dev: Device, sgt: sg_table, dir: DmaDirection): void {
  const k = currentKernel(), fn = "dma_sync_sgtable_for_cpu", t = sgtArg(fn, sgt);
  k.dma.checkDirection(dir, fn);
  k.dma.syncSg(devArg(fn, dev), t.sgl, t.orig_nents, dir, true, fn);
}

/**
 * ```c
 * static inline void dma_sync_sgtable_for_device(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir)
 * ```
 * dma_sync_sg_for_device() over the table's orig_nents entries.
 *
 * Rules: DMA001 (CPU access to a device-owned buffer); DMA009 (sync of an unmapped handle); DMA011 (sync with a different direction); DMA012 (sync against the mapping's direction).
 */
export function dma_sync_sgtable_for_device(dev: Device, sgt: sg_table, dir: DmaDirection): void {
  const k = currentKernel(), fn = "dma_sync_sgtable_for_device", t = sgtArg(fn, sgt);
  k.dma.checkDirection(dir, fn);
  k.dma.syncSg(devArg(fn, dev), t.sgl, t.orig_nents, dir, false, fn);
}

// ---------------------------------------------------------------- the old interface

function pg008(k: ReturnType<typeof currentKernel>, fn: string): void {
  const stack = here(k);
  k.violation({
    rule: "PG008",
    params: { fn: `${fn}()` },
    report: [`${fn}() used: it bypasses the DMA API and breaks with IOMMUs and bounce buffers; use dma_map_single() or dma_alloc_coherent()`, "Call Trace:", ...k.stacks.formatStack(stack)],
    stack,
  });
}

/**
 * ```c
 * unsigned long virt_to_bus(volatile void *address)
 * ```
 * virt_to_bus(): the physical address, as on a machine without an IOMMU (PG008).
 *
 * Rules: PG008 (virt_to_bus/bus_to_virt used).
 */
export function virt_to_bus(addr: number): number {
  const k = currentKernel();
  pg008(k, "virt_to_bus");
  return k.virtToPhys(intArg("virt_to_bus", 1, addr), "virt_to_bus", undefined);
}

/**
 * ```c
 * void *bus_to_virt(unsigned long address)
 * ```
 * bus_to_virt() (PG008).
 *
 * Rules: PG008 (virt_to_bus/bus_to_virt used).
 */
export function bus_to_virt(bus: number): number {
  const k = currentKernel();
  pg008(k, "bus_to_virt");
  return k.physToVirt(intArg("bus_to_virt", 1, bus), "bus_to_virt", undefined);
}

// dma_mmap_coherent().
export * from "./dma_mmap";

export { dmam_alloc_coherent, dmam_free_coherent } from "./devres";
