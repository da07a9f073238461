// <linux/pci.h>: PCI drivers (an ID table, probe and remove), enabling a
// device and its bus mastering, its BARs (resources, pci_iomap(), claiming
// them), driver data, and a read-only view of configuration space.

import { PCI_ANY_ID, PciDev, type PciDeviceId, type PciDriver } from "../../dev/bus";
import type { Ref } from "../../util/ref";
import { currentKernel, here, intArg } from "../current";

export { PCI_ANY_ID };
export type pci_dev = PciDev;
export type pci_device_id = PciDeviceId;
export type pci_driver = PciDriver;

export const PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04, PCI_STATUS = 0x06, PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09, PCI_CLASS_DEVICE = 0x0a, PCI_HEADER_TYPE = 0x0e, PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c, PCI_SUBSYSTEM_ID = 0x2e, PCI_INTERRUPT_LINE = 0x3c, PCI_INTERRUPT_PIN = 0x3d;
export const PCI_COMMAND_MEMORY = 0x2, PCI_COMMAND_MASTER = 0x4;
export const IORESOURCE_MEM = 0x00000200, IORESOURCE_PREFETCH = 0x00002000;

/** PCI_DEVICE(vendor, device): an ID entry matching any subsystem. */
export function PCI_DEVICE(vendor: number, device: number): PciDeviceId {
  return { vendor: intArg("PCI_DEVICE", 1, vendor), device: intArg("PCI_DEVICE", 2, device), subvendor: PCI_ANY_ID, subdevice: PCI_ANY_ID };
}

/** MODULE_DEVICE_TABLE(pci, ids): only for module autoloading; nothing to do here. */
export function MODULE_DEVICE_TABLE(_type: "pci", _table: readonly PciDeviceId[]): void {}

function pdevArg(fn: string, pdev: unknown): PciDev {
  if (pdev instanceof PciDev) return pdev;
  throw new TypeError(`${fn}(): argument 1 must be a struct pci_dev (the one probe() was given), got ${pdev === null ? "NULL" : typeof pdev}`);
}

function barArg(fn: string, pdev: PciDev, bar: unknown): number {
  const b = intArg(fn, 2, bar);
  if (b < 0 || b > 5) throw new RangeError(`${fn}(): BAR ${b} does not exist (0-5)`);
  return b;
}

/** pci_register_driver(): probes the devices the ID table matches, now, in the caller's module. */
export function pci_register_driver(drv: PciDriver): number {
  const k = currentKernel();
  return k.devices.registerDriver(drv, k.currentModule);
}

/** pci_unregister_driver(): remove() for every device the driver has, then it is gone. */
export function pci_unregister_driver(drv: PciDriver): void {
  currentKernel().devices.unregisterDriver(drv);
}

/** pci_enable_device(): turns on memory decoding (until then the BARs read as all ones). */
export function pci_enable_device(pdev: PciDev): number {
  const p = pdevArg("pci_enable_device", pdev);
  if (p.enableCount++ === 0) p.dev.enabled = true;
  return 0;
}

export const pci_enable_device_mem = pci_enable_device;

export function pci_disable_device(pdev: PciDev): void {
  const k = currentKernel();
  const p = pdevArg("pci_disable_device", pdev);
  if (p.enableCount <= 0) {
    k.warn(`${p.driver?.name ?? "pci"} ${p.dev.name}: disabling already-disabled device`, here(k));
    return;
  }
  if (--p.enableCount === 0) {
    p.dev.enabled = false;
    p.dev.busMaster = false;
  }
}

export function pci_is_enabled(pdev: PciDev): boolean { return pdevArg("pci_is_enabled", pdev).enableCount > 0; }

/** pci_set_master(): lets the device issue DMA (without it, its transfers never happen). */
export function pci_set_master(pdev: PciDev): void {
  pdevArg("pci_set_master", pdev).dev.busMaster = true;
}

export function pci_clear_master(pdev: PciDev): void {
  pdevArg("pci_clear_master", pdev).dev.busMaster = false;
}

export function pci_resource_start(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_start", pdev);
  return p.dev.bars[barArg("pci_resource_start", p, bar)]?.start ?? 0;
}

export function pci_resource_len(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_len", pdev);
  return p.dev.bars[barArg("pci_resource_len", p, bar)]?.size ?? 0;
}

export function pci_resource_end(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_end", pdev);
  const r = p.dev.bars[barArg("pci_resource_end", p, bar)];
  return r ? r.end - 1 : 0;
}

export function pci_resource_flags(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_flags", pdev);
  const b = barArg("pci_resource_flags", p, bar);
  if (!p.dev.bars[b]) return 0;
  return IORESOURCE_MEM | (p.model.kind === "fb" && b === 0 ? IORESOURCE_PREFETCH : 0);
}

