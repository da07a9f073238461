// The driver host's start-up: how long `faultline run` takes from its spawn to
// the first line of a driver, against spawning `node -e 0` to its exit, both
// measured in the same run, interleaved. The target is at most 3x.
//
// The driver is bench/host/first_line/first_line.ts: its first statement
// printk()s Date.now() (the sandbox has no performance or process), and the
// bench subtracts the Date.now() it took just before the spawn. The CLI is
// dist/faultline.js, rebuilt at the start (npm run compile does not build it).
//
//   node out/bench/host.js [--quick] [--runs N] [--no-build] [--inherit-env] [--json FILE]
//
// Both sides run with this process's environment minus every NODE_* variable.
// NODE_OPTIONS, NODE_EXTRA_CA_CERTS (every Node start then parses that
// certificate file: tens of ms with a system bundle) and the like add to each
// Node start, the reference's and the command line's alike, but not to the
// host's, which starts with an empty environment; kept, they would make the
// ratio depend on the shell it was run from. --inherit-env keeps them.

import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

export const TARGET_HOST_RATIO = 3;
/** With a spare host already started and ready, a run's request to its driver's first line (issue 14). */
export const TARGET_SPARE_FIRST_LINE_MS = 50;
export const HOST_CONFIG = { quick: { runs: 5 }, full: { runs: 15 } };

/** The package root: this file runs from out/bench/. */
const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join("dist", "faultline.js");
const FIXTURE = path.join("bench", "host", "first_line");
const DRIVER = path.join(FIXTURE, "first_line.ts"), SCENARIO = path.join(FIXTURE, "scenario.ts");
const FIRST_LINE_RE = /^first_line: first line at (\d+) ms$/;

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export interface HostSamples {
  /** `node -e 0`, spawn to exit. */
  refMs: number[];
  /** `node dist/faultline.js --help`, spawn to exit: Node's start plus loading the CLI bundle (esbuild and sim-core included). */
  cliLoadMs: number[];
  /** `faultline run`, spawn to the driver's first line (Date.now() in the driver minus Date.now() before the spawn). */
  firstLineMs: number[];
  /** `faultline run`, spawn to exit. */
  totalMs: number[];
  /** The run's own wallMs from --json: from the CLI starting the scenario (bundling it) to the host's exit. */
  wallMs: number[];
  /** With a spare host started and ready: startHost() to the driver's first line (bench/host-spare.ts), bundles cached. */
  spareMs: number[];
  /** The same with the driver edited just before: bundled afresh. */
  spareEditedMs: number[];
  /** The design's floor: a Node that spawns a second Node with the host's flags, spawn of the first to the second's first statement. */
  floorMs: number[];
}

export interface HostResult {
  runs: number;
  /** NODE_* variables left out of the spawned processes' environment (empty with --inherit-env). */
  envStripped: string[];
  /** Time to rebuild dist/ before measuring (null when not rebuilt). */
  buildMs: number | null;
  refMs: number; cliLoadMs: number; firstLineMs: number; totalMs: number; wallMs: number;
  /** Median of samples.floorMs. */
  floorMs: number;
  /** The host's flags the floor's second Node started with. */
  floorFlags: string[];
  /** Median of samples.spareMs: a run's request to its driver's first line, in a spare host already up. */
  spareMs: number;
  /** Median of samples.spareEditedMs: the target is judged on this one, the common case of an edit and a run. */
  spareEditedMs: number;
  spareTargetMs: number;
  /**
   * Medians of per-run differences: the time outside the run's wallMs (total - wallMs: the CLI's start before
   * it, its exit after), wallMs's start to the first line (first line - that, so an estimate that is short by
   * the CLI's exit, a ms or two), the first line to the exit (total - first line).
   */
  breakdown: { outsideWallMs: number; wallStartToFirstLineMs: number; firstLineToExitMs: number };
  firstLineOverRef: number; totalOverRef: number; cliLoadOverRef: number; floorOverRef: number;
  ratioTarget: number;
  samples: HostSamples;
}

