// Faultline benchmarks: boot cost against RAM size, allocator throughput (bench/alloc.ts),
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
import type { ArchName } from "../sim-core/src";
import type { BootSample } from "./boot-child";
import { FAULT_CONFIG, benchCopy, benchFaults, printCopy, printFaults } from "./faults";
import { DMA_CONFIG, benchDma, printDma } from "./dma";
import { HOST_CONFIG, benchHost, printHost } from "./host";
import { DEBUG_CONFIG, benchDebug, printDebug } from "./debug";
import { LSP_EDIT_CONFIG, benchLspEdit, printLspEdit } from "./lsp-edit";
import { CHECK_CONFIG, benchCheck, printCheck } from "./lsp";
import { benchExtension, printExtension } from "./extension";
import { ALLOC_CONFIG, benchAlloc, printAlloc } from "./alloc";
import { median } from "./passes";

const MiB = 1 << 20, GiB = 1 << 30;
const TARGET_BOOT_RATIO = 4;
const TARGET_RSS_FRACTION = 0.01;

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

const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, json: { type: "string" } } });
  const quick = values.quick!;
  const cfg = quick ? { bootRuns: 1, ...ALLOC_CONFIG.quick } : { bootRuns: 7, ...ALLOC_CONFIG.full };
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
  console.log(`\n  boot(16G) / boot(256M)    = ${fmt(bootRatio, 2)}x       target <= ${TARGET_BOOT_RATIO}x   ${verdict(bootRatio <= TARGET_BOOT_RATIO)}`);
  console.log(`  RSS delta(16G) / 16 GiB   = ${fmt(100 * rssFraction, 3)}%    target < ${100 * TARGET_RSS_FRACTION}%     ${verdict(rssFraction < TARGET_RSS_FRACTION)}\n`);

  const alloc = await benchAlloc(cfg.ops, cfg.rounds, cfg.sets, cfg.warmOps);
  printAlloc(alloc);

  const fcfg = quick ? FAULT_CONFIG.quick : FAULT_CONFIG.full;
  const faults = await benchFaults(fcfg.pages, fcfg.rounds, fcfg.stackRounds, fcfg.stackSets);
  printFaults(faults);
  const copy = benchCopy(fcfg.copySamples, fcfg.copyMinMs);
  printCopy(copy);

  const dcfg = quick ? DMA_CONFIG.quick : DMA_CONFIG.full;
  const dma = await benchDma(dcfg.iters, dcfg.rounds, dcfg.sets, dcfg.warmIters);
  printDma(dma);

  // Rebuilds dist/ first: npm run bench compiles out/ but does not bundle the command line.
  const hcfg = quick ? HOST_CONFIG.quick : HOST_CONFIG.full;
  const host = benchHost(hcfg.runs, { quick });
  printHost(host);

  const lcfg = quick ? LSP_EDIT_CONFIG.quick : LSP_EDIT_CONFIG.full;
  const lspEdit = await benchLspEdit(lcfg.edits);
  printLspEdit(lspEdit);
  const ccfg = quick ? CHECK_CONFIG.quick : CHECK_CONFIG.full;
  const check = await benchCheck(ccfg.runs, ccfg.parallel);
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
