// Section 2: alloc/free throughput, and what stacks cost there (issue 14):
// alloc_pages/__free_pages and kmalloc/kfree through the driver API, with
// stacks off, on demand and captured at every call, against a plain JS
// allocator running the same op sequence.
//
//   node out/bench/alloc.js [--quick] [--ops N] [--rounds N] [--sets N] [--json FILE]

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Kernel, bindKernel } from "../sim-core/src";
import { GFP_KERNEL, __free_pages, alloc_pages } from "../sim-core/src/api/linux/gfp";
import { kfree, kmalloc } from "../sim-core/src/api/linux/slab";
import type { Page } from "../sim-core/src/mm/memmap";
import { mulberry32 } from "../sim-core/src/util/prng";
import { allPasses, interleave, isPassChild, median, passChildArgs, roundRatio, servePasses, type PassSample } from "./passes";

/** Stacks on (recorded on demand) against stacks off, same workload, same run (issue 14). */
export const TARGET_STACKS_RATIO = 1.5;

const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

const SLOTS = 1024;

/**
 * A fixed op sequence, drawn before timing so the generator's cost is not
 * measured: op i toggles slot[i] — allocates with param[i] if the slot is
 * empty, frees it otherwise. About half the slots stay live, so allocs and
 * frees interleave rather than running in bursts.
 */
interface Workload { slot: Uint16Array; param: Uint16Array }

function workload(n: number, seed: number, param: (r: () => number) => number): Workload {
  const r = mulberry32(seed);
  const w = { slot: new Uint16Array(n), param: new Uint16Array(n) };
  for (let i = 0; i < n; i++) { w.slot[i] = r() % SLOTS; w.param[i] = param(r); }
  return w;
}

/** Size classes of kmalloc, for the reference allocator to bin into as SLUB does. */
const KMALLOC_CLASSES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096];
const classOf = (size: number) => { let c = 0; while (KMALLOC_CLASSES[c] < size) c++; return c; };

/**
 * The reference: what any allocator must at least do per op — pop or push a
 * per-class free list, and record the live allocation in a Map (the cheapest
 * stand-in for page_owner / object metadata). It has no checks, no KASAN and
 * no struct page, so sim/ref reads as "the price of everything Faultline checks".
 */
class RefAllocator {
  private readonly free: number[][];
  private readonly live = new Map<number, { cls: number; seq: number }>();
  private next = 0;
  private seq = 0;
  constructor(private readonly sizeOf: (cls: number) => number, classes: number) {
    this.free = Array.from({ length: classes }, () => []);
  }
  alloc(cls: number): number {
    const h = this.free[cls].pop() ?? (this.next += this.sizeOf(cls));
    this.live.set(h, { cls, seq: ++this.seq });
    return h;
  }
  release(h: number): void {
    const rec = this.live.get(h)!;
    this.live.delete(h);
    this.free[rec.cls].push(h);
  }
}

/** Runs ops [0, n) and leaves every slot empty; returns the time of the ops alone. */
type Runner = (w: Workload) => number;

function refPages(): Runner {
  const a = new RefAllocator((o) => 1 << o, 4);
  return (w) => {
    const live = new Int32Array(SLOTS).fill(-1);
    const t0 = performance.now();
    for (let i = 0; i < w.slot.length; i++) {
      const s = w.slot[i];
      if (live[s] < 0) live[s] = a.alloc(w.param[i]);
      else { a.release(live[s]); live[s] = -1; }
    }
    const ms = performance.now() - t0;
    for (const h of live) if (h >= 0) a.release(h);
    return ms;
  };
}

function refKmalloc(): Runner {
  const a = new RefAllocator((c) => KMALLOC_CLASSES[c], KMALLOC_CLASSES.length);
  return (w) => {
    const live = new Int32Array(SLOTS).fill(-1);
    const t0 = performance.now();
    for (let i = 0; i < w.slot.length; i++) {
      const s = w.slot[i];
      if (live[s] < 0) live[s] = a.alloc(classOf(w.param[i]));
      else { a.release(live[s]); live[s] = -1; }
    }
    const ms = performance.now() - t0;
    for (const h of live) if (h >= 0) a.release(h);
    return ms;
  };
}

