// <asm/io.h> and <linux/io.h>: device memory, and the address conversions
// that live in the same header.

import type { IoWidth } from "../../mm/iomem";
import { currentKernel, here, intArg } from "../current";

export { __pa, __va } from "../asm/page";

export function virt_to_phys(addr: number): number {
  const k = currentKernel();
  return k.virtToPhys(intArg("virt_to_phys", 1, addr), "virt_to_phys", undefined);
}

export function phys_to_virt(phys: number): number {
  const k = currentKernel();
  return k.physToVirt(intArg("phys_to_virt", 1, phys), "phys_to_virt", undefined);
}

/** ioremap(): an __iomem address for device memory, or 0. */
export function ioremap(phys_addr: number, size: number): number {
  const k = currentKernel();
  return k.io.ioremap(intArg("ioremap", 1, phys_addr), intArg("ioremap", 2, size), here(k));
}
export const ioremap_wc = ioremap;
export const ioremap_uc = ioremap;

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

export const readb = reader("readb", 1), readw = reader("readw", 2), readl = reader("readl", 4);
export const writeb = writer("writeb", 1), writew = writer("writew", 2), writel = writer("writel", 4);
export const ioread8 = reader("ioread8", 1), ioread16 = reader("ioread16", 2), ioread32 = reader("ioread32", 4);
export const iowrite8 = writer("iowrite8", 1), iowrite16 = writer("iowrite16", 2), iowrite32 = writer("iowrite32", 4);

/** readq(): 64 bits, as a bigint. */
export function readq(addr: number): bigint {
  const k = currentKernel();
  return BigInt(k.mem.ioRead(intArg("readq", 1, addr), 8, undefined, "readq"));
}

export function writeq(value: bigint | number, addr: number): void {
  const k = currentKernel();
  k.mem.ioWrite(intArg("writeq", 2, addr), 8, value, undefined, "writeq");
}

export function memcpy_fromio(dst: number, src: number, count: number): void {
  const k = currentKernel();
  k.mem.copy(intArg("memcpy_fromio", 1, dst), intArg("memcpy_fromio", 2, src), intArg("memcpy_fromio", 3, count), undefined, "memcpy_fromio");
}

export function memcpy_toio(dst: number, src: number, count: number): void {
  const k = currentKernel();
  k.mem.copy(intArg("memcpy_toio", 1, dst), intArg("memcpy_toio", 2, src), intArg("memcpy_toio", 3, count), undefined, "memcpy_toio");
}

export function memset_io(addr: number, value: number, count: number): void {
  const k = currentKernel();
  k.mem.fill(intArg("memset_io", 1, addr), intArg("memset_io", 2, value), intArg("memset_io", 3, count), undefined, "memset_io");
}
