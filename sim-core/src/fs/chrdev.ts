// fs/char_dev.c and drivers/char/misc.c: device numbers, cdevs, misc
// devices, the device nodes under /dev, and what open() does with them.

import type { Kernel } from "../kernel";
import type { Module } from "../kernel/module";
import type { Ref } from "../util/ref";
import { File, Inode, MAJOR, MINOR, MINORMASK, MKDEV, O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY, FMODE_READ, FMODE_WRITE, S_IFCHR, type dev_t, type file_operations } from "./file";

const EBUSY = 16, EINVAL = 22, ENXIO = 6, ENOENT = 2, ENODEV = 19, EEXIST = 17;
export const MISC_MAJOR = 10;
/** MISC_DYNAMIC_MINOR (255): misc_register() picks a free minor for the device. */
export const MISC_DYNAMIC_MINOR = 255;
const CHRDEV_MAJOR_MAX = 512, CHRDEV_MAJOR_DYN_END = 234, CHRDEV_MAJOR_DYN_EXT_START = 511, CHRDEV_MAJOR_DYN_EXT_END = 384;
const DYNAMIC_MINORS = 128;

/** struct cdev. */
export class Cdev {
  /** cdev->ops: the struct file_operations that open() installs on the file. */
  ops: file_operations | null = null;
  /** cdev->owner: the module pinned while a file of this cdev is open (THIS_MODULE). */
  owner: Module | null = null;
  /** cdev->dev: the first dev_t (major, minor) of the range cdev_add() registered. */
  dev: dev_t = 0;
  /** cdev->count: how many consecutive minors the cdev covers. */
  count = 0;
}

/** struct miscdevice. */
export interface MiscDevice {
  /** misc->minor: the minor under major 10, or MISC_DYNAMIC_MINOR to have one chosen. */
  minor: number;
  /** misc->name: the device's name; also its /dev node unless nodename is set. */
  name: string;
  /** misc->fops: the file_operations of the device. */
  fops: file_operations;
  /** misc->nodename: the /dev node name, when it differs from name. */
  nodename?: string;
  /** misc->mode: the /dev node's permissions (umode_t). */
  mode?: number;
}

interface Region { major: number; baseminor: number; count: number; name: string; cdev: Cdev | null; module: Module | null }

/** Majors the machine already has, as /proc/devices lists them on a PC. */
const STANDARD = [[1, "mem"], [4, "/dev/vc/0"], [4, "tty"], [5, "/dev/tty"], [5, "/dev/console"], [5, "/dev/ptmx"], [7, "vcs"], [10, "misc"], [13, "input"], [136, "pts"], [226, "drm"]] as const;