/** pci_iomap(): an __iomem mapping of a BAR (maxlen 0: all of it); 0 (NULL) when there is no such BAR. */
export function pci_iomap(pdev: PciDev, bar: number, maxlen: number): number {
  const k = currentKernel();
  const p = pdevArg("pci_iomap", pdev);
  const r = p.dev.bars[barArg("pci_iomap", p, bar)];
  if (!r) return 0;
  const max = intArg("pci_iomap", 3, maxlen);
  return k.io.ioremap(r.start, max > 0 && max < r.size ? max : r.size, here(k));
}

export const pci_iomap_wc = pci_iomap;

export function pci_iounmap(pdev: PciDev, addr: number): void {
  const k = currentKernel();
  pdevArg("pci_iounmap", pdev);
  k.io.iounmap(intArg("pci_iounmap", 2, addr), here(k));
}

/** pci_request_region(): claims one BAR for name; -EBUSY when it is taken. */
export function pci_request_region(pdev: PciDev, bar: number, name: string): number {
  const p = pdevArg("pci_request_region", pdev);
  return currentKernel().devices.requestRegion(p, barArg("pci_request_region", p, bar), String(name));
}

export function pci_release_region(pdev: PciDev, bar: number): void {
  const p = pdevArg("pci_release_region", pdev);
  currentKernel().devices.releaseRegion(p, barArg("pci_release_region", p, bar));
}

/** pci_request_regions(): claims every BAR, or none. */
export function pci_request_regions(pdev: PciDev, name: string): number {
  const k = currentKernel();
  const p = pdevArg("pci_request_regions", pdev);
  for (let i = 0; i < p.dev.bars.length; i++) {
    const r = k.devices.requestRegion(p, i, String(name));
    if (r < 0) {
      for (let j = 0; j < i; j++) k.devices.releaseRegion(p, j);
      return r;
    }
  }
  return 0;
}

export function pci_release_regions(pdev: PciDev): void {
  const k = currentKernel();
  const p = pdevArg("pci_release_regions", pdev);
  for (let i = 0; i < p.dev.bars.length; i++) k.devices.releaseRegion(p, i);
}

export function pci_set_drvdata(pdev: PciDev, data: unknown): void {
  pdevArg("pci_set_drvdata", pdev).dev.driver_data = data;
}

export function pci_get_drvdata<T = unknown>(pdev: PciDev): T {
  return pdevArg("pci_get_drvdata", pdev).dev.driver_data as T;
}

/** pci_name(): "0000:00:04.0". */
export function pci_name(pdev: PciDev): string { return pdevArg("pci_name", pdev).dev.name; }

/** to_pci_dev(): the struct pci_dev around a struct device. */
export function to_pci_dev(dev: PciDev["dev"]): PciDev {
  const p = currentKernel().devices.pciDev(dev);
  if (!p) throw new TypeError("to_pci_dev(): not a PCI device");
  return p;
}

/** Configuration space, as the fields it holds (read-only: writes go through the functions above). */
function configRead(p: PciDev, where: number, width: 1 | 2 | 4): number {
  const bytes = new Uint8Array(64);
  const put = (off: number, v: number, n: number) => { for (let i = 0; i < n; i++) bytes[off + i] = (v >>> (8 * i)) & 0xff; };
  put(PCI_VENDOR_ID, p.vendor, 2);
  put(PCI_DEVICE_ID, p.device, 2);
  put(PCI_COMMAND, (p.dev.enabled ? PCI_COMMAND_MEMORY : 0) | (p.dev.busMaster ? PCI_COMMAND_MASTER : 0), 2);
  put(PCI_REVISION_ID, p.revision, 1);
  put(PCI_CLASS_PROG, p.class, 3);
  for (const [i, r] of p.dev.bars.entries()) put(PCI_BASE_ADDRESS_0 + 4 * i, r.start | (p.model.kind === "fb" && i === 0 ? 0x8 : 0), 4);
  put(PCI_SUBSYSTEM_VENDOR_ID, p.subsystem_vendor, 2);
  put(PCI_SUBSYSTEM_ID, p.subsystem_device, 2);
  put(PCI_INTERRUPT_LINE, p.irq & 0xff, 1);
  put(PCI_INTERRUPT_PIN, p.irq ? 1 : 0, 1);
  if (where < 0 || where + width > 64) return width === 4 ? 0xffffffff : 2 ** (8 * width) - 1;
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + bytes[where + i];
  return v;
}

function configReader(name: string, width: 1 | 2 | 4) {
  return (pdev: PciDev, where: number, val: Ref<number>): number => {
    const p = pdevArg(name, pdev);
    val.value = configRead(p, intArg(name, 2, where), width);
    return 0;
  };
}

export const pci_read_config_byte = configReader("pci_read_config_byte", 1);
export const pci_read_config_word = configReader("pci_read_config_word", 2);
export const pci_read_config_dword = configReader("pci_read_config_dword", 4);