/**
 * Bundles dist/faultline.js and dist/host.js from the sources as they are now; returns the time it took.
 * `bundlesOnly` (the quick run) leaves out the extension and, when dist/types/faultline.d.ts is there
 * already, the typings: most of the build's time, and nothing this section measures runs from them.
 */
export function buildDist(bundlesOnly = false): number {
  const t0 = performance.now();
  const skip = !bundlesOnly ? [] : existsSync(path.join(ROOT, "dist", "types", "faultline.d.ts")) ? ["--no-extension", "--no-types"] : ["--no-extension"];
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build.mjs"), ...skip], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building dist/ failed (node scripts/build.mjs exited with ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}${r.error ?? ""}`);
  if (!existsSync(path.join(ROOT, CLI))) throw new Error(`node scripts/build.mjs did not write ${CLI}`);
  return performance.now() - t0;
}

interface Spawned { startWall: number; ms: number; stdout: string }

/** Spawns this Node with `args` from the package root and waits for its exit; `ms` is spawn to exit. */
function timedSpawn(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const startWall = Date.now();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${r.status ?? r.signal}:\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  return { startWall, ms, stdout: r.stdout };
}

interface RunSample { firstLineMs: number; totalMs: number; wallMs: number }

function runOnce(env: NodeJS.ProcessEnv): RunSample {
  const s = timedSpawn([CLI, "run", DRIVER, "--scenario", SCENARIO, "--json"], env);
  let doc: { runs?: Array<{ outcome?: string; wallMs?: number; log?: Array<{ text: string }>; failures?: unknown[] }> };
  try { doc = JSON.parse(s.stdout); } catch (e) { throw new Error(`faultline run --json printed no JSON (${(e as Error).message}):\n${s.stdout.slice(0, 2000)}`); }
  const run = doc.runs?.[0];
  if (!run || run.outcome !== "clean") throw new Error(`the fixture's run was not clean: ${JSON.stringify(run?.failures ?? doc).slice(0, 2000)}`);
  const m = run.log?.map((r) => FIRST_LINE_RE.exec(r.text)).find((x) => x);
  if (!m) throw new Error(`no "first line at" line in the kernel log of the fixture's run`);
  return { firstLineMs: Number(m[1]) - s.startWall, totalMs: s.ms, wallMs: run.wallMs ?? NaN };
}

interface NodeVersion { major: number; minor: number }
interface HostNodeApi { parseVersion(v: string): NodeVersion; hostFlags(o: { version: NodeVersion; read: string[]; heapMb: number }): string[] }

/**
 * The node flags a normal run's host starts with (host/src/node.ts, loaded from out/ at run time: the bench's
 * build depends on sim-core only), reading dist/ as dist/host-entry.js's host does.
 */
function hostFlagsOfRun(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const node = require(path.join(__dirname, "..", "host", "src", "node.js")) as HostNodeApi;
  const heapMb = 512; // DEFAULT_LIMITS.heapMb (host/src/protocol.ts)
  return node.hostFlags({ version: node.parseVersion(process.version), read: [path.join(ROOT, "dist")], heapMb });
}

/**
 * The floor of the design: the command line and the host are two Node processes started one after the other.
 * A Node whose only work is to spawn a second one with the host's flags and an empty environment (as the
 * command line spawns the host), which writes Date.now() as its only statement; spawn of the first to that.
 */
function floorOnce(env: NodeJS.ProcessEnv, flags: string[]): number {
  const child = JSON.stringify([...flags, "-e", "process.stdout.write(String(Date.now()))"]);
  const parent = `require("node:child_process").spawn(process.execPath, ${child}, { env: {}, stdio: ["ignore", "inherit", "inherit"] });`;
  const s = timedSpawn(["-e", parent], env);
  const at = Number(s.stdout.trim());
  if (!Number.isFinite(at) || at <= 0) throw new Error(`the floor's second Node printed no time: ${JSON.stringify(s.stdout.slice(0, 200))}`);
  return at - s.startWall;
}

