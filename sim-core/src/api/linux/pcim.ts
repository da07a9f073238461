// Managed PCI (pcim_*, <linux/pci.h>): the device enabled, BARs requested
// and mapped, all undone when the driver unbinds (see devres.ts).

import { PciDev } from "../../dev/bus";
import { devresAdd, devresRelease } from "../../dev/devres";
import { currentKernel, here, intArg } from "../current";
import { pci_disable_device, pci_enable_device, pci_iomap } from "./pci";

/** BAR mappings of pcim_iomap()/pcim_iomap_regions(), per device: pcim_iomap_table(). */
const tables = new WeakMap<PciDev, number[]>();

function pdevArg(fn: string, pdev: unknown): PciDev {
  if (pdev instanceof PciDev) return pdev;
  throw new TypeError(`${fn}(): argument 1 must be a struct pci_dev (the one probe() was given), got ${pdev === null ? "NULL" : typeof pdev}`);
}

/**
 * ```c
 * int pcim_enable_device(struct pci_dev *pdev)
 * ```
 * pci_enable_device(), disabled again when the driver unbinds.
 */
export function pcim_enable_device(pdev: PciDev): number {
  const p = pdevArg("pcim_enable_device", pdev);
  const r = pci_enable_device(p);
  if (!r) devresAdd(p.dev, { what: "pcim_enable_device", key: p, release: () => pci_disable_device(p) });
  return r;
}

/**
 * ```c
 * void __iomem *pcim_iomap(struct pci_dev *pdev, int bar, unsigned long maxlen)
 * ```
 * pci_iomap() unmapped when the driver unbinds; also recorded in pcim_iomap_table().
 *
 * Rules: MEM006 (I/O memory accessed as RAM).
 */
export function pcim_iomap(pdev: PciDev, bar: number, maxlen: number): number {
  const k = currentKernel();
  const p = pdevArg("pcim_iomap", pdev), b = intArg("pcim_iomap", 2, bar);
  const addr = pci_iomap(p, b, maxlen);
  if (!addr) return 0;
  let t = tables.get(p);
  if (!t) tables.set(p, (t = []));
  t[b] = addr;
  devresAdd(p.dev, { what: "pcim_iomap", key: addr, release: () => { k.io.iounmap(addr, undefined); if (tables.get(p)?.[b] === addr) tables.get(p)![b] = 0; } });
  return addr;
}

/** void pcim_iounmap(struct pci_dev *pdev, void __iomem *addr): unmaps a pcim_iomap() early. */
export function pcim_iounmap(pdev: PciDev, addr: number): void {
  const k = currentKernel();
  const p = pdevArg("pcim_iounmap", pdev), a = intArg("pcim_iounmap", 2, addr);
  if (!devresRelease(p.dev, "pcim_iomap", a)) k.warn(`WARNING: pcim_iounmap(): ${k.px(a)} is not a pcim_iomap() of ${p.dev.name}`, here(k));
}

/**
 * ```c
 * int pcim_iomap_regions(struct pci_dev *pdev, int mask, const char *name)
 * ```
 * Requests and maps every BAR in mask (bit n: BAR n); all released at unbind. 0, or -errno with nothing left taken.
 */
export function pcim_iomap_regions(pdev: PciDev, mask: number, name: string): number {
  const k = currentKernel();
  const p = pdevArg("pcim_iomap_regions", pdev), m = intArg("pcim_iomap_regions", 2, mask);
  const done: number[] = [];
  for (let b = 0; b < p.dev.bars.length; b++) {
    if (!(m & (1 << b))) continue;
    const r = k.devices.requestRegion(p, b, String(name));
    if (r < 0) {
      for (const x of done.reverse()) devresRelease(p.dev, "pcim_region", `${x}`);
      return r;
    }
    devresAdd(p.dev, { what: "pcim_region", key: `${b}`, release: () => k.devices.releaseRegion(p, b) });
    done.push(b);
    if (!pcim_iomap(p, b, 0)) {
      for (const x of done.reverse()) devresRelease(p.dev, "pcim_region", `${x}`);
      return -12;
    }
  }
  return 0;
}

/** void __iomem * const *pcim_iomap_table(struct pci_dev *pdev): the BARs pcim_iomap() mapped, by BAR number. */
export function pcim_iomap_table(pdev: PciDev): readonly number[] {
  const p = pdevArg("pcim_iomap_table", pdev);
  let t = tables.get(p);
  if (!t) tables.set(p, (t = []));
  return t;
}