// The simulator is driven through the driver API (alloc_pages, kmalloc…), as a
// driver calls it, so argument checks and stack capture are in the figure.
function simPages(k: Kernel): Runner {
  return (w) => {
    bindKernel(k);
    const live: Array<Page | null> = new Array(SLOTS).fill(null);
    const order = new Uint8Array(SLOTS);
    const t0 = performance.now();
    for (let i = 0; i < w.slot.length; i++) {
      const s = w.slot[i], p = live[s];
      if (p === null) {
        if ((live[s] = alloc_pages(GFP_KERNEL, (order[s] = w.param[i]))) === null) throw new Error("alloc_pages failed in the benchmark");
      } else { __free_pages(p, order[s]); live[s] = null; }
    }
    const ms = performance.now() - t0;
    live.forEach((p, s) => p && __free_pages(p, order[s]));
    bindKernel(undefined);
    return ms;
  };
}

function simKmalloc(k: Kernel): Runner {
  return (w) => {
    bindKernel(k);
    const live = new Array<number>(SLOTS).fill(0);
    const t0 = performance.now();
    for (let i = 0; i < w.slot.length; i++) {
      const s = w.slot[i];
      if (live[s] === 0) {
        if ((live[s] = kmalloc(w.param[i], GFP_KERNEL)) === 0) throw new Error("kmalloc failed in the benchmark");
      } else { kfree(live[s]); live[s] = 0; }
    }
    const ms = performance.now() - t0;
    for (const a of live) if (a) kfree(a);
    bindKernel(undefined);
    return ms;
  };
}

/** onDemand: stacks on, recorded as tokens and captured only for a report that prints them (issue 14). */
export interface AllocResult {
  bench: string; trackStacks: boolean; onDemand: boolean;
  /** Ops per pass, rounds of passes per set, sets of processes. */
  ops: number; rounds: number; sets: number;
  simOpsPerSec: number; refOpsPerSec: number; simOverRef: number;
  /** Time per pass over the stacks-off row's (see bench/passes.ts roundRatio); 1 for the off row itself. */
  overOff: number;
}

const ALLOC_KINDS = [
  { bench: "alloc_pages/__free_pages, order 0-3", param: (r: () => number) => r() % 4, sim: simPages, ref: refPages },
  { bench: "kmalloc/kfree, 8-4096 bytes", param: (r: () => number) => 8 + (r() % (4096 - 8 + 1)), sim: simKmalloc, ref: refKmalloc },
];
/** The rows: stacks off, on demand, captured at every call. */
const ALLOC_MODES = [{ trackStacks: false, onDemand: false }, { trackStacks: true, onDemand: true }, { trackStacks: true, onDemand: false }];

/**
 * A child of interleave(): one stacks mode, a fresh kernel per kind. A pass
 * runs each kind's op sequence on the simulator, then on the reference in the
 * same process, so sim/ref compares neighbours too; each is timed apart.
 */
function allocChild(argv: string[]): void {
  const [modeIx, ops] = argv.map(Number);
  servePasses(() => {
    const mode = ALLOC_MODES[modeIx];
    const kinds = ALLOC_KINDS.map((kind) => {
      const k = Kernel.boot({ arch: "x86_64", mem: "256M", trackStacks: mode.trackStacks });
      if (mode.onDemand) k.stacks.mode = "on-demand";
      return { sim: kind.sim(k), ref: kind.ref(), w: workload(ops, 1, kind.param) };
    });
    return () => {
      const sample: Record<string, number> = { ms: 0 };
      kinds.forEach((x, i) => {
        sample.ms += sample[`sim${i}`] = x.sim(x.w);
        sample[`ref${i}`] = x.ref(x.w);
      });
      return sample as PassSample;
    };
  });
}

/**
 * Stacks off, on demand and captured, each in a process of its own, taking
 * turns at passes of `ops` operations per kind (bench/passes.ts): `rounds`
 * turns per set of processes, `sets` sets.
 */
