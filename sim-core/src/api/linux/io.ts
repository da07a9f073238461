// <asm/io.h> and <linux/io.h>: device memory, and the address conversions
// that live in the same header.

import type { IoWidth } from "../../mm/iomem";
import { currentKernel, here, intArg } from "../current";

export { __pa, __va } from "../asm/page";

/**
 * ```c
 * static inline phys_addr_t virt_to_phys(volatile void *address)
 * ```
 * The physical address of a kernel logical address (kmalloc, __get_free_pages). Not for vmalloc or kmap addresses, and a physical address is not a bus address: DMA goes through dma_map_*().
 *
 * Rules: PG006 (logical address of a highmem page); PG008 (virt_to_bus/bus_to_virt used).
 */
export function virt_to_phys(addr: number): number {
  const k = currentKernel();
  return k.virtToPhys(intArg("virt_to_phys", 1, addr), "virt_to_phys", undefined);
}

/**
 * ```c
 * static inline void *phys_to_virt(phys_addr_t address)
 * ```
 * The logical address of a physical address in low memory.
 *
 * Rules: PG006 (logical address of a highmem page).
 */
export function phys_to_virt(phys: number): number {
  const k = currentKernel();
  return k.physToVirt(intArg("phys_to_virt", 1, phys), "phys_to_virt", undefined);
}

/**
 * ```c
 * void __iomem *ioremap(resource_size_t phys_addr, unsigned long size)
 * ```
 * ioremap(): an __iomem address for device memory, or 0.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed); MM007 (device memory mapped cacheable).
 */
export function ioremap(phys_addr: number, size: number): number {
  const k = currentKernel();
  return k.io.ioremap(intArg("ioremap", 1, phys_addr), intArg("ioremap", 2, size), here(k));
}
/**
 * ```c
 * void __iomem *ioremap_wc(resource_size_t phys_addr, unsigned long size)
 * ```
 * As ioremap(), write-combining: for frame buffers, never for registers.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export const ioremap_wc = ioremap;
/**
 * ```c
 * void __iomem *ioremap_uc(resource_size_t phys_addr, unsigned long size)
 * ```
 * As ioremap(), strictly uncached.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export const ioremap_uc = ioremap;

/**
 * ```c
 * void iounmap(volatile void __iomem *addr)
 * ```
 * Releases an ioremap() mapping; the address is invalid afterwards.
 *
 * Rules: MEM003 (double or invalid free).
 */
export function iounmap(addr: number): void {
  const k = currentKernel();
  k.io.iounmap(intArg("iounmap", 1, addr), here(k));
}

function reader(name: string, width: IoWidth) {
  return (addr: number): number => {
    const k = currentKernel();
    return Number(k.mem.ioRead(intArg(name, 1, addr), width, undefined, name));
  };
}

function writer(name: string, width: IoWidth) {
  return (value: number, addr: number): void => {
    const k = currentKernel();
    k.mem.ioWrite(intArg(name, 2, addr), width, intArg(name, 1, value), undefined, name);
  };
}

/**
 * ```c
 * u8 readb(const volatile void __iomem *addr); u16 readw(…); u32 readl(…)
 * ```
 * readb/readw/readl: an 8/16/32-bit little-endian MMIO read from an __iomem address (from ioremap() or pci_iomap()), ordered against other MMIO. Never on RAM.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export const readb = reader("readb", 1), /** `u16 readw(const volatile void __iomem *addr)` — a 16-bit MMIO read. Rules: MEM006 (I/O and RAM address spaces mixed). */ readw = reader("readw", 2), /** `u32 readl(const volatile void __iomem *addr)` — a 32-bit MMIO read. Rules: MEM006 (I/O and RAM address spaces mixed). */ readl = reader("readl", 4);
/**
 * ```c
 * void writeb(u8 value, volatile void __iomem *addr); void writew(u16 …); void writel(u32 …)
 * ```
 * writeb/writew/writel: an 8/16/32-bit little-endian MMIO write to an __iomem address. Note the order: value first, then the address. Never on RAM.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export const writeb = writer("writeb", 1), /** `void writew(u16 value, volatile void __iomem *addr)` — a 16-bit MMIO write. Rules: MEM006 (I/O and RAM address spaces mixed). */ writew = writer("writew", 2), /** `void writel(u32 value, volatile void __iomem *addr)` — a 32-bit MMIO write. Rules: MEM006 (I/O and RAM address spaces mixed). */ writel = writer("writel", 4);
