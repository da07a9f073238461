// A PCI-like bus: device models plugged in at boot (BootOptions.devices) or
// later (k.devices.add()), each at "0000:00:NN.0" with its BARs placed in
// the MMIO window and an interrupt line; PCI drivers registered with an ID
// table, probed against the devices they match and removed again; and the
// listings (/proc/bus/pci/devices, lspci) the inspector shows.
//
// DMA: a device reaches memory only through dev.dma (dma/types.ts), which
// k.dma.attach(dev) provides; k.dma.releaseDevice(dev) is told when a driver
// is unbound (dma-debug's BUS_NOTIFY_UNBOUND_DRIVER: what the driver still
// has mapped is reported there, DMA020).

import { devresReleaseAll } from "./devres";
import type { Kernel } from "../kernel";
import type { Module } from "../kernel/module";
import { Device } from "./device";
import { IsaDmaController } from "./isa_dma";
import { MODELS } from "./models";
import type { DeviceModel } from "./models/model";


/** struct pci_device_id. Fields left out match anything (PCI_ANY_ID), as PCI_DEVICE() does. */
export interface PciDeviceId {
  /** id->vendor: the vendor id to match, or PCI_ANY_ID. */
  vendor: number;
  /** id->device: the device id to match, or PCI_ANY_ID. */
  device: number;
  /** id->subvendor: the subsystem vendor id to match (PCI_ANY_ID when left out). */
  subvendor?: number;
  /** id->subdevice: the subsystem id to match (PCI_ANY_ID when left out). */
  subdevice?: number;
  /** id->class: class code to match, under class_mask. */
  class?: number;
  /** id->class_mask: which bits of class must match (0: any class). */
  class_mask?: number;
  /** id->driver_data: the driver's own value, handed to probe with the matching entry. */
  driver_data?: number;
}

/** struct pci_driver. */
export interface PciDriver {
  /** drv->name: the driver's name (in /sys/bus/pci/drivers). */
  name: string;
  /** drv->id_table: the devices the driver handles; the C table ends with an empty entry. */
  id_table: readonly PciDeviceId[];
  /** int (*probe)(struct pci_dev *dev, const struct pci_device_id *id): 0 to bind, or a negative errno; undo everything on the error paths (DMA020). */
  probe: (pdev: PciDev, id: PciDeviceId) => number;
  /** void (*remove)(struct pci_dev *dev): unbind; release all that probe took. */
  remove?: (pdev: PciDev) => void;
}

/** PCI_ANY_ID ((~0)): matches any vendor, device or subsystem id in a pci_device_id. */
export const PCI_ANY_ID = 0xffffffff;

/** struct pci_dev: the PCI function, with its struct device in .dev. */
export class PciDev {
  /** The driver bound to it (pdev->driver). */
  driver: PciDriver | null = null;
  /** pci_enable_device() nesting (enable_cnt). */
  enableCount = 0;
  /** Who claimed each BAR with pci_request_region(s)(). */
  readonly regionOwners: Array<string | null>;

  constructor(
    /** pdev->dev: the struct device, for the DMA API and dev_printk() (&pdev->dev in C). */
    readonly dev: Device,
    /** The simulated hardware behind the function (no C field). */
    readonly model: DeviceModel,
    /** PCI_SLOT(pdev->devfn): the device number on the bus. */
    readonly slot: number) {
    this.regionOwners = dev.bars.map(() => null);
  }

  /** pdev->irq: the interrupt line for request_irq(). */
  get irq(): number { return this.dev.irq; }
  /** pdev->vendor: the PCI vendor id. */
  get vendor(): number { return this.dev.vendor; }
  /** pdev->device: the PCI device id. */
  get device(): number { return this.dev.device; }
  /** pdev->subsystem_vendor: the board's subsystem vendor id. */
  get subsystem_vendor(): number { return this.dev.vendor; }
  /** pdev->subsystem_device: the board's subsystem id. */
  get subsystem_device(): number { return 0x1100; }
  /** pdev->class: class code, subclass and programming interface (24 bits). */
  get class(): number { return this.model.classCode; }
  /** pdev->revision: the revision id. */
  get revision(): number { return 0x10; }
  /** pdev->devfn: device and function number (PCI_DEVFN(slot, func)). */
  get devfn(): number { return this.slot << 3; }
  /** A printable form, the function's address "0000:00:04.0". */
  toString(): string { return this.dev.name; }
}

