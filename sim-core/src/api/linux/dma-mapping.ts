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

/** DMA_BIT_MASK(n): the low n bits set, as a u64 (bigint). */
export function DMA_BIT_MASK(n: number): bigint {
  return dmaBitMask(intArg("DMA_BIT_MASK", 1, n));
}

/** dma_set_mask(): 0, or -EIO when the mask is narrower than 24 bits or wider than the device can drive. */
export function dma_set_mask(dev: Device, mask: bigint): number {
  return currentKernel().dma.setMask(devArg("dma_set_mask", dev), maskArg("dma_set_mask", mask), false, true);
}

export function dma_set_coherent_mask(dev: Device, mask: bigint): number {
  return currentKernel().dma.setMask(devArg("dma_set_coherent_mask", dev), maskArg("dma_set_coherent_mask", mask), true, false);
}

export function dma_set_mask_and_coherent(dev: Device, mask: bigint): number {
  return currentKernel().dma.setMask(devArg("dma_set_mask_and_coherent", dev), maskArg("dma_set_mask_and_coherent", mask), true, true);
}

/** dma_get_mask(): the streaming mask, or DMA_BIT_MASK(32) when none was set (as Linux). */
export function dma_get_mask(dev: Device): bigint {
  return devArg("dma_get_mask", dev).dma_mask ?? dmaBitMask(32);
}

export function dma_set_max_seg_size(dev: Device, size: number): number {
  devArg("dma_set_max_seg_size", dev).dma_parms.max_segment_size = intArg("dma_set_max_seg_size", 2, size);
  return 0;
}

export function dma_get_max_seg_size(dev: Device): number {
  return devArg("dma_get_max_seg_size", dev).dma_parms.max_segment_size;
}

export function dma_set_seg_boundary(dev: Device, mask: bigint | number): number {
  devArg("dma_set_seg_boundary", dev).dma_parms.segment_boundary_mask = maskArg("dma_set_seg_boundary", mask);
  return 0;
}

export function dma_get_seg_boundary(dev: Device): bigint {
  return devArg("dma_get_seg_boundary", dev).dma_parms.segment_boundary_mask;
}

// ---------------------------------------------------------------- coherent

/** dma_alloc_coherent(): zeroed, contiguous, within the coherent mask; the CPU address (0 for NULL), the bus address through dma_handle. */
export function dma_alloc_coherent(dev: Device, size: number, dma_handle: Ref<number>, gfp: number): number {
  const k = currentKernel(), stack = here(k);
  const g = intArg("dma_alloc_coherent", 4, gfp);
  mightSleepIf(k, "dma_alloc_coherent", g, stack);
  return k.dma.allocCoherent(devArg("dma_alloc_coherent", dev), intArg("dma_alloc_coherent", 2, size), dma_handle, g, stack);
}

export function dma_free_coherent(dev: Device, size: number, cpu_addr: number, dma_handle: number): void {
  currentKernel().dma.freeCoherent(devArg("dma_free_coherent", dev), intArg("dma_free_coherent", 2, size), intArg("dma_free_coherent", 3, cpu_addr), intArg("dma_free_coherent", 4, dma_handle));
}

// ---------------------------------------------------------------- streaming

/** dma_map_single(): a kernel logical address (kmalloc, __get_free_pages) for the device; DMA_MAPPING_ERROR on failure. */
export function dma_map_single(dev: Device, ptr: number, size: number, dir: DmaDirection): number {
  const k = currentKernel(), d = devArg("dma_map_single", dev);
  const a = intArg("dma_map_single", 2, ptr), n = intArg("dma_map_single", 3, size);
  if (k.dma.badArea(d, a, n)) return DMA_MAPPING_ERROR;
  k.dma.checkDirection(dir, "dma_map_single");
  return k.dma.mapPhys(d, "single", k.dma.linearPhys(a), a, n, dir, "dma_map_single");
}

export function dma_unmap_single(dev: Device, addr: number, size: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_unmap_single");
  k.dma.unmapSingle(devArg("dma_unmap_single", dev), "single", intArg("dma_unmap_single", 2, addr), intArg("dma_unmap_single", 3, size), dir);
}

