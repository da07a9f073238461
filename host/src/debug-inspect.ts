// Kernel state as JSON-safe pages for the debug adapter (through
// debug-hooks.ts's query()). Every query costs what it returns, not what the
// machine holds: frames are read by PFN range, PTEs by index range, so a
// 16 GiB machine's 4 M frames page as fast as a small one's. Reading memory
// here is an inspection, not a CPU access: no KASAN, no fault, no device
// side effect.

import { formatDmesg, hexAddr, type Kernel } from "../../sim-core/src";
import { PAGE_SIZE } from "../../sim-core/src/util/addr";
import { DIRECTION_NAMES } from "../../sim-core/src/dma/types";

const PTE_BITS: Array<[number, string]> = [
  [0x001, "P"], [0x002, "RW"], [0x004, "U"], [0x008, "PWT"], [0x010, "PCD"], [0x020, "A"], [0x040, "D"], [0x080, "PSE"], [0x100, "G"], [0x200, "SPECIAL"],
];

function pteBits(pte: number): string {
  const low = pte % PAGE_SIZE;
  return PTE_BITS.filter(([b]) => low & b).map(([, n]) => n).join("|") || "0";
}

function taskOf(k: Kernel, pid: number | undefined) {
  if (pid === undefined || pid === 0) return k.current;
  const t = k.tasks.all.get(pid);
  if (!t) throw new Error(`no process ${pid}`);
  return t;
}

/** The process and its VMAs, each with its /proc/<pid>/maps line. */
function processInfo(k: Kernel, pid?: number) {
  const t = taskOf(k, pid);
  const mm = t.mm;
  const lines = mm ? mm.maps().split("\n") : [];
  return {
    pid: t.pid, comm: t.comm, state: t.state, kthread: !mm,
    vmas: (mm?.vmas ?? []).map((v, i) => ({
      start: v.vm_start, end: v.vm_end, pgoff: v.vm_pgoff, flags: v.vm_flags, pageProt: v.vm_page_prot,
      file: v.vm_file?.path ?? v.anonName ?? null,
      ops: v.vm_ops ? Object.keys(v.vm_ops).filter((n) => typeof (v.vm_ops as Record<string, unknown>)[n] === "function") : [],
      present: [...mm!.pgtables.entries(v.vm_start, v.vm_end)].length,
      maps: lines[i] ?? "",
    })),
  };
}

/** Present pages of [start, end) in a process: user address → pfn and PTE bits, the index-th to index+count-th. */
function presentPages(k: Kernel, pid: number, start: number, end: number, index: number, count: number) {
  const mm = taskOf(k, pid).mm;
  if (!mm) return [];
  const out: Array<{ addr: number; pfn: number; pte: number; bits: string }> = [];
  let i = 0;
  for (const [addr, pte] of mm.pgtables.entries(start, end)) {
    if (i++ < index) continue;
    if (out.length >= count) break;
    out.push({ addr, pfn: Math.floor(pte / PAGE_SIZE), pte, bits: pteBits(pte) });
  }
  return out;
}

function frames(k: Kernel, start: number, count: number) {
  const out = [];
  const end = Math.min(start + count, k.profile.maxPfn);
  for (let pfn = Math.max(0, start); pfn < end; pfn++) {
    const f = k.inspect.frame(pfn);
    out.push(f ? { ...f, touched: k.memmap.owner(pfn) !== 0 || f.refcount !== 0 || f.flags.length > 0 } : { pfn, invalid: true });
  }
  return out;
}

function zones(k: Kernel) {
  const rows = k.inspect.buddyinfo().split("\n");
  return k.inspect.zones().map((z) => ({ ...z, buddyinfo: rows.find((r) => r.includes(`zone ${z.name.padStart(8)}`) || r.trimEnd().endsWith(z.name) || r.includes(`zone ${z.name} `)) ?? "" }));
}

function dmaMappings(k: Kernel) {
  const out = [];
  for (const p of k.devices.list) {
    for (const e of k.dma.state(p.dev).all) {
      out.push({
        dev: p.dev.name, driver: p.dev.driver?.name ?? null, type: e.type, handle: e.devAddr, size: e.size, dir: DIRECTION_NAMES[e.dir] ?? String(e.dir),
        phys: e.paddr, cpuAddr: e.cpuAddr, owner: e.deviceOwned ? "device" : "CPU", bounce: e.bounce, cached: e.cached,
        mappedAt: e.stack ? k.stacks.formatStack(e.stack).slice(0, 3).map((l) => l.trim()) : [],
      });
    }
  }
  return out;
}

function devices(k: Kernel) {
  return k.devices.list.map((p) => ({ name: p.dev.name, kind: p.model.kind, irq: p.dev.irq, driver: p.dev.driver?.name ?? null, live: k.dma.liveCount(p.dev), registers: p.model.registers() }));
}

// Each pool with the row mm/dmapool.c's pools_show() prints in /sys/devices/.../pools.
function dmaPools(k: Kernel) {
  return k.dma.pools.live.map((pool) => {
    const blocks = pool.pages.reduce((n, p) => n + p.inUse.size, 0);
    return {
      name: pool.name, dev: pool.dev.name, size: pool.size, boundary: pool.boundary, allocation: pool.allocation, active: pool.nrActive, blocks,
      sysfs: `${pool.name.padEnd(16)} ${String(pool.nrActive).padStart(4)} ${String(blocks).padStart(4)} ${String(pool.size).padStart(4)} ${String(pool.pages.length).padStart(2)}`,
      pages: pool.pages.map((p) => ({ vaddr: p.vaddr, dma: p.dma, phys: p.vaddr - k.profile.pageOffset, used: [...p.inUse.values()].filter(Boolean).length, blocks: p.inUse.size })),
    };
  });
}

