// The kernel side of a debug session, inside the driver host. While the host
// is paused at a breakpoint its main thread serves no stdin, so the debug
// adapter reaches kernel state through the inspector: it calls the functions
// of one host-realm object (globalThis.__faultlineDebug) with
// Runtime.callFunctionOn and returnByValue, and gets JSON-safe pages back.
// Only the parent holds the inspector pipes; the driver's realm cannot name
// the object (its globals are its own), so this gives a driver nothing.
//
// Kernel events the adapter watches call trap(): the adapter holds a CDP
// breakpoint in it, hides these frames and presents the event.

import { getRule, hexAddr, type Kernel, type KernelEvent } from "../../sim-core/src";
import { API_MODULES } from "./api-modules";
import { inspectQuery } from "./debug-inspect";
import type { BundleData } from "./protocol";

export const DEBUG_GLOBAL = "__faultlineDebug";

/** The event a trap stopped at, as the adapter reads it. */
export interface TrapEvent {
  /** The filter it falls under (protocol.ts KERNEL_EVENT_FILTERS). */
  readonly kind: string;
  readonly description: string;
  readonly fields: Record<string, string | number | boolean | null>;
  readonly seq: number;
}

/** Which kernel event types each filter covers. */
const FILTER_TYPES: Record<string, readonly KernelEvent["type"][]> = {
  page_fault: ["page_fault"], mmap: ["vma_add", "vma_remove"], dma_map: ["dma_map", "dma_unmap"], dma_sync: ["dma_sync"],
  dma_transfer: ["dma_transfer"], irq: ["irq"], violation: ["violation"], oops: ["oops"],
};

let kernel: Kernel | undefined;
let watched = new Set<string>();
/** Data breakpoints: physical ranges [start, end) whose writes stop the run, by the CPU or by a device's DMA. */
let dataRanges: Array<{ start: number; end: number; id: string }> = [];
let dataUnsubscribe: (() => void) | undefined;
let unsubscribe: (() => void) | undefined;
let stopped: TrapEvent | undefined;

/** The adapter holds a breakpoint here (Debugger.setBreakpointOnFunctionCall): it pauses on entry, so the event is set before the call. */
function faultlineKernelEvent(e: TrapEvent): TrapEvent {
  return e;
}

function subscribe(): void {
  unsubscribe?.();
  unsubscribe = undefined;
  if (!kernel || !watched.size) return;
  const types = new Map<string, string>();
  for (const f of watched) for (const t of FILTER_TYPES[f] ?? []) types.set(t, f);
  const k = kernel;
  unsubscribe = k.events.on((e) => {
    const kind = types.get(e.type);
    if (!kind) return;
    stopped = describe(k, kind, e);
    faultlineKernelEvent(stopped);
    stopped = undefined;
  });
}

function taskOfMm(k: Kernel, mmId: number) {
  if (k.current.mm?.id === mmId) return k.current;
  for (const t of k.tasks.all.values()) if (t.mm?.id === mmId) return t;
  return undefined;
}

/** The /proc/<pid>/maps line of the VMA holding addr, without its padding. */
function vmaLine(k: Kernel, mmId: number, addr: number): string | null {
  const t = taskOfMm(k, mmId);
  const mm = t?.mm;
  if (!mm) return null;
  const i = mm.vmas.findIndex((v) => addr >= v.vm_start && addr < v.vm_end);
  if (i < 0) return null;
  const line = mm.maps().split("\n")[i] ?? "";
  // "start-end perms pgoff dev ino      name": the range, perms and name read best in a one-line stop.
  const parts = line.trim().split(/\s+/);
  return parts.length >= 6 ? `${parts[0]} ${parts[1]} ${parts.slice(5).join(" ")}` : `${parts[0]} ${parts[1] ?? ""}`.trim();
}

function describe(k: Kernel, kind: string, e: KernelEvent): TrapEvent {
  const hx = (n: number) => "0x" + hexAddr(n, 1);
  const task = k.current;
  switch (e.type) {
    case "page_fault": {
      const t = taskOfMm(k, e.mm);
      const vma = vmaLine(k, e.mm, e.addr);
      return {
        kind, seq: e.seq,
        description: `Page fault (${e.write ? "write" : "read"}) at ${hx(e.addr)}${vma ? ` in ${vma}` : " outside any VMA"}`,
        fields: { address: e.addr, write: e.write, present: e.present, vma, pid: t?.pid ?? task.pid, comm: t?.comm ?? task.comm },
      };
    }
    case "vma_add": case "vma_remove": {
      const t = taskOfMm(k, e.mm);
      const op = e.type === "vma_add" ? "mmap" : "munmap";
      const file = e.type === "vma_add" ? e.file : null;
      return {
        kind, seq: e.seq,
        description: `${op} ${hexAddr(e.start, 8)}-${hexAddr(e.end, 8)}${file ? ` ${file}` : ""} (pid ${t?.pid ?? task.pid})`,
        fields: { op, start: e.start, end: e.end, file, pid: t?.pid ?? task.pid, comm: t?.comm ?? task.comm },
      };
    }
    case "dma_map": case "dma_unmap": {
      const fn = e.type === "dma_map" ? `dma_map_${e.kind}` : `dma_unmap_${e.kind}`;
      return {
        kind, seq: e.seq,
        description: `${fn}(${e.dev}, ${hx(e.busAddr)}, ${e.size}, ${e.dir})`,
        fields: { op: e.type === "dma_map" ? "map" : "unmap", dev: e.dev, handle: e.busAddr, phys: e.type === "dma_map" ? e.phys : null, size: e.size, dir: e.dir, kind: e.kind },
      };
    }
    case "dma_sync":
      return {
        kind, seq: e.seq,
        description: `dma_sync_single_for_${e.forCpu ? "cpu" : "device"}(${e.dev}, ${hx(e.busAddr)}, ${e.size}, ${e.dir})`,
        fields: { dev: e.dev, handle: e.busAddr, size: e.size, dir: e.dir, forCpu: e.forCpu },
      };
    case "dma_transfer":
      return {
        kind, seq: e.seq,
        description: `${e.dev}: device DMA ${e.write ? "write to memory" : "read from memory"} of ${e.size} bytes at ${hx(e.busAddr)}`,
        fields: { dev: e.dev, handle: e.busAddr, size: e.size, write: e.write },
      };
    case "irq":
      return { kind, seq: e.seq, description: `Interrupt ${e.irq}${e.handled ? "" : " (not handled)"}`, fields: { irq: e.irq, handled: e.handled } };
    case "violation":
      return { kind, seq: e.seq, description: `${e.rule}: ${getRule(e.rule)?.title ?? e.message}`, fields: { rule: e.rule, message: e.message, report: e.report.join("\n") } };
    case "oops":
      return { kind, seq: e.seq, description: `Oops: ${e.message}`, fields: { message: e.message, address: e.address, report: e.report.join("\n") } };
    default:
      return { kind, seq: e.seq, description: e.type, fields: {} };
  }
}

