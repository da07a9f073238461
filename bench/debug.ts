// The debug adapter's costs as an editor feels them, over DAP on stdio
// (dist/debug-adapter.js, driven by @vscode/debugadapter-testsupport; bench/run.ts
// rebuilds dist/ first, in its host section):
//   launch  launch request to the stop on entry (a fresh adapter and host each time);
//   step    a `next` to its stop, at the top of simple.ts;
//   event   a continue to the next kernel-event stop (simple's page faults);
//   page    the first 100 frames of a 16 GiB machine's Normal zone (4 M frames).
// Beside them, the floor, measured in the same run: a bare Node (the same
// debug Node) that starts, opens an inspector session on itself from a
// worker and pauses. Launch is judged against it (<= 2x); a step and a page
// against fixed budgets (30 ms, 50 ms), since they have no process start in them.
//
//   node out/bench/debug.js [--quick]

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DebugClient } from "@vscode/debugadapter-testsupport";
import type { DebugProtocol } from "@vscode/debugprotocol";

const ROOT = path.resolve(__dirname, "../..");
// The bundle users run (the extension ships dist/): its host is dist/host.js, one file, not out/'s hundreds.
const DIST_ADAPTER = path.join(ROOT, "dist/debug-adapter.js");
const ADAPTER = fs.existsSync(DIST_ADAPTER) ? DIST_ADAPTER : path.join(ROOT, "out/debug-adapter/src/main.js");
const SIMPLE = path.join(ROOT, "samples/simple/simple.ts");
export const DEBUG_TARGETS = { launchOverFloor: 2, stepMs: 30, pageMs: 50 };
export const DEBUG_CONFIG = { quick: { runs: 1, steps: 3 }, full: { runs: 7, steps: 15 } };

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The Node debug runs use (host/src/node.ts debugNode(), restated: bench depends on sim-core only). */
function debugNodePath(): string | undefined {
  if (process.env.FAULTLINE_DEBUG_NODE) return process.env.FAULTLINE_DEBUG_NODE;
  const base = path.join(ROOT, ".debug-node", "node_modules");
  if (!fs.existsSync(base)) return undefined;
  for (const pkg of fs.readdirSync(base).filter((p) => p.startsWith("node-"))) {
    const bin = path.join(base, pkg, "bin", "node");
    if (fs.existsSync(bin)) return bin;
  }
  return undefined;
}

const FLOOR_SCRIPT = `
const { Worker } = require("node:worker_threads");
const w = new Worker(\`
  const { Session } = require("node:inspector");
  const { parentPort } = require("node:worker_threads");
  const s = new Session();
  s.connectToMainThread();
  s.on("Debugger.paused", () => { parentPort.postMessage("paused"); s.post("Debugger.resume"); });
  s.post("Debugger.enable", () => s.post("Debugger.pause", () => parentPort.postMessage("armed")));
  setInterval(() => {}, 1000); // the session lives as long as its worker does
\`, { eval: true });
w.on("message", (m) => { if (m === "armed") { let x = 0; for (let i = 0; i < 1e6; i++) x += i; globalThis.x = x; } else { process.stdout.write("paused\\n"); process.exit(0); } });
`;

/** Spawn to the first pause of a bare Node with an inspector session on itself. */
function floorOnce(node: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(node, ["-e", FLOOR_SCRIPT], { stdio: ["ignore", "pipe", "ignore"], env: {} });
    c.stdout.on("data", () => resolve(performance.now() - t0));
    c.on("error", reject);
    c.on("exit", (code) => reject(new Error(`floor process exited with ${code} before pausing`)));
  });
}

async function client(): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, ADAPTER, "faultline", { cwd: ROOT });
  dc.defaultTimeout = 60_000;
  await dc.start();
  return dc;
}

/** initialize + launch; resolves at the first stop with the time from the launch request to it. */
async function launch(dc: DebugClient, args: Record<string, unknown>, filters: string[] = []): Promise<{ ms: number; stop: DebugProtocol.StoppedEvent }> {
  await dc.initializeRequest({ adapterID: "faultline", pathFormat: "path" });
  const configured = dc.waitForEvent("initialized").then(async () => {
    await dc.setExceptionBreakpointsRequest({ filters });
    await dc.configurationDoneRequest();
  });
  const stopped = dc.waitForEvent("stopped");
  const t0 = performance.now();
  await Promise.all([dc.launchRequest(args as DebugProtocol.LaunchRequestArguments), configured]);
  const stop = (await stopped) as DebugProtocol.StoppedEvent;
  return { ms: performance.now() - t0, stop };
}

async function timedResume(dc: DebugClient, f: () => Promise<unknown>): Promise<number> {
  const stopped = dc.waitForEvent("stopped");
  const t0 = performance.now();
  await f();
  await stopped;
  return performance.now() - t0;
}

