// Faultline benchmarks: boot cost against RAM size, allocator throughput,
// the page-fault rate and copy_to_user() bandwidth (bench/faults.ts), and
// the DMA streaming path with its checker on and off (bench/dma.ts), and the
// time from `faultline run` to a driver's first line (bench/host.ts), and the
// language server's edit-to-diagnostics time beside TypeScript's (bench/lsp-edit.ts), and
// `faultline check samples/` beside `tsc --noEmit -p samples` (bench/lsp.ts), and the
// debug adapter's launch, step, kernel-event stop and variables page (bench/debug.ts).
// Every figure that matters is a ratio against a reference measured in the
// same run on the same machine, so the numbers mean the same on a laptop and
// on a loaded CI runner.
//
//   node out/bench/run.js [--quick] [--json FILE]

import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Kernel, bindKernel, type ArchName } from "../sim-core/src";
import { GFP_KERNEL, __free_pages, alloc_pages } from "../sim-core/src/api/linux/gfp";
import { kfree, kmalloc } from "../sim-core/src/api/linux/slab";
import type { Page } from "../sim-core/src/mm/memmap";
import { mulberry32 } from "../sim-core/src/util/prng";
import type { BootSample } from "./boot-child";
import { FAULT_CONFIG, benchCopy, benchFaults, printCopy, printFaults } from "./faults";
import { DMA_CONFIG, benchDma, printDma } from "./dma";
import { HOST_CONFIG, benchHost, printHost } from "./host";
import { DEBUG_CONFIG, benchDebug, printDebug } from "./debug";
import { LSP_EDIT_CONFIG, benchLspEdit, printLspEdit } from "./lsp-edit";
import { CHECK_CONFIG, benchCheck, printCheck } from "./lsp";
import { benchExtension, printExtension } from "./extension";

const MiB = 1 << 20, GiB = 1 << 30;
const TARGET_BOOT_RATIO = 4;
const TARGET_RSS_FRACTION = 0.01;
/** Stacks on (recorded on demand) against stacks off, same workload, same run (issue 14). */
const TARGET_STACKS_RATIO = 1.5;

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------- boot

const BOOTS: Array<{ label: string; arch: ArchName; mem: string; bytes: number }> = [
  { label: "x86_64 256M", arch: "x86_64", mem: "256M", bytes: 256 * MiB },
  { label: "x86_64 4G", arch: "x86_64", mem: "4G", bytes: 4 * GiB },
  { label: "x86_64 16G", arch: "x86_64", mem: "16G", bytes: 16 * GiB },
  { label: "i386 4G (HIGHMEM, PAE)", arch: "i386", mem: "4G", bytes: 4 * GiB },
];

function bootOnce(arch: ArchName, mem: string): Promise<BootSample> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "boot-child.js"), [arch, mem], { execArgv: ["--expose-gc"] });
    let got: BootSample | undefined;
    child.once("message", (m) => { got = m as BootSample; });
    child.once("error", reject);
    child.once("exit", (code) => (got ? resolve(got) : reject(new Error(`boot child ${arch} ${mem} exited with ${code} and no result`))));
  });
}

interface BootResult { label: string; arch: ArchName; mem: string; memBytes: number; runs: number; bootMs: number; rssDeltaMiB: number; refMs: number; bootOverRef: number }

async function benchBoot(runs: number): Promise<BootResult[]> {
  const samples = BOOTS.map(() => [] as BootSample[]);
  // Round-robin rather than one size at a time, so a slow patch of the machine lands on every size alike.
  for (let r = 0; r < runs; r++) for (const [i, b] of BOOTS.entries()) samples[i].push(await bootOnce(b.arch, b.mem));
  return BOOTS.map((b, i) => {
    const s = samples[i];
    const bootMs = median(s.map((x) => x.bootMs)), refMs = median(s.map((x) => x.refMs));
    return { label: b.label, arch: b.arch, mem: b.mem, memBytes: b.bytes, runs, bootMs, rssDeltaMiB: median(s.map((x) => x.rssDeltaBytes)) / MiB, refMs, bootOverRef: bootMs / refMs };
  });
}