/** Rounds of bench/host-spare.ts, in a process of its own (it is asynchronous; this section is not). */
function spareRounds(runs: number, env: NodeJS.ProcessEnv): { spareMs: number[]; editedMs: number[] } {
  const s = timedSpawn([path.join(__dirname, "host-spare.js"), String(runs)], env);
  const doc = JSON.parse(s.stdout.trim().split("\n").pop() ?? "{}") as { spareMs?: number[]; editedMs?: number[] };
  if (!doc.spareMs?.length || !doc.editedMs?.length) throw new Error(`bench/host-spare.js printed no figures:\n${s.stdout.slice(0, 2000)}`);
  return { spareMs: doc.spareMs, editedMs: doc.editedMs };
}

export function benchHost(runs: number, opts: { build?: boolean; inheritEnv?: boolean; quick?: boolean } = {}): HostResult {
  const buildMs = opts.build === false ? null : buildDist(opts.quick);
  if (!existsSync(path.join(ROOT, CLI))) throw new Error(`${CLI} is missing: run npm run build, or drop --no-build`);
  const env = { ...process.env };
  const envStripped = opts.inheritEnv ? [] : Object.keys(env).filter((k) => k.startsWith("NODE_")).sort();
  for (const k of envStripped) delete env[k];

  const ref = () => timedSpawn(["-e", "0"], env).ms;
  const cliLoad = () => timedSpawn([CLI, "--help"], env).ms;
  const floorFlags = hostFlagsOfRun();
  // Warm-up: the first spawn of each pays for disk caches and the esbuild binary's first exec.
  ref(); cliLoad(); runOnce(env); floorOnce(env, floorFlags);
  const samples: HostSamples = { refMs: [], cliLoadMs: [], firstLineMs: [], totalMs: [], wallMs: [], spareMs: [], spareEditedMs: [], floorMs: [] };
  // Interleaved, so a slow patch of the machine hits the reference and the run alike.
  for (let i = 0; i < runs; i++) {
    samples.refMs.push(ref());
    samples.cliLoadMs.push(cliLoad());
    const r = runOnce(env);
    samples.firstLineMs.push(r.firstLineMs);
    samples.totalMs.push(r.totalMs);
    samples.wallMs.push(r.wallMs);
    samples.floorMs.push(floorOnce(env, floorFlags));
  }
  ({ spareMs: samples.spareMs, editedMs: samples.spareEditedMs } = spareRounds(runs, env));
  const refMs = median(samples.refMs), cliLoadMs = median(samples.cliLoadMs), firstLineMs = median(samples.firstLineMs);
  const totalMs = median(samples.totalMs), wallMs = median(samples.wallMs), floorMs = median(samples.floorMs);
  const per = (f: (i: number) => number) => median(samples.totalMs.map((_, i) => f(i)));
  return {
    runs, envStripped, buildMs, refMs, cliLoadMs, firstLineMs, totalMs, wallMs, floorMs, floorFlags,
    spareMs: median(samples.spareMs), spareEditedMs: median(samples.spareEditedMs), spareTargetMs: TARGET_SPARE_FIRST_LINE_MS,
    breakdown: {
      outsideWallMs: per((i) => samples.totalMs[i] - samples.wallMs[i]),
      wallStartToFirstLineMs: per((i) => samples.firstLineMs[i] - (samples.totalMs[i] - samples.wallMs[i])),
      firstLineToExitMs: per((i) => samples.totalMs[i] - samples.firstLineMs[i]),
    },
    firstLineOverRef: firstLineMs / refMs, totalOverRef: totalMs / refMs, cliLoadOverRef: cliLoadMs / refMs, floorOverRef: floorMs / refMs,
    ratioTarget: TARGET_HOST_RATIO, samples,
  };
}

