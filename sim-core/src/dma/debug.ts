// The DMA API checker, after kernel/dma/debug.c (CONFIG_DMA_API_DEBUG): an
// entry per live mapping with the stack it was mapped at, and the checks
// dma-debug makes at unmap, sync and unbind, reported in its words
// ("DMA-API: <driver> <device>: ..." in a WARN block, then "Mapped at:").
// The checks that go beyond dma-debug (DMA001 CPU access to a device-owned
// buffer, DMA022 uninitialised bytes, DMA025 missing syncs on a non-coherent
// device) report through the same options.
//
// Options, as dma-debug's debugfs knobs: `enabled` (the whole checker; off,
// mappings keep no stack and nothing but the DMA layer's own warnings is
// reported), `allErrors` (all_errors; on by default here, where Linux shows
// only the first error until told otherwise), `driverFilter` (driver_filter:
// only report for devices bound to that driver name).

import type { Ownership } from "./ownership";
import type { Kernel } from "../kernel";
import type { CapturedStack, StackToken, StackTracker } from "../kernel/stack";
import type { FixSite } from "../kernel/fixsite";
import type { Device } from "../dev/device";
import type { RuleId } from "../rules/catalogue";
import type { Scatterlist } from "./scatterlist";
import { DIRECTION_NAMES, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, type DmaDirection } from "./types";

export type EntryType = "single" | "page" | "sg" | "coherent";

/** dma-debug's type2name (with the older "page" kept for dma_map_page mappings). */
export const TYPE_NAMES: Record<EntryType, string> = { single: "single", page: "page", sg: "scatter-gather", coherent: "coherent" };

/** Bits of DmaEntry.reported: what was already said about this mapping. */
export const R_CPU_ACCESS = 1, R_UNINIT = 2, R_STALE_CPU = 4, R_STALE_DEV = 8, R_MAP_ERR = 16, R_CACHELINE = 32;

export interface SgGroup {
  readonly head: Scatterlist;
  readonly entries: DmaEntry[];
  readonly nents: number;
  readonly mapped: number;
  readonly dir: DmaDirection;
  readonly iovaPfn: number;
  /** The call that mapped it (dma_map_sg or dma_map_sgtable): findings name the driver's own interface. */
  readonly mapFn?: string;
}

/**
 * struct dma_debug_entry, plus what the simulator needs to undo the mapping.
 * A class, not a literal: one is made per map, and the stacks it keeps (the
 * map's, the latest sync's) are held as StackTokens, numbers on demand, made
 * into CapturedStacks only when something reads them; the latest sync is
 * kept in fields of the entry, not an object per sync.
 */
export class DmaEntry {
  mapErrChecked = false;
  /** R_* bits: what was already said about this mapping. */
  reported = 0;
  #stack: StackToken;
  readonly #stacks: StackTracker;
  #syncFn: string | undefined = undefined;
  #syncOff = 0;
  #syncN = 0;
  #syncForCpu = false;
  #syncStack: StackToken = undefined;

  constructor(
    readonly dev: Device,
    readonly type: EntryType,
    readonly devAddr: number,
    readonly size: number,
    readonly dir: DmaDirection,
    /** Physical address of the CPU buffer (the original, when bounced). */
    readonly paddr: number,
    /** dma_alloc_coherent()'s CPU address, or the address dma_map_single() was given; 0 otherwise. */
    readonly cpuAddr: number,
    readonly bounce: boolean,
    /** Start of the entry's own IOVA range (-1: none, or the sg group's). */
    readonly iovaPfn: number,
    readonly group: SgGroup | null,
    /** Coherent allocations: the page block. */
    readonly order: number,
    /** The CPU cache model applies: a non-coherent device, not bounced. */
    readonly cached: boolean,
    /** Which bytes the device owns (map/for_device) and which the CPU (for_cpu), per range. */
    readonly owner: Ownership,
    stack: StackToken,
    stacks: StackTracker,
  ) {
    this.#stack = stack;
    this.#stacks = stacks;
  }

