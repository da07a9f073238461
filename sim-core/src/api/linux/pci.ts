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

/** Configuration space offset 0x00: vendor ID (16 bits). */
export const PCI_VENDOR_ID = 0x00, /** Configuration space offset 0x02: device ID (16 bits). */ PCI_DEVICE_ID = 0x02, /** Configuration space offset 0x04: the command register (16 bits; PCI_COMMAND_MEMORY, PCI_COMMAND_MASTER…). */ PCI_COMMAND = 0x04, /** Configuration space offset 0x06: the status register (16 bits). */ PCI_STATUS = 0x06, /** Configuration space offset 0x08: revision ID (8 bits). */ PCI_REVISION_ID = 0x08;
/** Configuration space offset 0x09: programming interface (8 bits). */
export const PCI_CLASS_PROG = 0x09, /** Configuration space offset 0x0a: device class (16 bits). */ PCI_CLASS_DEVICE = 0x0a, /** Configuration space offset 0x0e: header type (8 bits). */ PCI_HEADER_TYPE = 0x0e, /** Configuration space offset 0x10: BAR 0 (32 bits; BARs 1-5 follow every 4 bytes). */ PCI_BASE_ADDRESS_0 = 0x10;
/** Configuration space offset 0x2c: subsystem vendor ID (16 bits). */
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c, /** Configuration space offset 0x2e: subsystem ID (16 bits). */ PCI_SUBSYSTEM_ID = 0x2e, /** Configuration space offset 0x3c: the interrupt line (8 bits). */ PCI_INTERRUPT_LINE = 0x3c, /** Configuration space offset 0x3d: the interrupt pin, 1-4 for INTA-INTD, 0 for none (8 bits). */ PCI_INTERRUPT_PIN = 0x3d;
/** PCI_COMMAND bit: respond to memory space accesses (set by pci_enable_device()). */
export const PCI_COMMAND_MEMORY = 0x2, /** PCI_COMMAND bit: bus mastering, the device may issue DMA (set by pci_set_master()). */ PCI_COMMAND_MASTER = 0x4;
/** Resource flag: a memory BAR (map it with pci_iomap() or ioremap()). */
export const IORESOURCE_MEM = 0x00000200, /** Resource flag: prefetchable memory (write-combining is allowed). */ IORESOURCE_PREFETCH = 0x00002000;

/**
 * ```c
 * #define PCI_DEVICE(vend, dev) .vendor = (vend), .device = (dev), .subvendor = PCI_ANY_ID, .subdevice = PCI_ANY_ID
 * ```
 * PCI_DEVICE(vendor, device): an ID entry matching any subsystem.
 */
export function PCI_DEVICE(vendor: number, device: number): PciDeviceId {
  return { vendor: intArg("PCI_DEVICE", 1, vendor), device: intArg("PCI_DEVICE", 2, device), subvendor: PCI_ANY_ID, subdevice: PCI_ANY_ID };
}

/**
 * ```c
 * #define MODULE_DEVICE_TABLE(type, name) …
 * ```
 * MODULE_DEVICE_TABLE(pci, ids): only for module autoloading; nothing to do here.
 */
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

/**
 * ```c
 * int pci_register_driver(struct pci_driver *drv)
 * ```
 * pci_register_driver(): probes the devices the ID table matches, now, in the caller's module.
 *
 * Rules: DMA020 (DMA still live at driver unload); MEM008 (memory leaked at unload).
 */
export function pci_register_driver(drv: PciDriver): number {
  const k = currentKernel();
  return k.devices.registerDriver(drv, k.currentModule);
}

/**
 * ```c
 * void pci_unregister_driver(struct pci_driver *drv)
 * ```
 * pci_unregister_driver(): remove() for every device the driver has, then it is gone.
 */
export function pci_unregister_driver(drv: PciDriver): void {
  currentKernel().devices.unregisterDriver(drv);
}

/**
 * ```c
 * int pci_enable_device(struct pci_dev *dev)
 * ```
 * pci_enable_device(): turns on memory decoding (until then the BARs read as all ones).
 */
export function pci_enable_device(pdev: PciDev): number {
  const p = pdevArg("pci_enable_device", pdev);
  if (p.enableCount++ === 0) p.dev.enabled = true;
  return 0;
}