export class CharDevices {
  private readonly regions: Region[] = [];
  private readonly cdevs: Array<{ dev: dev_t; count: number; cdev: Cdev; module: Module | null }> = [];
  readonly nodes = new Map<string, Inode>();
  private readonly miscMinors = new Set<number>();
  private readonly misc = new Map<number, { dev: MiscDevice; module: Module | null }>();

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    for (const [major, name] of STANDARD) this.regions.push({ major, baseminor: 0, count: 256, name, cdev: null, module: null });
  }

  private overlaps(major: number, baseminor: number, count: number): Region | undefined {
    return this.regions.find((r) => r.major === major && r.baseminor < baseminor + count && baseminor < r.baseminor + r.count && r.module !== null);
  }

  /** find_dynamic_major(): the highest free major below 255, then the extended range. */
  private dynamicMajor(): number {
    const used = new Set(this.regions.map((r) => r.major));
    for (let m = 254; m >= CHRDEV_MAJOR_DYN_END; m--) if (!used.has(m)) return m;
    for (let m = CHRDEV_MAJOR_DYN_EXT_START; m >= CHRDEV_MAJOR_DYN_EXT_END; m--) if (!used.has(m)) return m;
    return -EBUSY;
  }

  /** __register_chrdev_region(): the major, or -errno. */
  private region(major: number, baseminor: number, count: number, name: string): Region | number {
    if (major >= CHRDEV_MAJOR_MAX || major < 0 || count <= 0 || baseminor + count - 1 > MINORMASK) return -EINVAL;
    if (major === 0) {
      major = this.dynamicMajor();
      if (major < 0) return major;
    } else if (this.overlaps(major, baseminor, count)) return -EBUSY;
    const r: Region = { major, baseminor, count, name, cdev: null, module: this.#k.currentModule };
    this.regions.push(r);
    return r;
  }

  registerChrdevRegion(from: dev_t, count: number, name: string): number {
    const r = this.region(MAJOR(from), MINOR(from), count, name);
    return typeof r === "number" ? r : 0;
  }

  allocChrdevRegion(dev: Ref<dev_t>, baseminor: number, count: number, name: string): number {
    const r = this.region(0, baseminor, count, name);
    if (typeof r === "number") return r;
    dev.value = MKDEV(r.major, baseminor);
    return 0;
  }

  unregisterChrdevRegion(from: dev_t, count: number): void {
    const i = this.regions.findIndex((r) => r.major === MAJOR(from) && r.baseminor === MINOR(from) && r.count === count && r.module !== null);
    if (i >= 0) this.regions.splice(i, 1);
  }

  /** register_chrdev(): 256 minors with one set of fops; returns the major (dynamic when 0). */
  registerChrdev(major: number, name: string, fops: file_operations): number {
    const r = this.region(major, 0, 256, name);
    if (typeof r === "number") return r;
    const cdev = new Cdev();
    cdev.ops = fops;
    cdev.owner = fops.owner ?? null;
    r.cdev = cdev;
    this.cdevAdd(cdev, MKDEV(r.major, 0), 256);
    return major === 0 ? r.major : 0;
  }

  unregisterChrdev(major: number, name: string): void {
    const i = this.regions.findIndex((r) => r.major === major && r.baseminor === 0 && r.count === 256 && r.module !== null);
    if (i < 0) return;
    const [r] = this.regions.splice(i, 1);
    if (r.cdev) this.cdevDel(r.cdev);
    void name;
  }

  cdevInit(cdev: Cdev, fops: file_operations): void {
    cdev.ops = fops;
    cdev.owner = fops.owner ?? null;
  }

  cdevAdd(cdev: Cdev, dev: dev_t, count: number): number {
    if (count <= 0) return -EINVAL;
    cdev.dev = dev;
    cdev.count = count;
    this.cdevs.push({ dev, count, cdev, module: this.#k.currentModule });
    return 0;
  }

  cdevDel(cdev: Cdev): void {
    const i = this.cdevs.findIndex((c) => c.cdev === cdev);
    if (i >= 0) this.cdevs.splice(i, 1);
  }

  lookup(dev: dev_t): Cdev | undefined {
    for (let i = this.cdevs.length - 1; i >= 0; i--) {
      const c = this.cdevs[i];
      if (dev >= c.dev && dev < c.dev + c.count) return c.cdev;
    }
    return undefined;
  }

  /** misc_register(): a dynamic minor counts down from 127; the node appears in /dev at once. */
  miscRegister(m: MiscDevice): number {
    let minor = m.minor;
    if (minor === MISC_DYNAMIC_MINOR) {
      minor = -1;
      for (let i = DYNAMIC_MINORS - 1; i >= 0; i--) if (!this.miscMinors.has(i)) { minor = i; break; }
      if (minor < 0) return -EBUSY;
      m.minor = minor;
    } else if (this.miscMinors.has(minor)) return -EBUSY;
    const path = `/dev/${m.nodename ?? m.name}`;
    if (this.nodes.has(path)) return -EEXIST;
    this.miscMinors.add(minor);
    this.misc.set(minor, { dev: m, module: this.#k.currentModule });
    this.nodes.set(path, new Inode(this.#k.nextId("ino"), MKDEV(MISC_MAJOR, minor), S_IFCHR | (m.mode ?? 0o600)));
    return 0;
  }

  miscDeregister(m: MiscDevice): void {
    if (!this.misc.has(m.minor)) return;
    this.misc.delete(m.minor);
    this.miscMinors.delete(m.minor);
    this.nodes.delete(`/dev/${m.nodename ?? m.name}`);
  }

  /** mknod(path, S_IFCHR, dev), as a load script does after insmod. */
  mknod(path: string, dev: dev_t, mode = 0o666): number {
    if (this.nodes.has(path)) return -EEXIST;
    if (!path.startsWith("/dev/")) return -ENOENT;
    this.nodes.set(path, new Inode(this.#k.nextId("ino"), dev, S_IFCHR | mode));
    return 0;
  }

  unlink(path: string): number {
    return this.nodes.delete(path) ? 0 : -ENOENT;
  }

  /** chrdev_open() and misc_open(): a File, or -errno. */
  open(path: string, flags: number): File | number {
    const k = this.#k;
    const inode = this.nodes.get(path);
    if (!inode) return -ENOENT;
    let fops: file_operations | null = null, module: Module | null = null;
    if (MAJOR(inode.i_rdev) === MISC_MAJOR && this.misc.has(MINOR(inode.i_rdev))) {
      const m = this.misc.get(MINOR(inode.i_rdev))!;
      fops = m.dev.fops;
      module = m.dev.fops.owner ?? m.module;
    } else {
      const cdev = this.lookup(inode.i_rdev);
      if (!cdev?.ops) return -ENXIO;
      inode.i_cdev = cdev;
      fops = cdev.ops;
      module = cdev.owner ?? this.cdevs.find((c) => c.cdev === cdev)?.module ?? null;
    }
    const owner = fops.owner ?? null;
    if (owner && owner.state !== "live") return -ENODEV;
    const acc = flags & O_ACCMODE;
    const mode = acc === O_RDONLY ? FMODE_READ : acc === O_WRONLY ? FMODE_WRITE : acc === O_RDWR ? FMODE_READ | FMODE_WRITE : 0;
    const file = new File(k.nextId("file"), path, inode, fops, flags, mode);
    file.module = module;
    if (owner) owner.refcnt++;
    if (fops.open) {
      const ret = k.callDriver(module, "open", () => fops!.open!(inode, file), fops.open);
      if (typeof ret === "number" && ret < 0) {
        if (owner) owner.refcnt--;
        return ret;
      }
    }
    k.events.emit({ type: "file_open", path, file: file.id });
    return file;
  }

  /** What a module registered and has not unregistered, described for the unload report. */
  registeredBy(m: Module): string[] {
    const out: string[] = [];
    for (const r of this.regions) if (r.module === m) out.push(`char device region ${r.major}:${r.baseminor} (${r.count} minors, "${r.name}")`);
    for (const c of this.cdevs) if (c.module === m) out.push(`cdev ${MAJOR(c.dev)}:${MINOR(c.dev)}`);
    for (const [minor, e] of this.misc) if (e.module === m) out.push(`misc device /dev/${e.dev.nodename ?? e.dev.name} (10:${minor})`);
    return out;
  }

  /** /proc/devices (character devices). */
  procDevices(): string {
    const seen = new Set<string>();
    const rows = [...this.regions].sort((a, b) => a.major - b.major).filter((r) => {
      const key = `${r.major} ${r.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return "Character devices:\n" + rows.map((r) => `${String(r.major).padStart(3)} ${r.name}\n`).join("");
  }
}