function swiotlb(k: Kernel, max: number) {
  const t = k.dma.swiotlb, busy = t.busy();
  return { ready: t.ready, nslabs: t.nslabs, used: t.usedSlots, end: t.end, force: t.force, allocations: busy.length, slots: busy.slice(0, max) };
}

/** Physical address of an address in one of the three spaces, or undefined where nothing is mapped. */
function toPhys(k: Kernel, space: string, pid: number, addr: number): number | undefined {
  if (space === "phys") return addr >= 0 && addr < k.profile.maxPfn * PAGE_SIZE ? addr : undefined;
  if (space === "uva") {
    const mm = taskOf(k, pid).mm;
    const pte = mm?.pgtables.get(Math.floor(addr / PAGE_SIZE) * PAGE_SIZE) ?? 0;
    if (!(pte & 1)) return undefined;
    return Math.floor(pte / PAGE_SIZE) * PAGE_SIZE + (addr % PAGE_SIZE);
  }
  const w = k.inspect.walk(addr);
  return w.phys;
}

/** Bytes at an address, page by page: base64 of what is readable, and how many bytes at the end were not. */
function readMemory(k: Kernel, space: string, pid: number, addr: number, count: number) {
  const bytes = new Uint8Array(Math.max(0, Math.min(count, 1 << 20)));
  let n = 0;
  while (n < bytes.length) {
    const a = addr + n;
    const pa = toPhys(k, space, pid, a);
    if (pa === undefined || !k.memmap.pfnValid(Math.floor(pa / PAGE_SIZE))) break;
    const chunk = Math.min(bytes.length - n, PAGE_SIZE - (a % PAGE_SIZE));
    k.phys.read(pa, bytes, n, chunk);
    n += chunk;
  }
  return { data: Buffer.from(bytes.subarray(0, n)).toString("base64"), unreadable: bytes.length - n };
}

function writeMemory(k: Kernel, space: string, pid: number, addr: number, base64: string) {
  const src = new Uint8Array(Buffer.from(base64, "base64"));
  let n = 0;
  while (n < src.length) {
    const a = addr + n;
    const pa = toPhys(k, space, pid, a);
    if (pa === undefined || !k.memmap.pfnValid(Math.floor(pa / PAGE_SIZE))) break;
    const chunk = Math.min(src.length - n, PAGE_SIZE - (a % PAGE_SIZE));
    k.phys.write(pa, src, n, chunk);
    n += chunk;
  }
  return { written: n };
}

function pagewalk(k: Kernel, pid: number, addr: number) {
  if (addr < k.profile.taskSize) {
    const t = taskOf(k, pid);
    return { space: "user", pid: t.pid, levels: k.inspect.walkUser(t.pid, addr).map((l) => ({ ...l, bits: l.entry !== undefined ? pteBits(l.entry) : null })) };
  }
  return { space: "kernel", walk: k.inspect.walk(addr) };
}

/** Runs of frames in one state across [start, end): a memory-map picture without one row per frame. */
function frameRuns(k: Kernel, maxRuns: number) {
  const runs: Array<{ startPfn: number; count: number; owner: string }> = [];
  let last: { startPfn: number; count: number; owner: string } | undefined;
  k.memmap.forEachTouched((pfn) => {
    const owner = k.inspect.frame(pfn)?.owner ?? "?";
    if (last && last.owner === owner && last.startPfn + last.count === pfn) last.count++;
    else if (runs.length < maxRuns) runs.push((last = { startPfn: pfn, count: 1, owner }));
    else last = undefined;
  });
  return runs;
}

export function inspectQuery(k: Kernel, name: string, a: unknown[]): unknown {
  const num = (i: number, d = 0) => (typeof a[i] === "number" ? (a[i] as number) : d);
  switch (name) {
    case "summary": {
      const t = k.current;
      return {
        arch: k.profile.arch, memBytes: k.profile.memBytes, maxPfn: k.profile.maxPfn, pid: t.pid, comm: t.comm, taskSize: k.profile.taskSize,
        findings: k.findings.length, logLines: k.log.records().length, dmaMappings: dmaMappings(k).length, devices: k.devices.list.length,
      };
    }
    case "process": return processInfo(k, num(0) || undefined);
    case "processes": return k.inspect.processes();
    case "presentPages": return presentPages(k, num(0), num(1), num(2), num(3), num(4, 100));
    case "zones": return zones(k);
    case "frames": return frames(k, num(0), Math.min(num(1, 100), 1000));
    case "framesByOwner": return k.inspect.framesByOwner();
    case "frameRuns": return frameRuns(k, num(0, 4096));
    case "dma": return dmaMappings(k);
    case "devices": return devices(k);
    case "dmaPools": return dmaPools(k);
    case "swiotlb": return swiotlb(k, num(0, 1000));
    case "kmap": return k.inspect.kmapSlots();
    case "log": {
      const recs = k.log.records();
      return formatDmesg(recs.slice(Math.max(0, recs.length - num(0, 50)))).split("\n").filter((l) => l !== "");
    }
    case "findings": return k.findings.map((f) => ({ rule: f.rule, title: f.title, message: f.message, location: f.location ?? null, report: [...f.report], fix: f.fix ? { fn: f.fix.fn, at: f.fix.location ? `${f.fix.location.file}:${f.fix.location.line}` : null, why: f.fix.why } : null, ...(f.count ? { count: f.count } : {}) }));
    case "read": return readMemory(k, String(a[0]), num(1), num(2), num(3));
    case "write": return writeMemory(k, String(a[0]), num(1), num(2), String(a[3] ?? ""));
    case "pagewalk": return pagewalk(k, num(0), num(1));
    case "hex": return hexAddr(num(0), num(1, 8));
    default: throw new Error(`unknown kernel query "${name}"`);
  }
}
