// The DMA API's streaming path: map, sync_for_cpu, sync_for_device and unmap
// calls per second, driven through the driver API, with the dma-debug-style
// checker (debug.ts) on and off, side by side, on each route. The checker's
// price is the ratio; the target is that it costs at most 1.5x.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Kernel, bindKernel } from "../sim-core/src";
import { Device, type DeviceConfig } from "../sim-core/src/dev/device";
import {
  DMA_BIDIRECTIONAL, DMA_BIT_MASK, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_sync_single_for_cpu,
  dma_sync_single_for_device, dma_unmap_single,
} from "../sim-core/src/api/linux/dma-mapping";
import { GFP_KERNEL } from "../sim-core/src/api/linux/gfp";
import { kzalloc } from "../sim-core/src/api/linux/slab";
import { allPasses, interleave, isPassChild, median, passChildArgs, roundRatio, servePasses, type PassSample } from "./passes";

export const TARGET_DMA_CHECKER_RATIO = 1.5;
export const DMA_CONFIG = { quick: { iters: 1_000, rounds: 7, sets: 3, warmIters: 3_000 }, full: { iters: 5_000, rounds: 15, sets: 5, warmIters: 10_000 } };

const BUFS = 256, IN_FLIGHT = 64, LEN = 1536;

const ROUTES: Array<{ label: string; cfg: Partial<DeviceConfig>; mask: number }> = [
  { label: "direct", cfg: {}, mask: 64 },
  { label: "direct, non-coherent (cache model)", cfg: { coherent: false }, mask: 64 },
  { label: "iommu", cfg: { route: "iommu" }, mask: 64 },
  { label: "swiotlb bounce (24-bit mask)", cfg: {}, mask: 24 },
];

export interface DmaBenchRow {
  route: string; iters: number; rounds: number; sets: number;
  offOpsPerSec: number;
  /** The checker with everything, "Mapped at" stacks included. */
  onOpsPerSec: number; onOverOff: number;
  /** The checker without the per-map stack capture (k.dma.debug.recordStacks = false). */
  noStackOpsPerSec: number; noStackOverOff: number;
  /** The checker with "Mapped at" stacks on demand (k.stacks.mode = "on-demand"): a token per map, the stack replayed for a report. */
  lazyOpsPerSec: number; lazyOverOff: number;
}

const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A kernel with one device and its buffers; returns a runner doing `iters` map/sync/sync/unmap rounds (4 ops each). */
function rig(cfg: Partial<DeviceConfig>, mask: number, checker: boolean, stacks = true, onDemand = false): (iters: number) => number {
  const k = Kernel.boot({ arch: "x86_64", mem: "256M" });
  if (onDemand) k.stacks.mode = "on-demand";
  k.dma.debug.enabled = checker;
  k.dma.debug.recordStacks = stacks;
  bindKernel(k);
  const dev = new Device({ name: "benchdev", vendor: 0x1234, device: 0x1, ...cfg }, "0000:00:05.0");
  k.dma.attach(dev);
  dma_set_mask_and_coherent(dev, DMA_BIT_MASK(mask));
  const bufs = Array.from({ length: BUFS }, () => kzalloc(LEN, GFP_KERNEL));
  bindKernel(undefined);
  const handles = new Array<number>(BUFS).fill(-1);
  return (iters) => {
    bindKernel(k);
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) {
      const b = i % BUFS, old = (i + BUFS - IN_FLIGHT) % BUFS;
      if (handles[old] >= 0) { dma_unmap_single(dev, handles[old], LEN, DMA_BIDIRECTIONAL); handles[old] = -1; }
      const h = dma_map_single(dev, bufs[b], LEN, DMA_BIDIRECTIONAL);
      if (dma_mapping_error(dev, h)) throw new Error("dma_map_single failed in the benchmark");
      dma_sync_single_for_cpu(dev, h, LEN, DMA_BIDIRECTIONAL);
      dma_sync_single_for_device(dev, h, LEN, DMA_BIDIRECTIONAL);
      handles[b] = h;
    }
    const ms = performance.now() - t0;
    for (let b = 0; b < BUFS; b++) if (handles[b] >= 0) { dma_unmap_single(dev, handles[b], LEN, DMA_BIDIRECTIONAL); handles[b] = -1; }
    if (k.findings.length) throw new Error(`the benchmark driver tripped ${k.findings[0].rule}`);
    bindKernel(undefined);
    return ms;
  };
}

type Mode = "off" | "on" | "bare" | "lazy";
const MODES: Mode[] = ["off", "lazy", "on", "bare"];