export async function benchAlloc(ops: number, rounds: number, sets: number, warmOps = 20_000): Promise<AllocResult[]> {
  // Warm-up: at least 20,000 ops of each kind on each side (10,000 quick).
  const warm = Math.max(2, Math.ceil(warmOps / ops));
  const x = await interleave(__filename, ALLOC_MODES.map((_, mi) => [String(mi), String(ops)]), { warm, rounds, sets });
  return ALLOC_KINDS.flatMap((kind, ki) => ALLOC_MODES.map((mode, mi) => {
    const passes = allPasses(x, mi), sim = `sim${ki}`, ref = `ref${ki}`;
    return {
      bench: kind.bench, ...mode, ops, rounds, sets,
      simOpsPerSec: ops / (median(passes.map((p) => p[sim])) / 1000), refOpsPerSec: ops / (median(passes.map((p) => p[ref])) / 1000),
      // Per pass, sim over the ref that ran right after it in the same process.
      simOverRef: median(passes.map((p) => p[ref] / p[sim])),
      overOff: mi === 0 ? 1 : roundRatio(x, mi, 0, sim),
    };
  }));
}

export const ALLOC_CONFIG = { quick: { ops: 5_000, rounds: 7, sets: 3, warmOps: 10_000 }, full: { ops: 20_000, rounds: 15, sets: 5, warmOps: 20_000 } };

export function printAlloc(alloc: AllocResult[]): void {
  const { ops, rounds, sets } = alloc[0];
  console.log(`Alloc/free: passes of ${ops.toLocaleString("en-US")} mixed ops over ${SLOTS} slots; x86_64 256M, KASAN on. ref = per-class free lists + Map, same op sequence, same process, right after each pass.`);
  console.log(`Each stacks mode runs in a process of its own (a kernel per benchmark), warmed up; the three take turns at ${rounds} passes each, in ${sets} sets of fresh processes. ops/s from the median pass.`);
  console.log(table(
    ["benchmark", "stacks", "sim ops/s", "ref ops/s", "sim / ref", "ref is"],
    alloc.map((a) => [a.bench, a.onDemand ? "on demand" : a.trackStacks ? "captured" : "off", fmt(a.simOpsPerSec, 0), fmt(a.refOpsPerSec, 0), fmt(a.simOverRef, 4), `${fmt(1 / a.simOverRef, 0)}x faster`]),
  ));
  console.log("  stacks on / off = per set, the median over the turns of (pass time / the stacks-off pass of the same turn), then the median over the sets.");
  for (const bench of new Set(alloc.map((a) => a.bench))) {
    const row = (onDemand: boolean, trackStacks: boolean) => alloc.find((a) => a.bench === bench && a.onDemand === onDemand && a.trackStacks === trackStacks)!;
    const cost = row(true, true).overOff;
    console.log(`  ${bench}: stacks on (on demand) / off = ${fmt(cost, 2)}x   target <= ${TARGET_STACKS_RATIO}x   ${verdict(cost <= TARGET_STACKS_RATIO)}   (captured at every call: ${fmt(row(false, true).overOff, 2)}x)`);
  }
  console.log("");
}



async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, ops: { type: "string" }, rounds: { type: "string" }, sets: { type: "string" }, json: { type: "string" } } });
  const cfg = { ...(values.quick ? ALLOC_CONFIG.quick : ALLOC_CONFIG.full) };
  if (values.ops) cfg.ops = Number(values.ops);
  if (values.rounds) cfg.rounds = Number(values.rounds);
  if (values.sets) cfg.sets = Number(values.sets);
  console.log(`Faultline alloc/free benchmark (${values.quick ? "quick" : "full"}), node ${process.version}, ${process.platform}/${process.arch}\n`);
  const rows = await benchAlloc(cfg.ops, cfg.rounds, cfg.sets, cfg.warmOps);
  printAlloc(rows);
  if (values.json) writeFileSync(values.json, JSON.stringify({ alloc: rows }, null, 2) + "\n");
}

if (require.main === module) {
  if (isPassChild()) allocChild(passChildArgs());
  else main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}