interface Registration { readonly drv: PciDriver; readonly module: Module | null }

const EBUSY = 16, EINVAL = 22;

export class Devices {
  private readonly pdevs: PciDev[] = [];
  private readonly drivers: Registration[] = [];
  private nextSlot = 4;
  private readonly early: string[] = [];
  private booted = false;
  /** The ISA DMA controller (two cascaded 8237s) <asm/dma.h> programs. */
  readonly isaDma: IsaDmaController;

  readonly #k: Kernel;
  constructor(k: Kernel, boot: readonly string[] = []) {
    this.#k = k;
    this.isaDma = new IsaDmaController(k);
    for (const name of boot) this.add(name);
  }

  /** Lines for the boot log: the devices plugged in at boot. After this, new devices log as they come. */
  bootLines(): string[] {
    this.booted = true;
    return this.early.splice(0);
  }

  /**
   * Plugs in a device model (by name, or an instance): BARs, IRQ line, DMA view.
   * A name may carry options after colons: "edu:noncoherent" (a device that
   * does not snoop the CPU caches), "nic:iommu" (behind an IOMMU).
   */
  add(model: string | DeviceModel): DeviceModel {
    const k = this.#k;
    const [name, ...options] = typeof model === "string" ? model.split(":") : [];
    const m = typeof model === "string" ? this.create(name) : model;
    const slot = this.nextSlot++;
    const busName = `0000:00:${slot.toString(16).padStart(2, "0")}.0`;
    const cfg = { ...m.config() };
    for (const o of options) {
      if (o === "noncoherent") cfg.coherent = false;
      else if (o === "iommu") cfg.route = "iommu";
      else throw new Error(`device "${model}": unknown option "${o}" (there are: noncoherent, iommu)`);
    }
    const dev = new Device(cfg, busName);
    for (const [i, bar] of (cfg.bars ?? []).entries()) {
      const h = bar.handlers;
      // Memory decoding follows the command register: until pci_enable_device(), the BAR does not answer.
      dev.bars.push(k.io.addRegion(busName, bar.size, {
        handlers: {
          read: (off, w) => (dev.enabled ? h?.read?.(off, w) : this.undecoded(dev, i, w)),
          write: (off, w, v) => {
            if (dev.enabled) return h?.write?.(off, w, v);
            this.undecoded(dev, i, w);
            return true; // dropped
          },
        },
      }));
    }
    if (cfg.irq) dev.irq = k.irqs.allocate();
    this.attachDma(dev);
    const p = new PciDev(dev, m, slot);
    this.pdevs.push(p);
    m.plugged(dev);
    const lines = [
      `pci ${busName}: [${hex4(cfg.vendor)}:${hex4(cfg.device)}] type 00 class 0x${m.classCode.toString(16).padStart(6, "0")} conventional PCI endpoint`,
      ...dev.bars.map((r, i) => `pci ${busName}: BAR ${i} [mem 0x${r.start.toString(16).padStart(8, "0")}-0x${(r.end - 1).toString(16).padStart(8, "0")}]`),
    ];
    if (this.booted) for (const l of lines) k.printk(`\x016${l}\n`);
    else this.early.push(...lines);
    // A device plugged in while drivers are registered is probed now (hotplug).
    if (this.booted) for (const r of this.drivers) if (!p.driver && this.match(r.drv, p)) this.bind(r, p);
    return m;
  }

  private readonly warnedUndecoded = new Set<Device>();

  /** An access to a BAR whose decoding is off: all ones, like a master abort. */
  private undecoded(dev: Device, bar: number, w: number): number | bigint {
    if (!this.warnedUndecoded.has(dev)) {
      this.warnedUndecoded.add(dev);
      this.#k.printk(`\x014${dev.config.name} ${dev.name}: access to BAR ${bar} while memory decoding is off (pci_enable_device() not called): reads all ones, writes dropped\n`);
    }
    return w === 8 ? 0xffffffffffffffffn : 2 ** (8 * w) - 1;
  }

