// The DMA API's streaming path: map, sync_for_cpu, sync_for_device and unmap
// calls per second, driven through the driver API, with the dma-debug-style
// checker (debug.ts) on and off, side by side, on each route. The checker's
// price is the ratio; the target is that it costs at most 1.5x.

import { execFileSync } from "node:child_process";
import { Kernel, bindKernel } from "../sim-core/src";
import { Device, type DeviceConfig } from "../sim-core/src/dev/device";
import {
  DMA_BIDIRECTIONAL, DMA_BIT_MASK, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_sync_single_for_cpu,
  dma_sync_single_for_device, dma_unmap_single,
} from "../sim-core/src/api/linux/dma-mapping";
import { GFP_KERNEL } from "../sim-core/src/api/linux/gfp";
import { kzalloc } from "../sim-core/src/api/linux/slab";

export const TARGET_DMA_CHECKER_RATIO = 1.5;
export const DMA_CONFIG = { quick: { iters: 3_000, reps: 3 }, full: { iters: 10_000, reps: 5 } };

const BUFS = 256, IN_FLIGHT = 64, LEN = 1536;

const ROUTES: Array<{ label: string; cfg: Partial<DeviceConfig>; mask: number }> = [
  { label: "direct", cfg: {}, mask: 64 },
  { label: "direct, non-coherent (cache model)", cfg: { coherent: false }, mask: 64 },
  { label: "iommu", cfg: { route: "iommu" }, mask: 64 },
  { label: "swiotlb bounce (24-bit mask)", cfg: {}, mask: 24 },
];

export interface DmaBenchRow {
  route: string; iters: number; reps: number;
  offOpsPerSec: number;
  /** The checker with everything, "Mapped at" stacks included. */
  onOpsPerSec: number; onOverOff: number;
  /** The checker without the per-map stack capture (k.dma.debug.recordStacks = false). */
  noStackOpsPerSec: number; noStackOverOff: number;
  /** The checker with "Mapped at" stacks on demand (k.stacks.mode = "on-demand"): a token per map, the stack replayed for a report. */
  lazyOpsPerSec: number; lazyOverOff: number;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
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

/**
 * One configuration timed in a process of its own: a user runs with the
 * checker on or off, never both, and code shared by the two modes would
 * otherwise carry the JIT feedback of both (which slows the checked path
 * more than a real run ever sees).
 */
function timeInChild(route: number, mode: Mode, iters: number): number {
  const out = execFileSync(process.execPath, [__filename, "--child", String(route), mode, String(iters)], { encoding: "utf8" });
  const ms = Number(out.trim().split("\n").pop());
  if (!(ms > 0)) throw new Error(`bench/dma child (${ROUTES[route].label}, ${mode}) printed ${JSON.stringify(out)}`);
  return ms;
}

function childMain(argv: string[]): void {
  const [route, mode, iters] = [Number(argv[0]), argv[1] as Mode, Number(argv[2])];
  const r = ROUTES[route];
  const run = rig(r.cfg, r.mask, mode !== "off", mode === "on" || mode === "lazy", mode === "lazy");
  for (let w = 0; w < 2; w++) run(5_000); // warm-up: the JIT first
  const t = [run(iters), run(iters), run(iters)];
  console.log(median(t));
}

export function benchDma(iters: number, reps: number): DmaBenchRow[] {
  return ROUTES.map((r, ri) => {
    const a: number[] = [], b: number[] = [], c: number[] = [], d: number[] = [];
    // Interleaved, so that drift on a loaded machine hits all four alike.
    for (let i = 0; i < reps; i++) {
      a.push(timeInChild(ri, "off", iters)); b.push(timeInChild(ri, "on", iters)); c.push(timeInChild(ri, "bare", iters)); d.push(timeInChild(ri, "lazy", iters));
    }
    const ops = iters * 4;
    const offOps = ops / (median(a) / 1000), onOps = ops / (median(b) / 1000), bareOps = ops / (median(c) / 1000), lazyOps = ops / (median(d) / 1000);
    return {
      route: r.label, iters, reps, offOpsPerSec: offOps, onOpsPerSec: onOps, onOverOff: offOps / onOps, noStackOpsPerSec: bareOps, noStackOverOff: offOps / bareOps,
      lazyOpsPerSec: lazyOps, lazyOverOff: offOps / lazyOps,
    };
  });
}

export function printDma(rows: DmaBenchRow[]): void {
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log(`DMA streaming: ${rows[0].iters.toLocaleString("en-US")} rounds of map + sync_for_cpu + sync_for_device + unmap (${LEN}-byte buffers, ${IN_FLIGHT} in flight), median of ${rows[0].reps}; x86_64 256M.`);
  console.log("Each configuration runs in a process of its own (warmed up, median of 3 there), the processes interleaved.");
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

if (require.main === module && process.argv[2] === "--child") childMain(process.argv.slice(3));