async function close(dc: DebugClient): Promise<void> {
  await dc.terminateRequest().catch(() => undefined);
  await dc.stop();
}

export interface DebugResult {
  runs: number;
  floorMs: number; launchMs: number; stepMs: number; eventMs: number; pageMs: number; pageFrames: number;
  launchOverFloor: number;
  targets: typeof DEBUG_TARGETS;
  samples: { floor: number[]; launch: number[]; step: number[]; event: number[]; page: number[] };
}

export async function benchDebug(runs: number, steps: number): Promise<DebugResult | undefined> {
  const node = debugNodePath();
  if (!node || !fs.existsSync(ADAPTER)) return undefined;
  const s = { floor: [] as number[], launch: [] as number[], step: [] as number[], event: [] as number[], page: [] as number[] };
  let pageFrames = 0;
  await floorOnce(node); // warm the file cache for both sides
  for (let r = 0; r < runs; r++) {
    // Interleaved, so a slow patch of the machine lands on the floor and the adapter alike.
    s.floor.push(await floorOnce(node));
    let dc = await client();
    try {
      s.launch.push((await launch(dc, { driver: SIMPLE, stopOnEntry: true })).ms);
      for (let i = 0; i < Math.ceil(steps / runs); i++) s.step.push(await timedResume(dc, () => dc.nextRequest({ threadId: 1 })));
    } finally { await close(dc); }
    dc = await client();
    try {
      await launch(dc, { driver: SIMPLE }, ["page_fault"]);
      s.event.push(await timedResume(dc, () => dc.continueRequest({ threadId: 1 })));
    } finally { await close(dc); }
    dc = await client();
    try {
      await launch(dc, { driver: SIMPLE, stopOnEntry: true, mem: "16G" });
      const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
      const mem = (await dc.scopesRequest({ frameId: top.id })).body.scopes.find((x) => x.name === "Physical memory")!;
      const zones = (await dc.variablesRequest({ variablesReference: mem.variablesReference })).body.variables;
      const normal = zones.reduce((a, b) => ((b.indexedVariables ?? 0) > (a.indexedVariables ?? 0) ? b : a));
      pageFrames = normal.indexedVariables ?? 0;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const v = await dc.variablesRequest({ variablesReference: normal.variablesReference, filter: "indexed", start: i * 100_000, count: 100 });
        s.page.push(performance.now() - t0);
        if (v.body.variables.length !== 100) throw new Error(`a page of ${v.body.variables.length} frames`);
      }
    } finally { await close(dc); }
  }
  const floorMs = median(s.floor), launchMs = median(s.launch);
  return {
    runs, floorMs, launchMs, stepMs: median(s.step), eventMs: median(s.event), pageMs: median(s.page), pageFrames,
    launchOverFloor: launchMs / floorMs, targets: DEBUG_TARGETS, samples: s,
  };
}

export function printDebug(r: DebugResult | undefined): void {
  if (!r) {
    console.log("Debug adapter: skipped (no Node with --allow-inspector: run node scripts/debug-node.mjs; or out/debug-adapter not compiled)\n");
    return;
  }
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log(`Debug adapter over DAP (stdio, ${path.relative(ROOT, ADAPTER)}), medians of ${r.runs} sessions; floor = a bare debug Node that starts, opens an inspector session on itself and pauses.`);
  const rows = [
    ["floor: spawn to the first pause", fmt(r.floorMs), "1.00x"],
    ["launch request to stopped on entry", fmt(r.launchMs), `${fmt(r.launchOverFloor, 2)}x`],
    ["next to its stop", fmt(r.stepMs), ""],
    ["continue to a kernel-event stop (page fault)", fmt(r.eventMs), ""],
    [`100 frames of a ${(r.pageFrames / 1e6).toFixed(1)} M-frame zone (16 GiB)`, fmt(r.pageMs), ""],
  ];
  const head = ["step", "ms", "/ floor"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const line = (x: string[]) => x.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  console.log([line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n"));
  console.log(`\n  launch / floor   = ${fmt(r.launchOverFloor, 2)}x     target <= ${r.targets.launchOverFloor}x   ${verdict(r.launchOverFloor <= r.targets.launchOverFloor)}`);
  console.log(`  step             = ${fmt(r.stepMs)} ms    target <= ${r.targets.stepMs} ms  ${verdict(r.stepMs <= r.targets.stepMs)}`);
  console.log(`  variables page   = ${fmt(r.pageMs)} ms    target <= ${r.targets.pageMs} ms  ${verdict(r.pageMs <= r.targets.pageMs)}\n`);
}

if (require.main === module) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
  const cfg = values.quick ? DEBUG_CONFIG.quick : DEBUG_CONFIG.full;
  benchDebug(cfg.runs, cfg.steps).then((r) => { printDebug(r); process.exit(0); }, (e) => { console.error(e); process.exit(1); });
}