  private create(name: string): DeviceModel {
    const make = MODELS[name];
    if (!make) throw new Error(`no device model "${name}" (there are: ${Object.keys(MODELS).join(", ")})`);
    return make(this.#k);
  }

  /** The device's view of memory: routed by the DMA layer (direct, IOMMU or swiotlb). */
  private attachDma(dev: Device): void {
    this.#k.dma.attach(dev);
  }

  /** Every PCI function, in slot order. */
  get list(): readonly PciDev[] { return this.pdevs; }

  /** A device model by model name (the first of that kind) or by PCI address. */
  get<T extends DeviceModel = DeviceModel>(name: string): T {
    const p = this.pdevs.find((d) => d.model.kind === name || d.dev.name === name);
    if (!p) throw new Error(`no device "${name}" on the bus (boot with devices: ["${name}"] or k.devices.add("${name}"))`);
    return p.model as T;
  }

  pciDev(dev: Device): PciDev | undefined {
    return this.pdevs.find((p) => p.dev === dev);
  }

  /** pci_match_one_device(), over an ID table that may end with a zeroed sentinel. */
  private matchId(drv: PciDriver, p: PciDev): PciDeviceId | undefined {
    for (const id of drv.id_table) {
      if (!id.vendor && !id.subvendor && !id.class_mask) break;
      const any = (want: number | undefined, have: number) => want === undefined || want === PCI_ANY_ID || want === have;
      if (any(id.vendor, p.vendor) && any(id.device, p.device) && any(id.subvendor, p.subsystem_vendor) && any(id.subdevice, p.subsystem_device)
        && !(((id.class ?? 0) ^ p.class) & (id.class_mask ?? 0))) return id;
    }
    return undefined;
  }

  private match(drv: PciDriver, p: PciDev): boolean { return this.matchId(drv, p) !== undefined; }

  /** pci_register_driver(): probes every unbound device the ID table matches; 0 even if probes fail. */
  registerDriver(drv: PciDriver, module: Module | null): number {
    const k = this.#k;
    if (!drv || typeof drv.name !== "string" || !Array.isArray(drv.id_table) || typeof drv.probe !== "function") {
      throw new TypeError("pci_register_driver(): the argument must be a struct pci_driver with name, id_table and probe");
    }
    if (this.drivers.some((r) => r.drv.name === drv.name)) {
      k.printk(`\x013Error: Driver '${drv.name}' is already registered, aborting...\n`);
      return -EBUSY;
    }
    const r: Registration = { drv, module };
    this.drivers.push(r);
    for (const p of this.pdevs) if (!p.driver && this.match(drv, p)) this.bind(r, p);
    return 0;
  }

  private bind(r: Registration, p: PciDev): void {
    const k = this.#k, id = this.matchId(r.drv, p)!;
    p.driver = r.drv;
    p.dev.driver = r.drv;
    p.dev.boundModule = r.module;
    const ret = k.callDriver(r.module, "probe", () => r.drv.probe(p, id), r.drv.probe);
    if (typeof ret === "number" && ret < 0) {
      if (ret !== -19 && ret !== -6) k.printk(`\x013${r.drv.name} ${p.dev.name}: probe with driver ${r.drv.name} failed with error ${ret}\n`);
      k.fixSites.setupFailed(r.module ?? r.drv, r.drv.probe, ret);
      k.withModule(r.module, () => devresReleaseAll(p.dev));
      this.unbindState(p);
    }
  }

  private unbindState(p: PciDev): void {
    p.driver = null;
    p.dev.driver = null;
    p.dev.boundModule = null;
    p.dev.driver_data = null;
  }

  /** pci_unregister_driver(): remove() for each bound device, then the driver is gone. */
  unregisterDriver(drv: PciDriver): void {
    const k = this.#k;
    const i = this.drivers.findIndex((r) => r.drv === drv);
    if (i < 0) {
      k.warn(`pci_unregister_driver: driver '${drv?.name}' was never registered`, undefined);
      return;
    }
    const r = this.drivers[i];
    for (const p of this.pdevs) {
      if (p.driver !== drv) continue;
      // The remove() stays watched through the unbind's own checks: their reports name it as the place to fix.
      k.fixSites.watch(r.module ?? drv, "remove", drv.remove, drv.probe, () => {
        if (drv.remove) k.callDriver(r.module, "remove", () => drv.remove!(p));
        // devm_/pcim_/dmam_ resources go after remove(), newest first.
        k.withModule(r.module, () => devresReleaseAll(p.dev));
        for (const a of k.irqs.actions(p.irq)) {
          if (a.module === r.module && r.module) k.warn(`${drv.name} ${p.dev.name}: remove() left IRQ ${p.irq} requested ("${a.name}"): free_irq() it before the module's code goes away`, undefined);
        }
        k.dma.releaseDevice(p.dev);
      }, p.dev.name);
      this.unbindState(p);
    }
    this.drivers.splice(i, 1);
  }

  /** What a module left registered with the bus and the interrupt core (warned about at rmmod). */
  registeredBy(mod: Module): string[] {
    const out = this.drivers.filter((r) => r.module === mod).map((r) => `PCI driver '${r.drv.name}'`);
    return out;
  }

  /** pci_request_region(): the BAR is claimed by name; -EBUSY when someone already has it. */
  requestRegion(p: PciDev, bar: number, name: string): number {
    const r = p.dev.bars[bar];
    if (!r) return -EINVAL;
    if (p.regionOwners[bar] !== null) {
      this.#k.printk(`\x014${p.driver?.name ?? "pci"} ${p.dev.name}: BAR ${bar} [mem 0x${r.start.toString(16).padStart(8, "0")}-0x${(r.end - 1).toString(16).padStart(8, "0")}]: can't reserve (held by ${p.regionOwners[bar]})\n`);
      return -EBUSY;
    }
    p.regionOwners[bar] = name;
    return 0;
  }

  releaseRegion(p: PciDev, bar: number): void {
    if (bar < p.regionOwners.length) p.regionOwners[bar] = null;
  }

  /** /proc/bus/pci/devices (drivers/pci/proc.c show_device()). */
  procBusPciDevices(): string {
    const h16 = (n: number) => n.toString(16).padStart(16);
    return this.pdevs.map((p) => {
      const bars = Array.from({ length: 7 }, (_, i) => p.dev.bars[i]);
      const starts = bars.map((r) => h16(r ? r.start : 0)).join("\t");
      const lens = bars.map((r) => h16(r ? r.size : 0)).join("\t");
      return `00${p.devfn.toString(16).padStart(2, "0")}\t${hex4(p.vendor)}${hex4(p.device)}\t${p.irq.toString(16)}\t${starts}\t${lens}\t${p.driver?.name ?? ""}\n`;
    }).join("");
  }

  /** `lspci -nnk`-like text: address, IDs, IRQ, BARs and the bound driver. */
  lspci(): string {
    return this.pdevs.map((p) => [
      `${p.dev.name.slice(5)} Class [${(p.class >> 8).toString(16).padStart(4, "0")}]: Device [${hex4(p.vendor)}:${hex4(p.device)}] (rev ${p.revision.toString(16)})`,
      `\tFlags: ${p.dev.busMaster ? "bus master, " : ""}${p.dev.enabled ? "" : "disabled, "}IRQ ${p.irq}`,
      ...p.dev.bars.map((r, i) => `\tMemory at ${r.start.toString(16).padStart(8, "0")} (32-bit, ${p.model.kind === "fb" && i === 0 ? "prefetchable" : "non-prefetchable"}) [size=${sizeText(r.size)}]`),
      ...(p.driver ? [`\tKernel driver in use: ${p.driver.name}`] : []),
    ].join("\n") + "\n").join("\n");
  }
}

function hex4(n: number): string { return n.toString(16).padStart(4, "0"); }

function sizeText(n: number): string {
  return n >= 1 << 20 && n % (1 << 20) === 0 ? `${n >> 20}M` : n >= 1024 && n % 1024 === 0 ? `${n >> 10}K` : String(n);
}
