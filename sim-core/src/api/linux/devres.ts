// Managed (devm_*, dmam_*) versions of allocations, mappings and IRQs
// (<linux/device.h>, <linux/io.h>, <linux/interrupt.h>,
// <linux/dma-mapping.h>): each is recorded against the device and released
// when the driver unbinds — after remove(), or at once when probe() fails —
// newest first. A managed resource is never a leak; freeing it by hand with
// the unmanaged call (kfree() of devm_kzalloc() memory) is a double free
// when unbind releases it again.

import { Device } from "../../dev/device";
import { devresAdd, devresRelease } from "../../dev/devres";
import type { Ref } from "../../util/ref";
import { currentKernel, here, intArg, mightSleepIf } from "../current";
import { __GFP_ZERO } from "../../mm/gfp";



function devArg(fn: string, dev: unknown): Device {
  if (dev instanceof Device) return dev;
  throw new TypeError(`${fn}(): argument 1 must be a struct device (e.g. &pdev->dev), got ${dev === null ? "NULL" : typeof dev}`);
}

/**
 * ```c
 * void *devm_kmalloc(struct device *dev, size_t size, gfp_t gfp)
 * ```
 * kmalloc() freed automatically when the driver unbinds. 0 (NULL) on failure.
 *
 * Rules: CTX001 (sleeping in atomic context); MEM003 (double or invalid free) if also kfree()d.
 */
export function devm_kmalloc(dev: Device, size: number, gfp: number): number {
  const k = currentKernel(), stack = here(k);
  const d = devArg("devm_kmalloc", dev);
  const g = intArg("devm_kmalloc", 3, gfp);
  mightSleepIf(k, "devm_kmalloc", g, stack);
  const p = k.slab.kmalloc(intArg("devm_kmalloc", 2, size), g, stack);
  if (p) devresAdd(d, { what: "devm_kmalloc", key: p, release: () => k.slab.kfree(p, undefined) });
  return p;
}

/** void *devm_kzalloc(struct device *dev, size_t size, gfp_t gfp): devm_kmalloc(), zeroed. */
export function devm_kzalloc(dev: Device, size: number, gfp: number): number {
  return devm_kmalloc(dev, size, intArg("devm_kzalloc", 3, gfp) | __GFP_ZERO);
}

/** void *devm_kcalloc(struct device *dev, size_t n, size_t size, gfp_t flags): zeroed, NULL when n * size overflows. */
export function devm_kcalloc(dev: Device, n: number, size: number, flags: number): number {
  const a = intArg("devm_kcalloc", 2, n), b = intArg("devm_kcalloc", 3, size);
  if (a < 0 || b < 0 || (b && a > Math.floor(Number.MAX_SAFE_INTEGER / b))) return 0;
  return devm_kmalloc(dev, a * b, intArg("devm_kcalloc", 4, flags) | __GFP_ZERO);
}

/**
 * ```c
 * void devm_kfree(struct device *dev, const void *p)
 * ```
 * Frees managed memory early. Memory that is not this device's managed
 * memory gets devres's WARN_ON (and is not freed).
 */
export function devm_kfree(dev: Device, p: number): void {
  const k = currentKernel();
  const d = devArg("devm_kfree", dev), addr = intArg("devm_kfree", 2, p);
  if (!addr) return;
  if (!devresRelease(d, "devm_kmalloc", addr)) k.warn(`WARNING: devm_kfree(${d.name}, ${k.px(addr)}): not managed memory of this device (WARN_ON(rc) in devm_kfree)`, here(k));
}

/**
 * ```c
 * int devm_add_action(struct device *dev, void (*action)(void *), void *data)
 * ```
 * Runs action(data) when the driver unbinds. 0.
 */
export function devm_add_action<T>(dev: Device, action: (data: T) => void, data: T): number {
  const d = devArg("devm_add_action", dev);
  if (typeof action !== "function") throw new TypeError("devm_add_action(): argument 2 must be a function");
  const k = currentKernel(), module = k.currentModule;
  devresAdd(d, { what: "devm_add_action", key: action, release: () => k.callDriver(module, "devm_action", () => action(data)) });
  return 0;
}

/** int devm_add_action_or_reset(struct device *dev, void (*action)(void *), void *data): as devm_add_action(); on failure action(data) runs at once. */
export function devm_add_action_or_reset<T>(dev: Device, action: (data: T) => void, data: T): number {
  const ret = devm_add_action(dev, action, data);
  if (ret) action(data);
  return ret;
}