/**
 * ```c
 * int pci_enable_device_mem(struct pci_dev *dev)
 * ```
 * As pci_enable_device(), memory BARs only. 0 or -errno; balance with pci_disable_device().
 */
export const pci_enable_device_mem = pci_enable_device;

/**
 * ```c
 * void pci_disable_device(struct pci_dev *dev)
 * ```
 * Balances pci_enable_device(): in remove() and on probe's error paths after the enable.
 */
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

/**
 * ```c
 * static inline int pci_is_enabled(struct pci_dev *pdev)
 * ```
 * True while pci_enable_device() calls outnumber pci_disable_device() calls.
 */
export function pci_is_enabled(pdev: PciDev): boolean { return pdevArg("pci_is_enabled", pdev).enableCount > 0; }

/**
 * ```c
 * void pci_set_master(struct pci_dev *dev)
 * ```
 * pci_set_master(): lets the device issue DMA (without it, its transfers never happen).
 */
export function pci_set_master(pdev: PciDev): void {
  pdevArg("pci_set_master", pdev).dev.busMaster = true;
}

/**
 * ```c
 * void pci_clear_master(struct pci_dev *dev)
 * ```
 * Stops the device from issuing DMA (clears PCI_COMMAND_MASTER): before unmapping what it could still write.
 */
export function pci_clear_master(pdev: PciDev): void {
  pdevArg("pci_clear_master", pdev).dev.busMaster = false;
}

/**
 * ```c
 * #define pci_resource_start(dev, bar) ((dev)->resource[(bar)].start)
 * ```
 * The bus address where BAR bar starts (0 when the BAR is unused).
 */
export function pci_resource_start(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_start", pdev);
  return p.dev.bars[barArg("pci_resource_start", p, bar)]?.start ?? 0;
}

/**
 * ```c
 * #define pci_resource_len(dev, bar) …
 * ```
 * The size of BAR bar in bytes (0 when unused). Bound every user-supplied offset into the BAR by it.
 *
 * Rules: MM002 (mmap request not bounds-checked); MM003 (user-controlled physical address).
 */
export function pci_resource_len(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_len", pdev);
  return p.dev.bars[barArg("pci_resource_len", p, bar)]?.size ?? 0;
}

/**
 * ```c
 * #define pci_resource_end(dev, bar) ((dev)->resource[(bar)].end)
 * ```
 * The last bus address of BAR bar (start + len - 1).
 */
export function pci_resource_end(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_end", pdev);
  const r = p.dev.bars[barArg("pci_resource_end", p, bar)];
  return r ? r.end - 1 : 0;
}

/**
 * ```c
 * #define pci_resource_flags(dev, bar) ((dev)->resource[(bar)].flags)
 * ```
 * IORESOURCE_MEM, IORESOURCE_IO, IORESOURCE_PREFETCH… of BAR bar.
 */
export function pci_resource_flags(pdev: PciDev, bar: number): number {
  const p = pdevArg("pci_resource_flags", pdev);
  const b = barArg("pci_resource_flags", p, bar);
  if (!p.dev.bars[b]) return 0;
  return IORESOURCE_MEM | (p.model.kind === "fb" && b === 0 ? IORESOURCE_PREFETCH : 0);
}

/**
 * ```c
 * void __iomem *pci_iomap(struct pci_dev *dev, int bar, unsigned long maxlen)
 * ```
 * pci_iomap(): an __iomem mapping of a BAR (maxlen 0: all of it); 0 (NULL) when there is no such BAR.
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export function pci_iomap(pdev: PciDev, bar: number, maxlen: number): number {
  const k = currentKernel();
  const p = pdevArg("pci_iomap", pdev);
  const r = p.dev.bars[barArg("pci_iomap", p, bar)];
  if (!r) return 0;
  const max = intArg("pci_iomap", 3, maxlen);
  return k.io.ioremap(r.start, max > 0 && max < r.size ? max : r.size, here(k));
}

/**
 * ```c
 * void __iomem *pci_iomap_wc(struct pci_dev *dev, int bar, unsigned long maxlen)
 * ```
 * As pci_iomap(), write-combining (for prefetchable BARs such as frame buffers).
 *
 * Rules: MEM006 (I/O and RAM address spaces mixed).
 */