function hitRange(pa: number, len: number) {
  return dataRanges.find((r) => pa < r.end && pa + len > r.start);
}

/** The physical address a device's bus address stands for, through the live mapping that covers it. */
function busToPhys(k: Kernel, devName: string, bus: number): number | undefined {
  const p = k.devices.list.find((d) => d.dev.name === devName);
  if (!p) return undefined;
  for (const e of k.dma.state(p.dev).all) if (bus >= e.devAddr && bus < e.devAddr + e.size) return e.paddr + (bus - e.devAddr);
  return undefined;
}

function watchData(): void {
  const k = kernel;
  dataUnsubscribe?.();
  dataUnsubscribe = undefined;
  if (!k) return;
  const hx = (n: number) => "0x" + hexAddr(n, 1);
  if (!dataRanges.length) { k.mem.onWrite = undefined; return; }
  k.mem.onWrite = (pa, len) => {
    const r = hitRange(pa, len);
    if (!r) return;
    stopped = { kind: "data", seq: k.events.lastSeq, description: `CPU write of ${len} byte${len === 1 ? "" : "s"} at phys ${hx(pa)} (data breakpoint ${r.id})`, fields: { by: "CPU", phys: pa, size: len, breakpoint: r.id } };
    faultlineKernelEvent(stopped);
    stopped = undefined;
  };
  dataUnsubscribe = k.events.on((e) => {
    if (e.type !== "dma_transfer" || !e.write) return;
    const pa = busToPhys(k, e.dev, e.busAddr);
    if (pa === undefined) return;
    const r = hitRange(pa, e.size);
    if (!r) return;
    stopped = { kind: "data", seq: e.seq, description: `${e.dev}: device DMA write of ${e.size} bytes at phys ${hx(pa)} (bus ${hx(e.busAddr)}; data breakpoint ${r.id})`, fields: { by: e.dev, phys: pa, handle: e.busAddr, size: e.size, breakpoint: r.id } };
    faultlineKernelEvent(stopped);
    stopped = undefined;
  });
}

/** Kernel API functions by name, for function breakpoints (dma_sync_single_for_cpu, remap_pfn_range…). */
function apiFunction(name: string): ((...a: unknown[]) => unknown) | undefined {
  for (const [, mod] of API_MODULES) {
    const v = (mod as Record<string, unknown>)[name];
    if (typeof v === "function") return v as (...a: unknown[]) => unknown;
  }
  return undefined;
}

/**
 * Installed when a debug run's request arrives, before the run starts: the adapter sets its watches
 * first, and reads the bundles' source maps from here rather than bundling the driver a second time.
 */
export function installDebugApi(run?: { driver: BundleData; scenario: BundleData }): void {
  if (Object.prototype.hasOwnProperty.call(globalThis, DEBUG_GLOBAL)) return;
  const bundles = run ? [run.driver, run.scenario] : [];
  const api = Object.freeze({
    /** The run's bundles as the parent built them: filename, code, source map. */
    bundles(): BundleData[] { return bundles; },
    trap: faultlineKernelEvent,
    /** Watch these filters (replaces the set). */
    watch(kinds: string[]): void { watched = new Set(kinds.filter((x) => x in FILTER_TYPES)); subscribe(); },
    /** The event being stopped at (inside trap), or null. */
    event(): TrapEvent | null { return stopped ?? null; },
    booted(): boolean { return kernel !== undefined; },
    /** Data breakpoints on physical ranges (replaces the set). */
    watchData(ranges: Array<{ start: number; end: number; id: string }>): void { dataRanges = ranges.map((r) => ({ start: Number(r.start), end: Number(r.end), id: String(r.id) })); watchData(); },
    fn: apiFunction,
    /** JSON-safe kernel state; see debug-inspect.ts. */
    query(name: string, args: unknown[]): unknown {
      if (!kernel) throw new Error("the kernel has not booted yet");
      return inspectQuery(kernel, name, args);
    },
  });
  Object.defineProperty(globalThis, DEBUG_GLOBAL, { value: api, enumerable: false, writable: false, configurable: false });
}

/** The run's kernel has booted: watches apply to it from now on. */
export function debugKernel(k: Kernel): void {
  kernel = k;
  subscribe();
  watchData();
}