/**
 * ```c
 * void __iomem *devm_ioremap(struct device *dev, resource_size_t offset, resource_size_t size)
 * ```
 * ioremap() unmapped when the driver unbinds. 0 (NULL) on failure.
 *
 * Rules: MEM006 (I/O memory accessed as RAM).
 */
export function devm_ioremap(dev: Device, offset: number, size: number): number {
  const k = currentKernel();
  const d = devArg("devm_ioremap", dev);
  const addr = k.io.ioremap(intArg("devm_ioremap", 2, offset), intArg("devm_ioremap", 3, size), here(k));
  if (addr) devresAdd(d, { what: "devm_ioremap", key: addr, release: () => k.io.iounmap(addr, undefined) });
  return addr;
}

/** void devm_iounmap(struct device *dev, void __iomem *addr): unmaps a devm_ioremap() early. */
export function devm_iounmap(dev: Device, addr: number): void {
  const k = currentKernel();
  const d = devArg("devm_iounmap", dev), a = intArg("devm_iounmap", 2, addr);
  if (!devresRelease(d, "devm_ioremap", a)) k.warn(`WARNING: devm_iounmap(${d.name}, ${k.px(a)}): not a devm_ioremap() of this device`, here(k));
}

/**
 * ```c
 * int devm_request_irq(struct device *dev, unsigned int irq, irq_handler_t handler, unsigned long irqflags, const char *devname, void *dev_id)
 * ```
 * request_irq() freed when the driver unbinds (after remove(): the handler
 * can still run while remove() tears the device down, so quiesce the device there).
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function devm_request_irq<T>(dev: Device, irq: number, handler: (irq: number, dev_id: T) => number, irqflags: number, devname: string, dev_id: T): number {
  const k = currentKernel();
  const d = devArg("devm_request_irq", dev);
  k.mightSleep("devm_request_irq", here(k));
  if (typeof handler !== "function") return -22;
  const line = intArg("devm_request_irq", 2, irq);
  const r = k.irqs.request(line, handler as (irq: number, dev_id: unknown) => number, intArg("devm_request_irq", 4, irqflags), String(devname), dev_id);
  if (r === 0) devresAdd(d, { what: "devm_request_irq", key: `${line}\0${String(devname)}`, release: () => k.irqs.free(line, dev_id) });
  return r;
}

/** void devm_free_irq(struct device *dev, unsigned int irq, void *dev_id): frees a devm_request_irq() early. */
export function devm_free_irq(dev: Device, irq: number, dev_id: unknown): void {
  const k = currentKernel();
  const d = devArg("devm_free_irq", dev), line = intArg("devm_free_irq", 2, irq);
  const name = k.irqs.actions(line).find((a) => a.dev_id === dev_id)?.name;
  if (name === undefined || !devresRelease(d, "devm_request_irq", `${line}\0${name}`)) k.warn(`WARNING: devm_free_irq(): IRQ ${line} was not requested with devm_request_irq() for this device`, here(k));
}

/**
 * ```c
 * void *dmam_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)
 * ```
 * dma_alloc_coherent() freed when the driver unbinds.
 *
 * Rules: DMA007 (coherent free with a different address or size) if also freed by hand.
 */
export function dmam_alloc_coherent(dev: Device, size: number, dma_handle: Ref<number>, gfp: number): number {
  const k = currentKernel(), stack = here(k);
  const d = devArg("dmam_alloc_coherent", dev);
  const g = intArg("dmam_alloc_coherent", 4, gfp), n = intArg("dmam_alloc_coherent", 2, size);
  mightSleepIf(k, "dmam_alloc_coherent", g, stack);
  const cpu = k.dma.allocCoherent(d, n, dma_handle, g, stack);
  if (!cpu) return 0;
  const bus = dma_handle.value;
  devresAdd(d, { what: "dmam_alloc_coherent", key: cpu, release: () => k.dma.freeCoherent(d, n, cpu, bus, "dmam_free_coherent", false) });
  return cpu;
}

/** void dmam_free_coherent(struct device *dev, size_t size, void *vaddr, dma_addr_t dma_handle): frees a dmam_alloc_coherent() early. */
export function dmam_free_coherent(dev: Device, size: number, vaddr: number, dma_handle: number): void {
  const k = currentKernel();
  const d = devArg("dmam_free_coherent", dev);
  void size; void dma_handle;
  if (!devresRelease(d, "dmam_alloc_coherent", intArg("dmam_free_coherent", 3, vaddr))) k.warn("WARNING: dmam_free_coherent(): not a dmam_alloc_coherent() buffer of this device", here(k));
}

