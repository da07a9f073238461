// Inspection queries: snapshots of kernel state as plain data, for the
// debugger's Variables view, the views in the editor, and the CLI.

import { ZONE_NAMES } from "./arch/profile";
import type { Kernel } from "./kernel";
import { NR_PAGE_ORDERS } from "./mm/buddy";
import { OWNER_NAMES, Owner, type OwnerName } from "./mm/memmap";
import { flagNames } from "./mm/page-flags";
import { PAGE_SIZE } from "./util/addr";
import { describeSignal } from "./kernel/signal";
import { vmFlagNames } from "./mm/vma";
import type { WalkLevel } from "./mm/pgtable";

export interface ZoneSnapshot {
  name: string;
  startPfn: number;
  endPfn: number;
  presentPages: number;
  managedPages: number;
  freePages: number;
  watermark: { min: number; low: number; high: number };
  nrFree: number[];
}

export interface FrameSnapshot {
  pfn: number;
  phys: number;
  zone: string;
  owner: OwnerName;
  flags: string[];
  refcount: number;
  mapcount: number;
  /** Kernel logical address, 0 for high memory. */
  virt: number;
}

export interface CacheSnapshot {
  name: string;
  objectSize: number;
  slotSize: number;
  objsPerSlab: number;
  pagesPerSlab: number;
  activeObjs: number;
  numObjs: number;
  slabs: number;
}

export interface ProcessSnapshot {
  pid: number;
  comm: string;
  state: string;
  parent: number;
  exitCode: number;
  killedBy?: string;
  vmas: number;
  rssAnon: number;
  rssFile: number;
  files: Array<{ fd: number; path: string; pos: number }>;
}

export interface VmaSnapshot {
  start: number;
  end: number;
  pgoff: number;
  flags: string;
  pageProt: number;
  file: string | null;
  ops: string[];
  /** Pages with a present PTE. */
  present: number;
}

export interface AddressWalk {
  addr: number;
  region: "null" | "user" | "direct map" | "vmalloc" | "pkmap" | "fixmap" | "kernel image" | "unmapped";
  phys?: number;
  pfn?: number;
  /** What lives there: an object, an area, a page. */
  detail?: string;
}