/** A child of interleave(): one configuration, a kernel per route; a pass runs `iters` rounds on each route, timed apart. */
function passChild(argv: string[]): void {
  const [mode, iters] = [argv[0] as Mode, Number(argv[1])];
  servePasses(() => {
    const runs = ROUTES.map((r) => rig(r.cfg, r.mask, mode !== "off", mode === "on" || mode === "lazy", mode === "lazy"));
    return () => {
      const sample: Record<string, number> = { ms: 0 };
      runs.forEach((run, i) => { sample.ms += sample[`r${i}`] = run(iters); });
      return sample as PassSample;
    };
  });
}

/**
 * Each configuration in a process of its own (see passes.ts) with a kernel per
 * route, the four taking turns at passes of `iters` rounds per route; `rounds`
 * such turns per set of processes, `sets` sets.
 */
export async function benchDma(iters: number, rounds: number, sets: number, warmIters = 10_000): Promise<DmaBenchRow[]> {
  // Warm-up: at least 10,000 rounds per route (5,000 quick), the JIT first.
  const warm = Math.max(2, Math.ceil(warmIters / iters));
  const x = await interleave(__filename, MODES.map((m) => [m, String(iters)]), { warm, rounds, sets });
  const [off, lazy, on, bare] = MODES.map((_, i) => i);
  const ops = iters * 4;
  return ROUTES.map((r, ri) => {
    const key = `r${ri}`;
    const opsPerSec = (c: number) => ops / (median(allPasses(x, c).map((s) => s[key])) / 1000);
    return {
      route: r.label, iters, rounds, sets, offOpsPerSec: opsPerSec(off),
      onOpsPerSec: opsPerSec(on), onOverOff: roundRatio(x, on, off, key),
      noStackOpsPerSec: opsPerSec(bare), noStackOverOff: roundRatio(x, bare, off, key),
      lazyOpsPerSec: opsPerSec(lazy), lazyOverOff: roundRatio(x, lazy, off, key),
    };
  });
}

export function printDma(rows: DmaBenchRow[]): void {
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log(`DMA streaming: passes of ${rows[0].iters.toLocaleString("en-US")} map + sync_for_cpu + sync_for_device + unmap (${LEN}-byte buffers, ${IN_FLIGHT} in flight); x86_64 256M.`);
  console.log(`Each configuration runs in a process of its own (a kernel per route), warmed up; the four take turns at ${rows[0].rounds} passes each, in ${rows[0].sets} sets of fresh processes.`);
  console.log("ops/s from the median pass; cost = per set, the median over the turns of (pass time / the checker-off pass of the same turn), then the median over the sets.");
  console.log(`"on, stacks on demand" is the checker as runs use it: "Mapped at" kept as a token per map, the stack captured by replaying the run when a report prints it;`);
  console.log(`"on, captured" captures a V8 stack per map, as dma-debug does; "on, no stacks" is the checker with k.dma.debug.recordStacks = false. Target: cost <= ${TARGET_DMA_CHECKER_RATIO}x.`);
  const head = ["route", "off ops/s", "on, stacks on demand", "cost", "", "on, captured", "cost", "", "on, no stacks ops/s", "cost", ""];
  const body = rows.map((r) => [
    r.route, fmt(r.offOpsPerSec, 0),
    fmt(r.lazyOpsPerSec, 0), `${fmt(r.lazyOverOff, 2)}x`, verdict(r.lazyOverOff <= TARGET_DMA_CHECKER_RATIO),
    fmt(r.onOpsPerSec, 0), `${fmt(r.onOverOff, 2)}x`, verdict(r.onOverOff <= TARGET_DMA_CHECKER_RATIO),
    fmt(r.noStackOpsPerSec, 0), `${fmt(r.noStackOverOff, 2)}x`, verdict(r.noStackOverOff <= TARGET_DMA_CHECKER_RATIO),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  console.log([line(head), w.map((n) => "-".repeat(n)).join("  "), ...body.map(line)].join("\n"));
  console.log("");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, iters: { type: "string" }, rounds: { type: "string" }, sets: { type: "string" }, json: { type: "string" } } });
  const cfg = { ...(values.quick ? DMA_CONFIG.quick : DMA_CONFIG.full) };
  if (values.iters) cfg.iters = Number(values.iters);
  if (values.rounds) cfg.rounds = Number(values.rounds);
  if (values.sets) cfg.sets = Number(values.sets);
  console.log(`Faultline DMA checker benchmark (${values.quick ? "quick" : "full"}), node ${process.version}, ${process.platform}/${process.arch}\n`);
  const rows = await benchDma(cfg.iters, cfg.rounds, cfg.sets, cfg.warmIters);
  printDma(rows);
  if (values.json) writeFileSync(values.json, JSON.stringify({ dma: rows }, null, 2) + "\n");
}

if (require.main === module) {
  if (isPassChild()) passChild(passChildArgs());
  else main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}