  /** "Mapped at". */
  get stack(): CapturedStack | undefined {
    const t = this.#stack;
    if (typeof t !== "number") return t;
    return (this.#stack = this.#stacks.stackOf(t));
  }

  /** The device owns some byte of it (what a debugger shows as the mapping's owner). */
  get deviceOwned(): boolean { return this.owner.anyDevice(0, this.size); }

  /** The driver's latest sync of this entry, by the call it made: which call its fix advice names, and where. */
  get lastSync(): LastSync | undefined {
    const fn = this.#syncFn;
    if (fn === undefined) return undefined;
    const t = this.#syncStack;
    if (typeof t === "number") this.#syncStack = this.#stacks.stackOf(t);
    return { fn, off: this.#syncOff, n: this.#syncN, forCpu: this.#syncForCpu, stack: this.#syncStack as CapturedStack | undefined };
  }

  noteSync(fn: string, off: number, n: number, forCpu: boolean, stack: StackToken): void {
    this.#syncFn = fn;
    this.#syncOff = off;
    this.#syncN = n;
    this.#syncForCpu = forCpu;
    this.#syncStack = stack;
  }
}

export interface LastSync {
  /** The API call as the driver wrote it (dma_sync_single_range_for_cpu, dma_sync_sg_for_device…). */
  readonly fn: string;
  /** The bytes of the entry it covered. */
  readonly off: number;
  readonly n: number;
  readonly forCpu: boolean;
  readonly stack: CapturedStack | undefined;
}

export function dirName(dir: number): string {
  return DIRECTION_NAMES[dir as DmaDirection] ?? String(dir);
}

export function validDirection(dir: unknown): dir is DmaDirection {
  return dir === DMA_BIDIRECTIONAL || dir === DMA_TO_DEVICE || dir === DMA_FROM_DEVICE;
}

/** "0x%016llx" of a dma_addr_t (DMA_MAPPING_ERROR prints as all ones). */
export function hexDma(a: number): string {
  return "0x" + BigInt.asUintN(64, BigInt(Math.trunc(a))).toString(16).padStart(16, "0");
}

/** dev_driver_string(): the bound driver's name, else the device model's. */
export function driverName(dev: Device): string {
  const drv = (dev as { driver?: { name?: unknown } | null }).driver;
  if (drv && typeof drv.name === "string") return drv.name;
  const m = dev.boundModule as { name?: unknown } | null;
  return m && typeof m.name === "string" ? m.name : dev.config.name;
}

export function devPrefix(dev: Device): string {
  return `${driverName(dev)} ${dev.name}`;
}

export class DmaDebug {
  /** CONFIG_DMA_API_DEBUG. */
  enabled = true;
  /** all_errors: report every error (true) or only the first (false, Linux's default). */
  allErrors = true;
  /** driver_filter: only report for this driver (null: all). */
  driverFilter: string | null = null;
  /**
   * Capture the "Mapped at" stack of every mapping (CONFIG_STACKTRACE). It is
   * most of the checker's cost: a V8 stack capture costs microseconds, the
   * checks themselves tens of nanoseconds. Off, reports say where the bad
   * call was made but not where the buffer was mapped. Also off when the
   * kernel was booted with trackStacks: false.
   */
  recordStacks = true;
  /** Track uninitialised bytes for DMA022 (needs `enabled`). */
  initTracking = true;
  /** error_count. */
  errorCount = 0;
  private shown = 0;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** Whether a report for this device would be shown (counts the error either way). */
  private admit(dev: Device): boolean {
    this.errorCount++;
    if (this.driverFilter !== null && driverName(dev) !== this.driverFilter) return false;
    if (!this.allErrors && this.shown > 0) return false;
    this.shown++;
    return true;
  }

  /** err_printk(): a WARN with "DMA-API: <driver> <device>: text", then the entry's "Mapped at:" stack. */
  err(rule: RuleId, dev: Device, entry: DmaEntry | null, text: string, params: Record<string, string | number>, extra: string[] = [], fixSite?: FixSite | ((stack: CapturedStack | undefined) => FixSite | undefined)): void {
    if (!this.admit(dev)) return;
    const k = this.#k, stack = k.stacks.capture();
    const fix = typeof fixSite === "function" ? fixSite(stack) : fixSite;
    this.#k.violation({
      rule,
      params,
      report: [
        "------------[ cut here ]------------",
        `DMA-API: ${devPrefix(dev)}: ${text}`,
        ...extra,
        `WARNING: CPU: 0 PID: ${k.current.pid} at ${k.stacks.symbol(stack)}`,
        "Call Trace:", ...k.stacks.formatStack(stack),
        "---[ end trace 0000000000000000 ]---",
        ...this.mappedAt(entry),
      ],
      stack,
      ...(fix ? { fix } : {}),
    });
  }

  /** A report in the simulator's own words (the checks beyond dma-debug), with the same options. */
  note(rule: RuleId, dev: Device, entry: DmaEntry | null, lines: string[], params: Record<string, string | number>, stack?: CapturedStack, fix?: (stack: CapturedStack | undefined) => FixSite | undefined): void {
    if (!this.admit(dev)) return;
    const k = this.#k;
    stack ??= k.stacks.capture();
    const site = fix?.(stack);
    k.violation({ rule, params, report: [...lines, "Call Trace:", ...k.stacks.formatStack(stack), ...this.mappedAt(entry)], stack, ...(site ? { fix: site } : {}) });
  }

  mappedAt(entry: DmaEntry | null): string[] {
    if (!entry) return [];
    return ["Mapped at:", ...(entry.stack || this.recordStacks ? this.#k.stacks.formatStack(entry.stack) : [" (not recorded: k.dma.debug.recordStacks is off)"])];
  }
}