export class Inspector {
  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  zones(): ZoneSnapshot[] {
    return this.#k.pages.zones.map((z) => ({
      name: z.name, startPfn: z.startPfn, endPfn: z.endPfn,
      presentPages: z.presentPages, managedPages: z.managedPages, freePages: z.freePages,
      watermark: { ...z.watermark }, nrFree: [...z.nrFree],
    }));
  }

  /** Heads of the free blocks of one zone and order, head of the list first. */
  freeList(zone: string, order: number, max = 64): number[] {
    const z = this.#k.pages.zones.find((x) => x.name === zone);
    if (!z || order < 0 || order >= NR_PAGE_ORDERS) return [];
    return this.#k.pages.buddy.list(z, order, max);
  }

  frame(pfn: number): FrameSnapshot | undefined {
    const k = this.#k, mm = k.memmap;
    if (!mm.pfnValid(pfn)) return undefined;
    const free = mm.owner(pfn) === Owner.Free && k.pages.buddy.freeBlockOf(pfn) !== undefined;
    return {
      pfn, phys: pfn * PAGE_SIZE, zone: ZONE_NAMES[mm.zoneOf(pfn)],
      owner: free || mm.owner(pfn) !== Owner.Free ? OWNER_NAMES[mm.owner(pfn)] : "free",
      flags: flagNames(mm.flags(pfn)), refcount: mm.refcount(pfn), mapcount: mm.mapcount(pfn),
      virt: k.highmem.pageAddress(pfn),
    };
  }

  /** Frames that are not free, grouped by owner (free frames are summarised by zones()). */
  framesByOwner(): Record<OwnerName, number> {
    const counts = Object.fromEntries(OWNER_NAMES.map((n) => [n, 0])) as Record<OwnerName, number>;
    this.#k.memmap.forEachTouched((pfn) => { counts[OWNER_NAMES[this.#k.memmap.owner(pfn)]]++; });
    counts.free = this.#k.pages.totalFreePages();
    return counts;
  }

  /** Frames with a given owner, lowest PFN first. */
  frames(owner: OwnerName, max = 256): FrameSnapshot[] {
    const out: FrameSnapshot[] = [];
    const want = OWNER_NAMES.indexOf(owner);
    this.#k.memmap.forEachTouched((pfn) => {
      if (out.length < max && this.#k.memmap.owner(pfn) === want) out.push(this.frame(pfn)!);
    });
    return out;
  }

  caches(): CacheSnapshot[] {
    return this.#k.slab.caches.map((c) => ({
      name: c.name, objectSize: c.objectSize, slotSize: c.size, objsPerSlab: c.objsPerSlab,
      pagesPerSlab: 1 << c.order, activeObjs: c.activeObjs, numObjs: c.numObjs, slabs: c.slabs.length,
    }));
  }

  kmapSlots() {
    const h = this.#k.highmem;
    return {
      pkmap: h.pkmapSlots(),
      lastPkmap: this.#k.profile.lastPkmap,
      local: h.local.map((cpu, i) => ({ cpu: i, slots: cpu.map((s, idx) => ({ idx, addr: s.addr, pfn: s.pfn, kind: s.kind })) })),
    };
  }

  vmallocAreas() {
    return this.#k.vmalloc.list().map((a) => ({ addr: a.addr, size: a.size, requested: a.requested, kind: a.kind, pfns: [...a.pfns], phys: a.phys }));
  }

  /** Where a kernel virtual address leads. */
  walk(addr: number): AddressWalk {
    const k = this.#k, p = k.profile;
    if (addr >= 0 && addr < PAGE_SIZE) return { addr, region: "null" };
    if (addr >= 0 && addr < p.taskSize) return { addr, region: "user" };
    if (addr >= p.pageOffset && addr < p.highMemory) {
      const phys = addr - p.pageOffset, pfn = Math.floor(phys / PAGE_SIZE);
      const o = k.slab.objectAt(addr);
      return { addr, region: "direct map", phys, pfn, detail: o ? `${o.cache.name} object at ${k.px(o.start)}` : OWNER_NAMES[k.memmap.owner(pfn)] };
    }
    const pfn = k.kpt.lookup(addr);
    const region = k.vmalloc.isVmallocAddr(addr) ? "vmalloc"
      : p.lastPkmap && addr >= p.pkmapBase && addr < p.pkmapBase + p.lastPkmap * PAGE_SIZE ? "pkmap"
      : addr < p.fixaddrTop && addr >= p.fixaddrTop - 64 * PAGE_SIZE ? "fixmap"
      : addr >= p.kernel.virtStart && addr < p.kernel.virtStart + k.imageSize ? "kernel image" : "unmapped";
    if (region === "kernel image") return { addr, region, phys: addr - p.kernel.virtStart + p.kernel.physStart };
    if (pfn < 0) return { addr, region: region === "vmalloc" ? "vmalloc" : "unmapped", detail: "no page table entry" };
    const a = k.vmalloc.find(addr);
    return { addr, region, phys: pfn * PAGE_SIZE + (addr % PAGE_SIZE + PAGE_SIZE) % PAGE_SIZE, pfn, detail: a ? `${a.kind} area at ${k.px(a.addr)}` : undefined };
  }

  /** Every process: pid, comm, state, how it ended, its VMA count and RSS. */
  processes(): ProcessSnapshot[] {
    return [...this.#k.tasks.all.values()].map((t) => ({
      pid: t.pid, comm: t.comm, state: t.state, parent: t.parent?.pid ?? 0,
      exitCode: t.exitCode, killedBy: t.killedBy ? describeSignal(t.killedBy) : undefined,
      vmas: t.mm?.vmas.length ?? 0, rssAnon: t.mm?.rssAnon ?? 0, rssFile: t.mm?.rssFile ?? 0,
      files: t.files.map((f, fd) => (f ? { fd, path: f.path, pos: f.f_pos } : undefined)).filter((x): x is { fd: number; path: string; pos: number } => !!x),
    }));
  }

  /** A process's VMAs, as the Variables view shows vm_area_struct. */
  vmas(pid: number): VmaSnapshot[] {
    const mm = this.#k.tasks.all.get(pid)?.mm;
    if (!mm) return [];
    return mm.vmas.map((v) => ({
      start: v.vm_start, end: v.vm_end, pgoff: v.vm_pgoff, flags: vmFlagNames(v.vm_flags), pageProt: v.vm_page_prot,
      file: v.vm_file?.path ?? v.anonName ?? null, ops: v.vm_ops ? Object.keys(v.vm_ops).filter((k) => typeof (v.vm_ops as Record<string, unknown>)[k] === "function") : [],
      present: [...mm.pgtables.entries(v.vm_start, v.vm_end)].length,
    }));
  }

  /** /proc/<pid>/maps. */
  maps(pid: number): string { return this.#k.tasks.all.get(pid)?.mm?.maps() ?? ""; }

  /** Every level of the page-table walk for a user address of a process. */
  walkUser(pid: number, addr: number): WalkLevel[] {
    return this.#k.tasks.all.get(pid)?.mm?.pgtables.walk(addr) ?? [];
  }

  buddyinfo(): string { return this.#k.pages.buddyinfo(); }
  slabinfo(): string { return this.#k.slab.slabinfo(); }
  vmallocinfo(): string { return this.#k.vmalloc.vmallocinfo(); }
  iomem(): string { return this.#k.io.iomemText(); }
  /** /proc/bus/pci/devices. */
  pciDevices(): string { return this.#k.devices.procBusPciDevices(); }
  lspci(): string { return this.#k.devices.lspci(); }
  interrupts(): string { return this.#k.irqs.procInterrupts(); }
  dma(): string { return this.#k.devices.isaDma.procDma(); }

  /** /proc/meminfo's first lines. */
  meminfo(): string {
    const k = this.#k, kb = (pages: number) => `${String(pages * (PAGE_SIZE / 1024)).padStart(8)} kB`;
    const total = k.pages.zones.reduce((s, z) => s + z.managedPages, 0);
    const free = k.pages.totalFreePages();
    const high = k.pages.zones.filter((z) => z.name === "HighMem");
    const rows: Array<[string, number]> = [["MemTotal", total], ["MemFree", free]];
    if (k.profile.arch === "i386") {
      const ht = high.reduce((s, z) => s + z.managedPages, 0), hf = high.reduce((s, z) => s + z.freePages, 0);
      rows.push(["HighTotal", ht], ["HighFree", hf], ["LowTotal", total - ht], ["LowFree", free - hf]);
    }
    const slabPages = k.slab.caches.reduce((s, c) => s + c.slabs.length * (1 << c.order), 0);
    rows.push(["Slab", slabPages], ["VmallocUsed", k.vmalloc.list().filter((a) => a.kind === "vmalloc").reduce((s, a) => s + a.pfns.length, 0)]);
    return rows.map(([n, v]) => `${(n + ":").padEnd(16)}${kb(v)}\n`).join("");
  }
}