export const pci_iomap_wc = pci_iomap;

/**
 * ```c
 * void pci_iounmap(struct pci_dev *dev, void __iomem *addr)
 * ```
 * Releases a pci_iomap() mapping.
 */
export function pci_iounmap(pdev: PciDev, addr: number): void {
  const k = currentKernel();
  pdevArg("pci_iounmap", pdev);
  k.io.iounmap(intArg("pci_iounmap", 2, addr), here(k));
}

/**
 * ```c
 * int pci_request_region(struct pci_dev *pdev, int bar, const char *res_name)
 * ```
 * pci_request_region(): claims one BAR for name; -EBUSY when it is taken.
 */
export function pci_request_region(pdev: PciDev, bar: number, name: string): number {
  const p = pdevArg("pci_request_region", pdev);
  return currentKernel().devices.requestRegion(p, barArg("pci_request_region", p, bar), String(name));
}

/**
 * ```c
 * void pci_release_region(struct pci_dev *pdev, int bar)
 * ```
 * Releases one BAR claimed by pci_request_region().
 */
export function pci_release_region(pdev: PciDev, bar: number): void {
  const p = pdevArg("pci_release_region", pdev);
  currentKernel().devices.releaseRegion(p, barArg("pci_release_region", p, bar));
}

/**
 * ```c
 * int pci_request_regions(struct pci_dev *pdev, const char *res_name)
 * ```
 * pci_request_regions(): claims every BAR, or none.
 */
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

/**
 * ```c
 * void pci_release_regions(struct pci_dev *pdev)
 * ```
 * Releases every BAR claimed by pci_request_regions().
 */
export function pci_release_regions(pdev: PciDev): void {
  const k = currentKernel();
  const p = pdevArg("pci_release_regions", pdev);
  for (let i = 0; i < p.dev.bars.length; i++) k.devices.releaseRegion(p, i);
}

/**
 * ```c
 * static inline void pci_set_drvdata(struct pci_dev *pdev, void *data)
 * ```
 * Stores the driver's private data (read back with pci_get_drvdata() in remove()).
 */
export function pci_set_drvdata(pdev: PciDev, data: unknown): void {
  pdevArg("pci_set_drvdata", pdev).dev.driver_data = data;
}

/**
 * ```c
 * static inline void *pci_get_drvdata(struct pci_dev *pdev)
 * ```
 * The private data stored with pci_set_drvdata().
 */
export function pci_get_drvdata<T = unknown>(pdev: PciDev): T {
  return pdevArg("pci_get_drvdata", pdev).dev.driver_data as T;
}

/**
 * ```c
 * static inline const char *pci_name(const struct pci_dev *pdev)
 * ```
 * pci_name(): "0000:00:04.0".
 */
export function pci_name(pdev: PciDev): string { return pdevArg("pci_name", pdev).dev.name; }

/**
 * ```c
 * #define to_pci_dev(n) container_of(n, struct pci_dev, dev)
 * ```
 * to_pci_dev(): the struct pci_dev around a struct device.
 */
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

/**
 * ```c
 * int pci_read_config_byte(const struct pci_dev *dev, int where, u8 *val)
 * ```
 * Reads a byte of configuration space at offset where into val.value: 0 (PCIBIOS_SUCCESSFUL) or an error.
 */
export const pci_read_config_byte = configReader("pci_read_config_byte", 1);
/**
 * ```c
 * int pci_read_config_word(const struct pci_dev *dev, int where, u16 *val)
 * ```
 * Reads 16 bits of configuration space at offset where into val.value.
 */
export const pci_read_config_word = configReader("pci_read_config_word", 2);
/**
 * ```c
 * int pci_read_config_dword(const struct pci_dev *dev, int where, u32 *val)
 * ```
 * Reads 32 bits of configuration space at offset where into val.value.
 */
export const pci_read_config_dword = configReader("pci_read_config_dword", 4);

// Managed PCI: pcim_enable_device(), pcim_iomap() and friends.
export * from "./pcim";