/** dma_map_page(): any page, high memory included. */
export function dma_map_page(dev: Device, page: Page, offset: number, size: number, dir: DmaDirection): number {
  const k = currentKernel(), d = devArg("dma_map_page", dev);
  const p = pageArg("dma_map_page", 2, page);
  k.dma.checkDirection(dir, "dma_map_page");
  return k.dma.mapPhys(d, "page", p.pfn * PAGE_SIZE + intArg("dma_map_page", 3, offset), 0, intArg("dma_map_page", 4, size), dir, "dma_map_page");
}

export function dma_unmap_page(dev: Device, addr: number, size: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_unmap_page");
  k.dma.unmapSingle(devArg("dma_unmap_page", dev), "page", intArg("dma_unmap_page", 2, addr), intArg("dma_unmap_page", 3, size), dir);
}

/** dma_mapping_error(): -ENOMEM for a failed map, 0 otherwise (and the handle counts as checked). */
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

/** The CPU takes the buffer back (and, for FROM_DEVICE/BIDIRECTIONAL, sees what the device wrote). */
export const dma_sync_single_for_cpu = sync("dma_sync_single_for_cpu", true);
/** The buffer goes back to the device (and, for TO_DEVICE/BIDIRECTIONAL, the CPU's writes reach it). */
export const dma_sync_single_for_device = sync("dma_sync_single_for_device", false);

export function dma_sync_single_range_for_cpu(dev: Device, addr: number, offset: number, size: number, dir: DmaDirection): void {
  dma_sync_single_for_cpu(dev, intArg("dma_sync_single_range_for_cpu", 2, addr) + intArg("dma_sync_single_range_for_cpu", 3, offset), size, dir);
}

export function dma_sync_single_range_for_device(dev: Device, addr: number, offset: number, size: number, dir: DmaDirection): void {
  dma_sync_single_for_device(dev, intArg("dma_sync_single_range_for_device", 2, addr) + intArg("dma_sync_single_range_for_device", 3, offset), size, dir);
}

// ---------------------------------------------------------------- scatterlists

/** dma_map_sg(): the number of DMA segments (fewer than nents when an IOMMU merged them), 0 on failure. */
export function dma_map_sg(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): number {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_map_sg");
  return k.dma.mapSg(devArg("dma_map_sg", dev), sg, intArg("dma_map_sg", 3, nents), dir, "dma_map_sg");
}

/** dma_unmap_sg(): nents is the count passed to dma_map_sg(), not the one it returned. */
export function dma_unmap_sg(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_unmap_sg");
  k.dma.unmapSg(devArg("dma_unmap_sg", dev), sg, intArg("dma_unmap_sg", 3, nents), dir);
}

export function dma_sync_sg_for_cpu(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_sync_sg_for_cpu");
  k.dma.syncSg(devArg("dma_sync_sg_for_cpu", dev), sg, intArg("dma_sync_sg_for_cpu", 3, nents), dir, true, "dma_sync_sg_for_cpu");
}

export function dma_sync_sg_for_device(dev: Device, sg: Scatterlist | Scatterlist[], nents: number, dir: DmaDirection): void {
  const k = currentKernel();
  k.dma.checkDirection(dir, "dma_sync_sg_for_device");
  k.dma.syncSg(devArg("dma_sync_sg_for_device", dev), sg, intArg("dma_sync_sg_for_device", 3, nents), dir, false, "dma_sync_sg_for_device");
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

/** virt_to_bus(): the physical address, as on a machine without an IOMMU (PG008). */
export function virt_to_bus(addr: number): number {
  const k = currentKernel();
  pg008(k, "virt_to_bus");
  return k.virtToPhys(intArg("virt_to_bus", 1, addr), "virt_to_bus", undefined);
}

/** bus_to_virt() (PG008). */
export function bus_to_virt(bus: number): number {
  const k = currentKernel();
  pg008(k, "bus_to_virt");
  return k.physToVirt(intArg("bus_to_virt", 1, bus), "bus_to_virt", undefined);
}