/**
 * ```c
 * unsigned int ioread8(const void __iomem *addr); ioread16(…); ioread32(…)
 * ```
 * ioread8/16/32: MMIO (or port I/O, for pci_iomap() of an I/O BAR) reads from an __iomem cookie.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export const ioread8 = reader("ioread8", 1), /** `unsigned int ioread16(const void __iomem *addr)` — a 16-bit read of an __iomem cookie. Rules: MEM006 (I/O and RAM address spaces mixed). */ ioread16 = reader("ioread16", 2), /** `unsigned int ioread32(const void __iomem *addr)` — a 32-bit read of an __iomem cookie. Rules: MEM006 (I/O and RAM address spaces mixed). */ ioread32 = reader("ioread32", 4);
/**
 * ```c
 * void iowrite8(u8 value, void __iomem *addr); iowrite16(u16 …); iowrite32(u32 …)
 * ```
 * iowrite8/16/32: MMIO (or port I/O) writes to an __iomem cookie: value first, then the address.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export const iowrite8 = writer("iowrite8", 1), /** `void iowrite16(u16 value, void __iomem *addr)` — a 16-bit write to an __iomem cookie. Rules: MEM006 (I/O and RAM address spaces mixed). */ iowrite16 = writer("iowrite16", 2), /** `void iowrite32(u32 value, void __iomem *addr)` — a 32-bit write to an __iomem cookie. Rules: MEM006 (I/O and RAM address spaces mixed). */ iowrite32 = writer("iowrite32", 4);

/**
 * ```c
 * u64 readq(const volatile void __iomem *addr)
 * ```
 * readq(): 64 bits, as a bigint.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export function readq(addr: number): bigint {
  const k = currentKernel();
  return BigInt(k.mem.ioRead(intArg("readq", 1, addr), 8, undefined, "readq"));
}

/**
 * ```c
 * void writeq(u64 value, volatile void __iomem *addr)
 * ```
 * A 64-bit MMIO write (value as a bigint or a safe integer).
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export function writeq(value: bigint | number, addr: number): void {
  const k = currentKernel();
  k.mem.ioWrite(intArg("writeq", 2, addr), 8, value, undefined, "writeq");
}

/**
 * ```c
 * void memcpy_fromio(void *dst, const volatile void __iomem *src, size_t count)
 * ```
 * Copies count bytes from device memory to RAM. The source must be an __iomem address, the destination RAM.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed); MEM001 (out-of-bounds access).
 */
export function memcpy_fromio(dst: number, src: number, count: number): void {
  const k = currentKernel();
  k.mem.copy(intArg("memcpy_fromio", 1, dst), intArg("memcpy_fromio", 2, src), intArg("memcpy_fromio", 3, count), undefined, "memcpy_fromio");
}

/**
 * ```c
 * void memcpy_toio(volatile void __iomem *dst, const void *src, size_t count)
 * ```
 * Copies count bytes from RAM to device memory.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed); MEM001 (out-of-bounds access).
 */
export function memcpy_toio(dst: number, src: number, count: number): void {
  const k = currentKernel();
  k.mem.copy(intArg("memcpy_toio", 1, dst), intArg("memcpy_toio", 2, src), intArg("memcpy_toio", 3, count), undefined, "memcpy_toio");
}

/**
 * ```c
 * void memset_io(volatile void __iomem *addr, int value, size_t count)
 * ```
 * Fills count bytes of device memory with value.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export function memset_io(addr: number, value: number, count: number): void {
  const k = currentKernel();
  k.mem.fill(intArg("memset_io", 1, addr), intArg("memset_io", 2, value), intArg("memset_io", 3, count), undefined, "memset_io");
}

// devm_ioremap() is declared by <linux/io.h>.
export { devm_ioremap, devm_iounmap } from "./devres";