// ---------------------------------------------------------------- alloc/free

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
export interface AllocResult { bench: string; trackStacks: boolean; onDemand: boolean; ops: number; reps: number; simOpsPerSec: number; refOpsPerSec: number; simOverRef: number }

/** A warm-up pass, then the median of `reps` timed passes for each side; sim and ref alternate so drift hits both. */
function measure(sim: Runner, ref: Runner, w: Workload, warm: Workload, reps: number): { sim: number; ref: number } {
  sim(warm); ref(warm);
  const s: number[] = [], r: number[] = [];
  for (let i = 0; i < reps; i++) { s.push(sim(w)); r.push(ref(w)); }
  const n = w.slot.length;
  return { sim: n / (median(s) / 1000), ref: n / (median(r) / 1000) };
}

export function benchAlloc(ops: number, reps: number): AllocResult[] {
  const order03 = (r: () => number) => r() % 4;
  const size8to4096 = (r: () => number) => 8 + (r() % (4096 - 8 + 1));
  const kinds = [
    { bench: "alloc_pages/__free_pages, order 0-3", param: order03, sim: simPages, ref: refPages },
    { bench: "kmalloc/kfree, 8-4096 bytes", param: size8to4096, sim: simKmalloc, ref: refKmalloc },
  ];
  const out: AllocResult[] = [];
  for (const kind of kinds) {
    const w = workload(ops, 1, kind.param), warm = workload(Math.min(ops, 20_000), 2, kind.param);
    for (const [trackStacks, onDemand] of [[false, false], [true, false], [true, true]]) {
      // A fresh kernel per row: one row's leftovers (quarantine, slabs) do not slow the next.
      const k = Kernel.boot({ arch: "x86_64", mem: "256M", trackStacks });
      if (onDemand) k.stacks.mode = "on-demand";
      const m = measure(kind.sim(k), kind.ref(), w, warm, reps);
      out.push({ bench: kind.bench, trackStacks, onDemand, ops, reps, simOpsPerSec: m.sim, refOpsPerSec: m.ref, simOverRef: m.sim / m.ref });
    }
  }
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, json: { type: "string" } } });
  const quick = values.quick!;
  const cfg = quick ? { bootRuns: 3, ops: 20_000, reps: 1 } : { bootRuns: 7, ops: 200_000, reps: 3 };
  const started = performance.now();
  console.log(`Faultline benchmarks (${quick ? "quick" : "full"}), node ${process.version}, ${process.platform}/${process.arch}\n`);

  const boot = await benchBoot(cfg.bootRuns);
  console.log(`Boot: median of ${cfg.bootRuns} runs, each in a fresh child process. ref = allocate and zero a 1 MiB ArrayBuffer 100 times, same child.`);
  console.log(table(
    ["machine", "boot ms", "RSS delta MiB", "RSS / RAM", "ref ms", "boot / ref"],
    boot.map((b) => [b.label, fmt(b.bootMs), fmt(b.rssDeltaMiB), `${fmt((100 * b.rssDeltaMiB * MiB) / b.memBytes, 3)}%`, fmt(b.refMs), fmt(b.bootOverRef, 2)]),
  ));
  const [b256, , b16] = boot;
  const bootRatio = b16.bootMs / b256.bootMs;
  const rssFraction = (b16.rssDeltaMiB * MiB) / b16.memBytes;
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log(`\n  boot(16G) / boot(256M)    = ${fmt(bootRatio, 2)}x       target <= ${TARGET_BOOT_RATIO}x   ${verdict(bootRatio <= TARGET_BOOT_RATIO)}`);
  console.log(`  RSS delta(16G) / 16 GiB   = ${fmt(100 * rssFraction, 3)}%    target < ${100 * TARGET_RSS_FRACTION}%     ${verdict(rssFraction < TARGET_RSS_FRACTION)}\n`);

  const alloc = benchAlloc(cfg.ops, cfg.reps);
  console.log(`Alloc/free: ${cfg.ops.toLocaleString("en-US")} mixed ops over ${SLOTS} slots, median of ${cfg.reps}; x86_64 256M, KASAN on. ref = per-class free lists + Map, same op sequence.`);
  console.log(table(
    ["benchmark", "stacks", "sim ops/s", "ref ops/s", "sim / ref", "ref is"],
    alloc.map((a) => [a.bench, a.onDemand ? "on demand" : a.trackStacks ? "captured" : "off", fmt(a.simOpsPerSec, 0), fmt(a.refOpsPerSec, 0), fmt(a.simOverRef, 4), `${fmt(1 / a.simOverRef, 0)}x faster`]),
  ));
  for (const bench of new Set(alloc.map((a) => a.bench))) {
    const row = (onDemand: boolean, trackStacks: boolean) => alloc.find((a) => a.bench === bench && a.onDemand === onDemand && a.trackStacks === trackStacks)!;
    const cost = row(false, false).simOpsPerSec / row(true, true).simOpsPerSec;
    console.log(`  ${bench}: stacks on (on demand) / off = ${fmt(cost, 2)}x   target <= ${TARGET_STACKS_RATIO}x   ${verdict(cost <= TARGET_STACKS_RATIO)}   (captured at every call: ${fmt(row(false, false).simOpsPerSec / row(false, true).simOpsPerSec, 2)}x)`);
  }
  console.log("");

  const fcfg = quick ? FAULT_CONFIG.quick : FAULT_CONFIG.full;
  const faults = benchFaults(fcfg.pages, fcfg.rounds);
  printFaults(faults);
  const copy = benchCopy(fcfg.copySamples, fcfg.copyMinMs);
  printCopy(copy);

  const dcfg = quick ? DMA_CONFIG.quick : DMA_CONFIG.full;
  const dma = benchDma(dcfg.iters, dcfg.reps);
  printDma(dma);

  // Rebuilds dist/ first: npm run bench compiles out/ but does not bundle the command line.
  const hcfg = quick ? HOST_CONFIG.quick : HOST_CONFIG.full;
  const host = benchHost(hcfg.runs);
  printHost(host);

  const lcfg = quick ? LSP_EDIT_CONFIG.quick : LSP_EDIT_CONFIG.full;
  const lspEdit = await benchLspEdit(lcfg.edits);
  printLspEdit(lspEdit);
  const check = benchCheck(quick ? CHECK_CONFIG.quick.runs : CHECK_CONFIG.full.runs);
  printCheck(check);

  // After the host section, which rebuilt dist/: the adapter is measured as users run it, dist/debug-adapter.js.
  const gcfg = quick ? DEBUG_CONFIG.quick : DEBUG_CONFIG.full;
  const debug = await benchDebug(gcfg.runs, gcfg.steps);
  printDebug(debug);

  // The extension's .vsix size and its activation time as the last e2e run measured it.
  const extension = benchExtension();
  printExtension(extension);

  const totalS = (performance.now() - started) / 1000;
  console.log(`Total ${fmt(totalS, 1)} s`);

  if (values.json) {
    const result = {
      mode: quick ? "quick" : "full", node: process.version, platform: `${process.platform}/${process.arch}`, date: new Date().toISOString(), totalSeconds: totalS,
      boot, ratios: { boot16GOver256M: bootRatio, boot16GOver256MTarget: TARGET_BOOT_RATIO, rss16GFractionOfRam: rssFraction, rss16GFractionTarget: TARGET_RSS_FRACTION },
      alloc, faults, copy, dma, host, lspEdit, check, debug, extension,
    };
    mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
    writeFileSync(values.json, JSON.stringify(result, null, 2) + "\n");
    console.log(`Wrote ${values.json}`);
  }
}

if (require.main === module) main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