export function printHost(r: HostResult): void {
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  const env = r.envStripped.length ? `environment without ${r.envStripped.join(", ")}` : "environment as inherited";
  console.log(`Host start-up: \`faultline run ${DRIVER.split(path.sep).join("/")}\` (a driver whose first line prints Date.now(), an empty scenario), median of ${r.runs} spawns,`);
  console.log(`interleaved with the references; ${env}${r.buildMs === null ? "" : `; dist/ rebuilt first (${fmt(r.buildMs / 1000, 1)} s)`}.`);
  const rows: string[][] = [
    ["node -e 0: spawn to exit (the reference)", fmt(r.refMs), "1.00x"],
    ["faultline --help: spawn to exit (Node + loading dist/faultline.js)", fmt(r.cliLoadMs), `${fmt(r.cliLoadOverRef, 2)}x`],
    ["faultline run: spawn to the driver's first line", fmt(r.firstLineMs), `${fmt(r.firstLineOverRef, 2)}x`],
    ["faultline run: spawn to exit", fmt(r.totalMs), `${fmt(r.totalOverRef, 2)}x`],
    ["  spawn to exit outside the run's wallMs (the CLI's start, its exit)", fmt(r.breakdown.outsideWallMs), ""],
    ["  wallMs start to first line (bundling, the host's start, boot)", `~${fmt(r.breakdown.wallStartToFirstLineMs)}`, ""],
    ["  first line to exit (init, scenario, rmmod, both exits)", fmt(r.breakdown.firstLineToExitMs), ""],
    ["floor: a Node spawning a Node with the host's flags, to its first statement", fmt(r.floorMs), `${fmt(r.floorOverRef, 2)}x`],
    ["spare host ready: request (startHost) to the driver's first line, driver just edited", fmt(r.spareEditedMs), `${fmt(r.spareEditedMs / r.refMs, 2)}x`],
    ["  the same, driver and scenario unchanged (bundles from the cache)", fmt(r.spareMs), `${fmt(r.spareMs / r.refMs, 2)}x`],
  ];
  const head = ["step", "ms", "/ node -e 0"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const line = (x: string[]) => x.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  console.log([line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n"));
  console.log(`\n  first line / node -e 0 = ${fmt(r.firstLineOverRef, 2)}x      target <= ${r.ratioTarget}x   ${verdict(r.firstLineOverRef <= r.ratioTarget)}`);
  // Not a target: how far the run is above what two Node starts in a row cost before any of the host's code.
  console.log(`  (the floor, two Node starts in a row with the host's flags: ${fmt(r.floorOverRef, 2)}x node -e 0; the first line is ${fmt(r.firstLineMs - r.floorMs)} ms above it)`);
  // Issue 14: a host started ahead of need (the editor's and faultline test's): the target is absolute, as the issue sets it.
  console.log(`  spare host ready: request to first line (driver just edited) = ${fmt(r.spareEditedMs)} ms   target <= ${r.spareTargetMs} ms   ${verdict(r.spareEditedMs <= r.spareTargetMs)}\n`);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      "no-build": { type: "boolean", default: false },
      "inherit-env": { type: "boolean", default: false },
      json: { type: "string" },
    },
  });
  const runs = values.runs ? Number(values.runs) : (values.quick ? HOST_CONFIG.quick : HOST_CONFIG.full).runs;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
  console.log(`Faultline host start-up benchmark (${values.quick ? "quick" : "full"}), node ${process.version}, ${process.platform}/${process.arch}\n`);
  const r = benchHost(runs, { build: !values["no-build"], inheritEnv: values["inherit-env"], quick: values.quick });
  printHost(r);
  if (values.json) writeFileSync(values.json, JSON.stringify({ host: r }, null, 2) + "\n");
}

if (require.main === module) {
  try { main(); process.exit(0); } catch (e) { console.error(e); process.exit(1); }
}
