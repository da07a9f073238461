// The hostile-driver suite: one small driver per thing a driver can do to
// its host (host/test/hostile/*.ts, each a tiny valid module plus the hostile
// line, marked `// HOSTILE`), all run through runInHost() against one tiny
// scenario with small limits. For each, what a user must get: (a) the parent
// (this mocha process) unharmed, (b) the failure or finding of the right kind
// with a clear message (what was attempted, and the driver's file:line of
// the hostile line when it can be known), (c) the kernel log complete up to
// the failure, (d) for spinning drivers, a stop at the CPU-time limit that
// names the driver entry that was spinning. The suite runs twice: each
// driver in a host spawned for it (cold), and in a spare host started ahead
// of the run and claimed by it (issue 14); both must come out the same.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BootOptions } from "../../sim-core/src";
import { runInHost, spawnHost, type HostRunResult, type StartOptions } from "../src/host";
import { debugNode } from "../src/node";
import { DEFAULT_LIMITS, type Failure, type FailureKind, type HostLimits } from "../src/protocol";
import { alive, childrenOf } from "./procs";

const ROOT = path.resolve(__dirname, "../../..");
const DIR = path.join(ROOT, "host", "test", "hostile");
const SCENARIO = path.join(DIR, "scenario.ts");
const LIMITS: HostLimits = { ...DEFAULT_LIMITS, cpuMs: 1500, heapMb: 64, logLines: 2000, memoryMb: 512 };
/**
 * A stopped spin may overrun the CPU limit by this much (two host starts, boot, reporting). Generous: these
 * machines are shared (load averages of 15 on 2 cores were seen), and the bound that matters is WALL_MAX_MS.
 */
const SPIN_SLACK_MS = 8000;

interface Run { readonly r: HostRunResult; readonly wallMs: number }

/** Where each run's host comes from: spawned for it, or a spare already up that the run claims. */
const MODES = ["cold", "spare"] as const;
type Mode = typeof MODES[number];

const runs = new Map<string, Promise<Run>>();
/** Each mode's results by run, for the comparison at the end. */
const outcomes = new Map<string, Partial<Record<Mode, HostRunResult>>>();

/** Every hostile run, its diagnosis re-run included, ends within this (the bound on these machines). */
const WALL_MAX_MS = 30_000;
let worstWall = { name: "", ms: 0 };

/**
 * How a run of this mode gets its host: nothing (it spawns one), or a spare with the run's options, started and
 * ready before the run begins (so the run really is in a host that sat idle first). check() says it was used.
 */
async function hostFor(mode: Mode, o: { heapMb: number; debug?: boolean }): Promise<{ opts: StartOptions; check(): void }> {
  if (mode === "cold") return { opts: {}, check() {} };
  const spare = spawnHost({ heapMb: o.heapMb, debug: o.debug, cwd: ROOT });
  const until = performance.now() + 15_000;
  while (!spare.ready) {
    if (!spare.usable || performance.now() > until) throw new Error("the spare host did not come up");
    await new Promise((r) => setTimeout(r, 5));
  }
  return { opts: { spare }, check: () => assert.ok(spare.claimed, "the run did not take the spare host it was given") };
}

/** Runs host/test/hostile/<name>.ts once per mode; every test of the case shares the result. */
function runIn(mode: Mode, name: string, boot?: Omit<BootOptions, "onLog">, limits?: Partial<HostLimits>, scenario = SCENARIO): Promise<Run> {
  const case_ = `${name} ${scenario}`;
  const key = `${mode} ${case_}`;
  let p = runs.get(key);
  if (!p) {
    const all = { ...LIMITS, ...limits };
    p = hostFor(mode, { heapMb: all.heapMb }).then(async (host) => {
      const t0 = performance.now();
      const started = runInHost({ driver: driverFile(name), scenario, limits: all, boot, cwd: ROOT }, host.opts);
      host.check();
      const r = await started;
      const wallMs = performance.now() - t0;
      if (wallMs > worstWall.ms) worstWall = { name: `${name} (${mode})`, ms: wallMs };
      assert.ok(wallMs <= WALL_MAX_MS, `${name} took ${Math.round(wallMs)} ms`);
      outcomes.set(case_, { ...outcomes.get(case_), [mode]: r });
      return { r, wallMs };
    });
    runs.set(key, p);
  }
  return p;
}

/** Host processes (child.js / host.js) whose parent is this process. */
const hostChildren = (parent = process.pid) => childrenOf(parent, (cmd) => /(child|host)\.js/.test(cmd));

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const until = performance.now() + ms;
  let left = pids.filter(alive);
  while (left.length && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(alive);
  }
  return left;
}

/** No host process of this run (nor its diagnosis re-run) is left running. */
async function assertNoHostLeft(): Promise<void> {
  assert.deepEqual(await waitGone(hostChildren(), 3000), [], "host processes left running");
}

function driverFile(name: string): string {
  return path.join(DIR, `${name}.ts`);
}

/** The line of a driver marked `// HOSTILE` (1-based). */
function hostileLine(name: string): number {
  const lines = fs.readFileSync(driverFile(name), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes("// HOSTILE"));
  assert.ok(i >= 0, `${name}.ts has no // HOSTILE line`);
  return i + 1;
}

/** "hostile/<name>.ts:<line>", as it appears in locations and kernel log lines, absolute or relative. */
/** The line of a driver's file that holds `text` (a function's definition). */
function defLine(name: string, text: string): number {
  const i = fs.readFileSync(driverFile(name), "utf8").split("\n").findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${name}.ts has no ${text}`);
  return i + 1;
}

function at(name: string, line: number): string {
  return `hostile/${name}.ts:${line}`;
}

function texts(r: HostRunResult): string[] {
  return r.log.map((x) => x.text);
}

/** The index of the first kernel log line containing s (fails when there is none). */
function logIndex(r: HostRunResult, s: string): number {
  const i = texts(r).findIndex((t) => t.includes(s));
  assert.ok(i >= 0, `the kernel log has no line with ${JSON.stringify(s)}; it has:\n${texts(r).slice(-15).join("\n")}`);
  return i;
}

/** The one failure of a run, of the kind expected. */
function theFailure(r: HostRunResult, kind: FailureKind): Failure {
  assert.deepEqual(r.failures.map((f) => f.kind), [kind], `failures: ${JSON.stringify(r.failures, null, 1)}`);
  return r.failures[0];
}

function locationOf(f: Failure): string | undefined {
  return f.location ? `${f.location.file}:${f.location.line}` : undefined;
}

/** The driver's file:line is in the failure's location or, for an oops, in the oops report in the kernel log. */
function assertPointsAt(r: HostRunResult, f: Failure, where: string): void {
  const inFailure = (locationOf(f) ?? "").endsWith(where) || f.message.includes(where);
  const inLog = texts(r).some((t) => t.includes(where));
  assert.ok(inFailure || inLog, `neither the failure (${locationOf(f) ?? "no location"}) nor the kernel log names ${where}`);
}

/** The boot log is whole: it starts at the banner and reaches the slab allocator's line. */
function assertBootLogWhole(r: HostRunResult): void {
  assert.match(r.log[0]?.text ?? "", /^Linux version /);
  logIndex(r, "SLUB: ");
}

/**
 * (a) This process is unharmed: its realm's built-ins are its own, nothing
 * set its exit code, and the host process it started is gone.
 */
function assertParentUnharmed(r: HostRunResult, bundled = true): void {
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "toJSON"), false);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "violation"), false);
  assert.match(Function.prototype.toString.call(Array.prototype.push), /\[native code\]/);
  assert.equal(globalThis.Object.name, "Object");
  assert.equal(JSON.stringify({ a: [1] }), '{"a":[1]}');
  assert.equal(process.exitCode, undefined);
  if (bundled) assert.ok(r.exit.code !== null || r.exit.signal !== null, "the host process has ended");
  // The host starts while esbuild bundles; with nothing to run it is stopped before it boots a kernel.
  else assert.ok(r.summary === undefined && r.log.length === 0, "the host ran nothing");
}

/** A leak of the driver's, reported by kmemleak at rmmod: the checker still works. */
function assertLeakFound(r: HostRunResult, name: string, marker: string): void {
  const src = fs.readFileSync(driverFile(name), "utf8").split("\n");
  const line = src.findIndex((l) => l.includes(marker)) + 1;
  assert.ok(line > 0);
  assert.deepEqual(r.findings.map((f) => `${f.rule} ${f.location ? path.basename(f.location.file) : "-"}:${f.location?.line}`), [`MEM008 ${name}.ts:${line}`]);
  assert.match(r.findings[0].message, /unreferenced object .* \(size 48\) allocated by kmalloc\(\)/);
}

/** The spinning line, found by the paused debug re-run (it needs the debug Node that npm test installs). */
function assertSpinLine(f: Failure, name: string): void {
  if (!debugNode()) return;
  const line = hostileLine(name);
  assert.match(f.message, new RegExp(`It was spinning at \\w+ \\(.*${name}\\.ts:${line}\\)\\.$`));
  assert.equal(f.location?.line, line);
  assert.equal(path.basename(f.location?.file ?? ""), `${name}.ts`);
}

const LEAK_MARKER = "never freed: the leak the checker must still find";

for (const mode of MODES) describe(`hostile drivers (${mode} host)`, function () {
  this.timeout(20_000);
  const run = (name: string, boot?: Omit<BootOptions, "onLog">, limits?: Partial<HostLimits>, scenario = SCENARIO) => runIn(mode, name, boot, limits, scenario);

  describe("a driver that throws in init", () => {
    const name = "throws";
    it("leaves the parent unharmed and the log complete up to the oops", async () => {
      const { r } = await run(name);
      assertParentUnharmed(r);
      assertBootLogWhole(r);
      const before = logIndex(r, "hostile: throws: before the throw");
      assert.ok(logIndex(r, "BUG: the driver's init() threw") > before);
      assert.equal(r.exit.code, 0);
    });
    it("is an oops in init() with the error's message, pointing at the throw", async () => {
      const { r } = await run(name);
      const f = theFailure(r, "oops");
      assert.match(f.message, /init\(\)/);
      assert.match(f.message, /hostile: init went wrong on purpose/);
      assert.doesNotMatch(f.message, /Error: Error:/);
      assertPointsAt(r, f, at(name, hostileLine(name)));
    });
  });

  describe("a driver that throws in a file operation", () => {
    const name = "throws_read";
    it("leaves the parent unharmed and the log complete; the run goes on to rmmod", async () => {
      const { r } = await run(name);
      assertParentUnharmed(r);
      assertBootLogWhole(r);
      const before = logIndex(r, "hostile: throws_read: read() about to throw");
      assert.ok(logIndex(r, "BUG: the driver's read() threw") > before);
      assert.ok(logIndex(r, "hostile: exit") > before);
      assert.equal(r.exit.code, 0);
    });
    it("is an oops in read() with the error's message, pointing at the throw", async () => {
      const { r } = await run(name);
      const f = theFailure(r, "oops");
      assert.match(f.message, /read\(\)/);
      assert.match(f.message, /hostile: read went wrong on purpose/);
      assert.doesNotMatch(f.message, /Error: Error:/);
      assertPointsAt(r, f, at(name, hostileLine(name)));
    });
  });

  describe("a driver that loops forever in init", () => {
    const name = "spin_init";
    it("is stopped at the CPU-time limit, which names init() as where it spun", async () => {
      const { r, wallMs } = await run(name);
      assertParentUnharmed(r);
      // The run, then its paused debug re-run that finds the line.
      assert.ok(wallMs < 2 * LIMITS.cpuMs + SPIN_SLACK_MS, `the run took ${Math.round(wallMs)} ms`);
      assert.equal(r.exit.code, 0, "the host stopped itself: the parent did not have to kill it");
      const f = theFailure(r, "cpu-limit");
      assert.match(f.message, /more than 1\.5 s of CPU time/);
      assert.match(f.message, /in the driver's init\(\) \(pid 1, insmod\)/);
      assert.match(f.message, /a loop that never ends/);
      assertSpinLine(f, name);
    });
    it("keeps the log up to the spin", async () => {
      const { r } = await run(name);
      assertBootLogWhole(r);
      assert.equal(texts(r).at(-1), "hostile: spin_init: about to spin");
    });
  });

  describe("a driver that loops forever in a file operation", () => {
    const name = "spin_read";
    it("is stopped at the CPU-time limit, which names read() and the calling process", async () => {
      const { r, wallMs } = await run(name);
      assertParentUnharmed(r);
      assert.ok(wallMs < 2 * LIMITS.cpuMs + SPIN_SLACK_MS, `the run took ${Math.round(wallMs)} ms`);
      assert.equal(r.exit.code, 0, "the host stopped itself: the parent did not have to kill it");
      const f = theFailure(r, "cpu-limit");
      assert.match(f.message, /more than 1\.5 s of CPU time/);
      assert.match(f.message, /in the driver's read\(\) \(pid \d+, hostile-test\)/);
      assertSpinLine(f, name);
    });
    it("keeps the log and the scenario's output up to the spin", async () => {
      const { r } = await run(name);
      assertBootLogWhole(r);
      assert.ok(logIndex(r, "hostile: spin_read: registered /dev/hostile (0)") < logIndex(r, "hostile: spin_read: read() about to spin"));
      assert.equal(r.stdout, "scenario: start\n");
    });
  });

  describe("a driver that recurses without bound", () => {
    const name = "recursion";
    it("leaves the parent unharmed and the log complete up to the oops", async () => {
      const { r } = await run(name);
      assertParentUnharmed(r);
      assertBootLogWhole(r);
      const before = logIndex(r, "hostile: recursion: about to recurse");
      assert.ok(logIndex(r, "Maximum call stack size exceeded") > before);
      assert.equal(r.exit.code, 0);
    });
    it("is an oops that says it is unbounded recursion, naming the function and its line", async () => {
      const { r } = await run(name);
      const f = theFailure(r, "oops");
      const report = [f.message, ...texts(r)].join("\n");
      assert.match(report, /unbounded recursion: descend \(/);
      assertPointsAt(r, f, at(name, hostileLine(name)));
    });
  });

  describe("a driver that exhausts the heap", () => {
    const name = "heap";
    it("kills only the host, reported as kind heap, with the log up to it", async () => {
      // On a loaded machine 64 MiB can take longer than 1.5 s to fill: only the heap may end this run.
      const { r } = await run(name, undefined, { cpuMs: 10_000 });
      assertParentUnharmed(r);
      assert.equal(r.summary, undefined, "the host died before its summary");
      const f = theFailure(r, "heap");
      assert.match(f.message, /ran out of its 64 MiB heap while the driver loaded/);
      assert.match(f.message, /allocating JavaScript memory/);
      if (debugNode()) {
        // Found by a debug re-run paused as its heap nears the cap.
        assert.match(f.message, /It was allocating at hostile_init \(.*heap\.ts:\d+\)\.$/);
        assert.equal(f.location?.line, hostileLine(name));
      }
      assertBootLogWhole(r);
      assert.equal(texts(r).at(-1), "hostile: heap: about to hoard");
    });
  });

  describe("calls outside the kernel API", () => {
    describe("process.exit(1)", () => {
      const name = "process_exit";
      it("does not end the host; the log is complete up to the oops", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.equal(r.exit.code, 0, "the host ended on its own terms, not with the driver's exit code");
        const before = logIndex(r, "hostile: process_exit: about to exit the host");
        assert.ok(logIndex(r, "process is not defined") > before);
      });
      it("is an oops saying process is Node's, not the kernel's, at the call", async () => {
        const { r } = await run(name);
        const f = theFailure(r, "oops");
        assert.match([f.message, ...texts(r)].join("\n"), /`process` is Node's, not the kernel's/);
        assertPointsAt(r, f, at(name, hostileLine(name)));
      });
    });

    describe("require('fs') through globalThis, left for run time", () => {
      const name = "global_require";
      it("finds no require; the parent is unharmed and the log complete", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const before = logIndex(r, "hostile: global_require: about to require fs");
        assert.ok(logIndex(r, "globalThis.require is not a function") > before);
        assert.equal(r.exit.code, 0);
      });
      it("is an oops naming require, at the call", async () => {
        const { r } = await run(name);
        const f = theFailure(r, "oops");
        assert.match(f.message, /require/);
        assertPointsAt(r, f, at(name, hostileLine(name)));
      });
    });

    describe("require() of a computed name, left for run time", () => {
      const name = "computed_require";
      it("is refused by the sandbox's require, with the driver's line in the oops", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const before = logIndex(r, "hostile: computed_require: about to require child_process");
        assert.ok(logIndex(r, "cannot find module 'child_process': drivers may import only the kernel API") > before);
        logIndex(r, `RIP: 0010:hostile_init (host/test/hostile/computed_require.ts:${hostileLine(name)})`);
        assert.equal(r.exit.code, 0);
      });
      it("is an oops saying only the kernel API can be loaded, at the call", async () => {
        const { r } = await run(name);
        const f = theFailure(r, "oops");
        assert.match(f.message, /cannot find module 'child_process'/);
        assertPointsAt(r, f, at(name, hostileLine(name)));
      });
    });

    describe("import() of a computed specifier", () => {
      const name = "dynamic_import";
      it("is an unhandled rejection saying import() at run time is not possible, at the import", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "unhandled-rejection");
        assert.match(f.message, /A dynamic import callback was not specified/);
        assert.match(f.message, /import\(\) at run time: a driver can import only the kernel API/);
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
        logIndex(r, "hostile: dynamic_import: about to import child_process");
        assert.equal(r.stdout, "scenario: start\nscenario: end\n");
      });
    });

    describe("require('fs') written statically", () => {
      const name = "static_require";
      it("is refused at bundle time with the file and line, and no host is started", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r, false);
        const f = theFailure(r, "bundle");
        assert.match(f.message, new RegExp(`${at(name, hostileLine(name)).replace(/\./g, "\\.")}:\\d+: error: Could not resolve "fs"`));
        assert.match(f.message, /Node's modules are not part of a kernel/);
        assert.deepEqual(r.log, []);
      });
    });

    describe("eval('process.exit(3)')", () => {
      const name = "eval_exit";
      it("does not end the host; the log is complete up to the oops", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.equal(r.exit.code, 0, "the host ended on its own terms, not with the driver's exit code");
        const before = logIndex(r, "hostile: eval_exit: about to eval");
        assert.ok(logIndex(r, "process is not defined") > before);
      });
      it("is an oops saying process is Node's, not the kernel's, at the eval", async () => {
        const { r } = await run(name);
        const f = theFailure(r, "oops");
        assert.match([f.message, ...texts(r)].join("\n"), /`process` is Node's, not the kernel's/);
        assertPointsAt(r, f, at(name, hostileLine(name)));
      });
    });

    describe("new Function('return require')()", () => {
      const name = "new_function";
      it("finds no global require; the parent is unharmed and the log complete", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const before = logIndex(r, "hostile: new_function: about to look for require");
        assert.ok(logIndex(r, "require is not defined") > before);
        assert.equal(r.exit.code, 0);
      });
      it("is an oops saying require is Node's, not the kernel's, at the call", async () => {
        const { r } = await run(name);
        const f = theFailure(r, "oops");
        assert.match([f.message, ...texts(r)].join("\n"), /`require` is Node's, not the kernel's/);
        assertPointsAt(r, f, at(name, hostileLine(name)));
      });
    });
  });

  describe("tampering with the driver's own realm", () => {
    describe("replacing globalThis.Object, Array.prototype.push and other built-ins in init", () => {
      const name = "global_tamper";
      it("leaves the parent unharmed", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        logIndex(r, "hostile: global_tamper: init done");
      });
      it("does not stop the run: it completes and the checker still finds the leak", async () => {
        const { r } = await run(name);
        assert.deepEqual(r.failures, []);
        assert.equal(r.stdout, "scenario: start\nscenario: end\n");
        assertLeakFound(r, name, LEAK_MARKER);
        logIndex(r, "hostile: exit");
      });
    });

    describe("polluting Object.prototype in init", () => {
      const name = "proto_pollution";
      it("leaves the parent unharmed", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        logIndex(r, "hostile: proto_pollution: init done");
      });
      it("does not stop the run: it completes and the checker still finds the leak", async () => {
        const { r } = await run(name);
        assert.deepEqual(r.failures, []);
        assert.equal(r.stdout, "scenario: start\nscenario: end\n");
        assertLeakFound(r, name, LEAK_MARKER);
        logIndex(r, "hostile: exit");
      });
    });

    describe("the same tampering in exit, after the scenario", () => {
      const name = "tamper_at_exit";
      it("leaves the kernel's bookkeeping alone: the run completes and the leak is found", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.deepEqual(r.failures, []);
        assert.equal(r.summary?.completed, true);
        assert.equal(r.stdout, "scenario: start\nscenario: end\n");
        assertLeakFound(r, name, LEAK_MARKER);
        assert.ok(logIndex(r, "hostile: tamper_at_exit: tampered") < logIndex(r, "unreferenced object"));
      });
    });
  });

  describe("overwriting a kernel API function", () => {
    describe("(slab as any).kmalloc = …", () => {
      const name = "api_overwrite";
      it("is refused at bundle time: an import cannot be assigned", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r, false);
        const f = theFailure(r, "bundle");
        assert.match(f.message, new RegExp(`${at(name, hostileLine(name)).replace(/\./g, "\\.")}:\\d+: error: Cannot assign to import "kmalloc"`));
      });
    });

    describe("the same through an alias esbuild cannot see", () => {
      const name = "api_overwrite_alias";
      it("fails to assign; the parent is unharmed and the log complete", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const before = logIndex(r, "hostile: api_overwrite_alias: about to replace kmalloc");
        assert.ok(logIndex(r, "Cannot set property kmalloc") > before);
        assert.equal(texts(r).some((t) => t.includes("kmalloc now returns")), false, "kmalloc was not replaced");
      });
      it("is an oops saying the kernel API is read-only, at the assignment", async () => {
        const { r } = await run(name);
        const f = theFailure(r, "oops");
        assert.match([f.message, ...texts(r)].join("\n"), /the kernel API is read-only: the driver tried to replace or change `kmalloc`/);
        assertPointsAt(r, f, at(name, hostileLine(name)));
      });
    });
  });

  describe("reaching the host through a kernel function's constructor", () => {
    const name = "fn_constructor";
    it("is blocked, explained in the oops at the driver's line", async () => {
      const { r } = await run(name);
      assertParentUnharmed(r);
      assert.equal(r.exit.code, 0, "the host did not run the driver's proc.exit(4)");
      const before = logIndex(r, "hostile: fn_constructor: about to reach the host");
      assert.ok(logIndex(r, "EvalError: code generation in the host is blocked") > before);
      logIndex(r, "(the driver reached for the host's Function constructor through a kernel object");
      logIndex(r, `RIP: 0010:hostile_init (host/test/hostile/fn_constructor.ts:${hostileLine(name)})`);
      assert.equal(texts(r).some((t) => t.includes("got the host's process")), false);
    });
    it("is an oops saying code generation in the host is blocked", async () => {
      const { r } = await run(name);
      const f = theFailure(r, "oops");
      assert.match(f.message, /code generation in the host is blocked/);
      assertPointsAt(r, f, at(name, hostileLine(name)));
    });
  });

  describe("a log flood", () => {
    const name = "log_flood";
    it("is stopped at the log limit, naming the line that printed", async () => {
      const { r } = await run(name);
      assertParentUnharmed(r);
      const f = theFailure(r, "log-flood");
      assert.match(f.message, /the kernel log reached 2000 lines: the driver is flooding it/);
      assert.match(f.message, new RegExp(`hostile/log_flood\\.ts:${hostileLine(name)}\\)`));
      assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
    });
    it("keeps every line up to the limit, none lost", async () => {
      const { r } = await run(name);
      assertBootLogWhole(r);
      assert.equal(r.log.length, LIMITS.logLines);
      const first = logIndex(r, "hostile: log_flood: about to flood") + 1;
      const flood = texts(r).slice(first);
      assert.ok(flood.length > 1000);
      flood.forEach((t, i) => assert.equal(t, `hostile: flood line ${i}`));
    });
  });

  describe("a promise rejected and never handled", () => {
    const name = "unhandled_rejection";
    it("is an unhandled rejection with the error's message; the run itself completes", async () => {
      const { r } = await run(name);
      assertParentUnharmed(r);
      const f = theFailure(r, "unhandled-rejection");
      assert.match(f.message, /a promise was rejected and nothing handled it: Error: hostile: background work failed on purpose/);
      logIndex(r, "hostile: unhandled_rejection: starting background work");
      assert.equal(r.stdout, "scenario: start\nscenario: end\n");
      assert.equal(r.exit.code, 0);
    });
    it("points at the throw", async () => {
      const { r } = await run(name);
      const f = theFailure(r, "unhandled-rejection");
      assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
    });
  });

  describe("switching the checker off from objects the driver is given", () => {
    describe("(pdev.dev as any).k in a PCI probe", () => {
      const name = "pdev_kernel";
      const boot = { devices: ["edu"] };
      it("leaves the parent unharmed and the log complete", async () => {
        const { r } = await run(name, boot);
        assertParentUnharmed(r);
        assert.ok(logIndex(r, "hostile: pdev_kernel: registering") < logIndex(r, "hostile: pdev_kernel: pdev.dev.k is"));
      });
      // Kernel objects keep their kernel in ES private fields (#k) or out of reach (device models): no property leads to it.
      it("cannot reach the kernel: the leak is still found", async () => {
        const { r } = await run(name, boot);
        logIndex(r, "hostile: pdev_kernel: pdev.dev.k is not reachable");
        assertLeakFound(r, name, LEAK_MARKER);
      });
    });

    describe("(vma as any).vm_mm.k in mmap", () => {
      const name = "vma_kernel";
      it("leaves the parent unharmed and the log complete", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.ok(logIndex(r, "hostile: vma_kernel: registering /dev/hostile") < logIndex(r, "hostile: vma_kernel: vma.vm_mm.k is"));
        assert.equal(r.stdout, "scenario: start\nscenario: read returned -1\nscenario: mmap succeeded\nscenario: end\n");
      });
      it("cannot reach the kernel: the leak is still found", async () => {
        const { r } = await run(name);
        logIndex(r, "hostile: vma_kernel: vma.vm_mm.k is not reachable");
        assertLeakFound(r, name, LEAK_MARKER);
      });
    });

    describe("the host realm's Object.prototype through a kernel function's prototype chain", () => {
      const name = "host_proto";
      // The host realm's intrinsics are frozen before any driver runs (lockdownHostRealm()): the assignment throws,
      // the driver catches it, and the checker still reports the leak it then makes.
      it("is refused: the host's Object.prototype is frozen", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.ok(logIndex(r, "hostile: host_proto: refused: Cannot add property toJSON, object is not extensible") < logIndex(r, "unreferenced object"));
      });
      it("cannot silence the checker: the leak is still found", async () => {
        const { r } = await run(name);
        assertLeakFound(r, name, LEAK_MARKER);
      });
    });
  });

  describe("one lifetime for everything the driver started", () => {
    describe("an async function of init's that spins after its first await", () => {
      const name = "async_spin";
      it("is stopped at the CPU-time limit as an async continuation of init(), at the loop", async () => {
        const { r, wallMs } = await run(name);
        assertParentUnharmed(r);
        assert.ok(wallMs < 2 * LIMITS.cpuMs + SPIN_SLACK_MS, `the run took ${Math.round(wallMs)} ms`);
        assert.equal(r.exit.code, 0, "the host stopped itself");
        const f = theFailure(r, "cpu-limit");
        assert.match(f.message, /in an async continuation of the driver's, run after its init\(\) returned/);
        assertSpinLine(f, name);
        assert.equal(texts(r).at(-1), "hostile: async_spin: starting background work");
        await assertNoHostLeft();
      });
    });

    describe("a promise chain that re-queues itself", () => {
      const name = "promise_chain";
      it("is stopped at the CPU-time limit as an async continuation, at the line that queues the next job", async () => {
        const { r, wallMs } = await run(name);
        assertParentUnharmed(r);
        assert.ok(wallMs < 2 * LIMITS.cpuMs + SPIN_SLACK_MS + 1000, `the run took ${Math.round(wallMs)} ms`);
        // Every job leaves a pending promise behind: the heap may run out before the CPU limit comes, which is as true.
        assert.equal(r.failures.length, 1, JSON.stringify(r.failures));
        const f = r.failures[0];
        if (f.kind === "cpu-limit") assert.match(f.message, /in an async continuation of the driver's, run after its init\(\) returned/);
        else assert.ok(f.kind === "heap" || f.kind === "memory", f.kind);
        // The re-run that places a memory kill pauses at a guess of when memory ran out, so it may find no
        // line; when it names one it must be the right one. A CPU-limit stop is always placed.
        if (debugNode() && (f.kind === "cpu-limit" || f.location)) {
          assert.equal(f.location?.line, hostileLine(name));
          assert.match(f.message, /It was (spinning|allocating) at again \(/);
        }
        assertBootLogWhole(r);
        await assertNoHostLeft();
      });
    });

    describe("an async continuation of exit()'s, after the module is gone", () => {
      const name = "late_work";
      it("is a failure saying the driver's code ran after the run had ended, at the await", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "oops");
        assert.match(f.message, /^the driver's code ran after the run had ended: an async continuation/);
        assert.match(f.message, /a kernel has no event loop/);
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
        assert.equal(r.summary?.completed, true);
        assert.ok(logIndex(r, "hostile: exit") >= 0);
        assert.equal(r.exit.code, 0);
      });
    });

    describe("a FinalizationRegistry cleanup due after the end (garbage collected by the host once the run has ended)", () => {
      const name = "finalizer_late";
      it("is a failure saying the callback was due, at the registry's line, and the callback never runs", async () => {
        const host = await hostFor(mode, { heapMb: LIMITS.heapMb });
        const started = runInHost({ driver: driverFile(name), scenario: SCENARIO, limits: LIMITS, cwd: ROOT, gcAtEnd: true }, host.opts);
        host.check();
        const r = await started;
        assertParentUnharmed(r);
        const f = theFailure(r, "oops");
        assert.match(f.message, /^the driver's code ran after the run had ended: a FinalizationRegistry cleanup callback was due \(it was not run/);
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
        assert.equal(r.summary?.completed, true);
        logIndex(r, "hostile: finalizer_late: registered");
        logIndex(r, "hostile: finalizer_late: exit, registry object");
        assert.ok(!texts(r).some((t) => t.includes("cleanup ran")), "the cleanup callback ran");
      });
    });

    describe("an unhandled rejection whose reason's getters spin and throw", () => {
      const name = "rejection_getter";
      it("is reported as unreadable, in bounded time, and the host ends on its own", async () => {
        const { r, wallMs } = await run(name);
        assertParentUnharmed(r);
        assert.ok(wallMs < 10_000, `the run took ${Math.round(wallMs)} ms`);
        const f = theFailure(r, "unhandled-rejection");
        assert.match(f.message, /a promise was rejected and nothing handled it: a value whose name, message or stack could not be read/);
        assert.equal(r.exit.code, 0);
        assert.equal(r.stdout, "scenario: start\nscenario: end\n");
        logIndex(r, "hostile: exit");
      });
    });

    describe("the parent goes mid-run", () => {
      for (const [hostMode, signal] of [["normal", "SIGTERM"], ["normal", "SIGKILL"], ["debug", "SIGKILL"]] as const) {
        if (hostMode === "debug" && !debugNode()) continue;
        it(`${hostMode} host, parent sent ${signal}: the host ends too`, async function () {
          this.timeout(30_000);
          const { spawn } = await import("node:child_process");
          const parent = spawn(process.execPath, [path.join(__dirname, "host-parent.js"), driverFile("spin_init"), SCENARIO, hostMode, ...(mode === "spare" ? ["spare"] : [])], { stdio: ["ignore", "pipe", "inherit"] });
          await new Promise<void>((resolve, reject) => {
            parent.stdout!.setEncoding("utf8");
            parent.stdout!.on("data", (d: string) => { if (d.includes("started driver")) resolve(); });
            parent.on("exit", () => reject(new Error("the parent ended before its host ran the driver")));
          });
          const hosts = hostChildren(parent.pid);
          assert.equal(hosts.length, 1, `the parent's hosts: ${hosts}`);
          parent.kill(signal);
          // The watchdog looks every 20 ms; a host spinning in the driver's init() cannot hold it up.
          assert.deepEqual(await waitGone(hosts, 2000), [], `host ${hosts[0]} outlived its parent`);
        });
      }
    });

    describe("a debug run that nobody attaches to", () => {
      it("ends at its wall-clock limit instead of spinning for ever", async function () {
        if (!debugNode()) this.skip();
        const t0 = performance.now();
        const { startHost } = await import("../src/host");
        const host = await hostFor(mode, { heapMb: LIMITS.heapMb, debug: true });
        const s = startHost({ driver: driverFile("spin_init"), scenario: SCENARIO, limits: LIMITS, cwd: ROOT, debug: true }, host.opts);
        host.check();
        await s.debugReady;
        s.start();
        const r = await s.done;
        const wallMs = performance.now() - t0;
        assert.ok(wallMs < LIMITS.cpuMs + 3000 + SPIN_SLACK_MS, `the debug run took ${Math.round(wallMs)} ms`);
        const f = theFailure(r, "cpu-limit");
        assert.match(f.message, /its watchdog ended it/);
        assert.equal(r.exit.signal, "SIGKILL");
        assert.equal(texts(r).at(-1), "hostile: spin_init: about to spin");
      });
    });
  });

  describe("limits that hold", () => {
    describe("a log flood whose stop the driver catches", () => {
      const name = "log_flood_caught";
      it("is a log flood at exactly the limit, not one line more", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "log-flood");
        assert.match(f.message, /the kernel log reached 2000 lines/);
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
        assert.equal(r.log.length, LIMITS.logLines);
        assert.equal(texts(r).some((t) => t.includes("refusals")), false, "no driver code ran after the limit (its exit())");
        const first = logIndex(r, "hostile: log_flood_caught: about to flood") + 1;
        texts(r).slice(first).forEach((t, i) => assert.equal(t, `hostile: flood line ${i}`));
      });
    });

    describe("enormous log lines", () => {
      const name = "log_bytes";
      it("are cut at printk's 1024 bytes, and the run stops as a log flood by bytes", async () => {
        // Formatting a 128 K line costs about a millisecond; the CPU limit is the default's so that only the log limit can end it.
        const { r } = await run(name, undefined, { logBytes: 256 * 1024, cpuMs: 10_000 });
        assertParentUnharmed(r);
        const f = theFailure(r, "log-flood");
        assert.match(f.message, /the kernel log reached 262144 bytes/);
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
        const wide = texts(r).slice(logIndex(r, "hostile: log_bytes: about to print wide lines") + 1);
        assert.ok(wide.length > 100 && wide.every((t) => t.length === 1024), "every wide record is cut at 1024");
        assert.ok(r.log.reduce((n, x) => n + x.text.length + 1, 0) < 256 * 1024 + 8 * 1024);
      });
    });

    describe("ArrayBuffers hoarded outside the heap cap", () => {
      const name = "arraybuffers";
      it("are ended by the watchdog at the memory limit, reported as memory, at the line", async () => {
        const { r, wallMs } = await run(name, undefined, { memoryMb: 192, cpuMs: 10_000 });
        assertParentUnharmed(r);
        assert.ok(wallMs < 20_000, `the run took ${Math.round(wallMs)} ms`);
        const f = theFailure(r, "memory");
        const m = /^out of memory: the host's resident memory reached (\d+) MiB, past its 192 MiB limit, while the driver loaded/.exec(f.message);
        assert.ok(m, f.message);
        assert.ok(Number(m[1]) >= 192, "the resident size it names is at least the limit (rounded to MiB)");
        assert.match(f.message, /ArrayBuffers/);
        assert.equal(r.exit.signal, "SIGKILL");
        if (debugNode()) assert.equal(f.location?.line, hostileLine(name));
        assert.equal(texts(r).at(-1), "hostile: arraybuffers: about to hoard");
        await assertNoHostLeft();
      });
    });

    describe("a scenario that prints 8 MiB", () => {
      it("has its output cut at stdoutBytes, with a line that says so", async () => {
        const { r } = await run("benign", undefined, { stdoutBytes: 300 * 1024 }, path.join(DIR, "scenario_chatty.ts"));
        assertParentUnharmed(r);
        assert.deepEqual(r.failures, []);
        assert.ok(r.stdout.length < 300 * 1024 + 200, `${r.stdout.length} characters of output`);
        assert.ok(r.stdout.startsWith("z".repeat(128 * 1024) + "\n"));
        assert.match(r.stdout, /\n\[faultline: the program's output passed 307200 characters; the rest is cut\]\n$/);
        logIndex(r, "hostile: exit");
      });
    });

    describe("an Error with a 48 M character message", () => {
      const name = "huge_message";
      it("is an oops like any other, its message cut, quickly", async () => {
        const { r, wallMs } = await run(name, undefined, { heapMb: 512, memoryMb: 1024, cpuMs: 10_000 });
        assertParentUnharmed(r);
        assert.ok(wallMs < 15_000, `the run took ${Math.round(wallMs)} ms`);
        const f = theFailure(r, "oops");
        assert.ok(f.message.length < 10_000, `a message of ${f.message.length} characters`);
        assert.match(f.message, /^BUG: the driver's init\(\) threw Error: yyyy/);
        assertPointsAt(r, f, at(name, hostileLine(name)));
        assert.ok(r.log.every((x) => x.text.length <= 1024));
      });
    });
  });

  describe("C's contracts at the boundary", () => {
    describe("module_init(async function …)", () => {
      const name = "async_init";
      it("is an oops saying init returned a Promise and to remove async, at init", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "oops");
        assert.equal(f.message, "BUG: the driver's init returned a Promise: module_init functions run synchronously in the kernel; remove async");
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
        logIndex(r, `RIP: 0010:hostile_init (host/test/hostile/async_init.ts:${hostileLine(name)})`);
        assert.equal(r.summary?.insmod, -14, "insmod did not take it as success");
      });
    });

    describe("a read() that returns nothing", () => {
      const name = "read_returns_nothing";
      it("is an oops in read() naming what it returned and what read returns", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "oops");
        assert.equal(f.message, "BUG: the driver's read returned undefined (a missing return statement?): the file operation read returns ssize_t (a byte count, or a negative errno)");
        assert.ok(logIndex(r, "hostile: read_returns_nothing: read()") < logIndex(r, "BUG: the driver's read returned undefined"));
        assert.equal(r.stdout, "scenario: start\n", "the process died of the oops");
        logIndex(r, "hostile: exit");
        // The callback was reached through a closure: it is placed by its own definition.
        logIndex(r, `RIP: 0010:hostile_read (host/test/hostile/read_returns_nothing.ts:${defLine(name, "function hostile_read(")})`);
      });
    });

    describe("callbacks reached through the kernel's structures, returning the wrong type", () => {
      for (const [name, boot, scenario, fn, message, done] of [
        ["read_returns_string", undefined, SCENARIO, "hostile_read",
          `BUG: the driver's read returned a string ("hello"): the file operation read returns ssize_t (a byte count, or a negative errno)`, "hostile: exit"],
        ["fault_returns_nothing", undefined, path.join(DIR, "scenario_touch.ts"), "fault",
          "BUG: the driver's fault returned undefined (a missing return statement?): a fault handler returns vm_fault_t (0 or VM_FAULT_* bits)", "hostile: exit"],
        ["irq_async", { devices: ["edu"] }, SCENARIO, "async_irq",
          "BUG: the driver's irq returned a Promise: interrupt handlers run synchronously in the kernel; remove async", undefined],
      ] as const) {
        it(`${name}: an oops naming the callback, what it returned and the callback's file:line`, async () => {
          const { r } = await run(name, boot, undefined, scenario);
          assertParentUnharmed(r);
          const f = theFailure(r, "oops");
          assert.equal(f.message, message);
          const line = hostileLine(name);
          assert.ok(locationOf(f)?.endsWith(at(name, line)), `location: ${locationOf(f)}`);
          logIndex(r, `RIP: 0010:${fn} (host/test/hostile/${name}.ts:${line})`);
          if (done) logIndex(r, done);
        });
      }
    });
  });

  describe("an interrupt storm", () => {
    const boot = { devices: ["edu"] };
    for (const [name, headline, why] of [
      ["irq_nobody", /^irq \d+: nobody cared \(try booting with the "irqpoll" option\)$/, "its handler raises the line again on every interrupt and does not handle it"],
      ["irq_storm", /^irq \d+: 10000 interrupts in a row, each raised again by its own handler: an interrupt storm$/, "its handler raises the line again on every interrupt"],
    ] as const) {
      it(`${name}: reported as a finding with the handlers and "Disabling IRQ #N", at the line that raises it; the run goes on`, async () => {
        // Ten thousand interrupts take a while on a loaded machine: only the storm check may end this run.
        const { r } = await run(name, boot, { cpuMs: 10_000 });
        assertParentUnharmed(r);
        assert.deepEqual(r.failures, []);
        assert.deepEqual(r.findings.map((f) => f.rule), ["IRQ001"]);
        const f = r.findings[0];
        assert.match(f.message, new RegExp(`^irq \\d+ disabled: ${why}$`));
        assert.ok(`${f.location?.file}:${f.location?.line}`.endsWith(at(name, hostileLine(name))), `location: ${JSON.stringify(f.location)}`);
        const i = r.log.findIndex((x) => headline.test(x.text) && x.level === 3);
        assert.ok(i >= 0, "the report's headline");
        assert.equal(r.log.filter((x) => /nobody cared|interrupt storm/.test(x.text)).length, 1, "the report's headline, once");
        const report = texts(r).slice(i, i + 12);
        assert.ok(report.includes("handlers:") && report.includes("[<(____ptrval____)>] storm_irq"), report.join("\n"));
        assert.ok(report.some((t) => /^Disabling IRQ #\d+$/.test(t)));
        logIndex(r, `hostile: ${name}: 10000 interrupts`);
        logIndex(r, "hostile: remove after 10000 interrupts");
        assert.equal(r.stdout, "scenario: start\nscenario: end\n");
      });
    }
  });

  describe("nothing forgeable from the driver's realm", () => {
    describe("patching the TextDecoder the scenario shares", () => {
      const name = "text_codec";
      it("is refused: the codec is frozen; the run goes on and the leak is found", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.deepEqual(r.failures, []);
        logIndex(r, "hostile: text_codec: refused: Cannot assign to read only property 'decode'");
        logIndex(r, "hostile: text_codec: decode gives ok");
        assertLeakFound(r, name, LEAK_MARKER);
      });
    });

    describe("replacing the maps() of the mm behind a VMA", () => {
      const name = "maps_forge";
      it("is refused: kernel prototypes are frozen, and the snapshot is the kernel's", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.deepEqual(r.failures, []);
        logIndex(r, "hostile: maps_forge: refused: Cannot assign to read only property 'maps'");
        logIndex(r, "hostile: maps_forge: vma refused: Cannot assign to read only property 'toString'");
        assert.equal(r.stdout, "scenario: start\nscenario: read returned -1\nscenario: mmap succeeded\nscenario: end\n");
      });
    });

    describe("walking from a kmem_cache to the allocator's records", () => {
      const name = "cache_records";
      it("finds nothing (a handle), and the leak is still reported", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        assert.deepEqual(r.failures, []);
        logIndex(r, "hostile: cache_records: slabs are not reachable");
        const line = fs.readFileSync(driverFile(name), "utf8").split("\n").findIndex((l) => l.includes(LEAK_MARKER)) + 1;
        assert.deepEqual(r.findings.map((x) => `${x.rule} ${path.basename(x.location?.file ?? "")}:${x.location?.line}`), [`MEM008 ${name}.ts:${line}`]);
      });
    });

    describe("walking from a dma_pool to its free list to hide a double free", () => {
      const name = "pool_records";
      it("finds nothing (a handle), and the double free is reported at the second free", async () => {
        const { r } = await run(name, { devices: ["edu"] });
        assertParentUnharmed(r);
        assert.deepEqual(r.failures, []);
        logIndex(r, "hostile: pool_records: the free list is not reachable");
        const line = fs.readFileSync(driverFile(name), "utf8").split("\n").findIndex((l) => l.includes("if (Array.isArray(free)) free.length = 0;")) + 2;
        assert.deepEqual(r.findings.map((x) => `${x.rule} ${path.basename(x.location?.file ?? "")}:${x.location?.line}`), [`DMA021 ${name}.ts:${line}`]);
        assert.match(r.findings[0].message, /already free/);
      });
    });

    describe("a driver importing faultline/user", () => {
      const name = "user_import";
      it("is a bundle error naming the import, at its line; no host runs", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r, false);
        const f = theFailure(r, "bundle");
        assert.match(f.message, new RegExp(`${at(name, hostileLine(name)).replace(/\./g, "\\.")}:\\d+: error: a driver cannot import "faultline/user": it is the user program's API`));
      });
    });

    describe("Error.stackTraceLimit = 0 (and a replaced global Error)", () => {
      const name = "error_replaced";
      it("is refused at its line: the limit is pinned, so oopses keep their lines", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "oops");
        assert.match(f.message, /Cannot assign to read only property 'stackTraceLimit'/);
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
      });
    });

    describe("throwing an instance of a replaced global Error", () => {
      const name = "error_fake";
      it("is an oops saying an object was thrown, never located in the scenario", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "oops");
        assert.equal(f.message, "BUG: the driver's read() threw an object, not an Error (no stack: the throw cannot be located)");
        assert.equal(f.location, undefined);
        assert.equal(texts(r).some((t) => t.includes("scenario.ts")), false, "no line of the scenario is blamed");
      });
    });
  });

  describe("an Error whose stack the driver wrote (and a swapped global Error)", () => {
    const name = "stack_forged";
    it("is an oops in read() that names no scenario line: only stacks V8 formatted are believed", async () => {
      const { r } = await run(name);
      assertParentUnharmed(r);
      const f = theFailure(r, "oops");
      assert.equal(f.message, "BUG: the driver's read() threw Error: forged");
      assert.ok(!f.location || !f.location.file.endsWith("scenario.ts"), `location: ${locationOf(f)}`);
      assert.equal(texts(r).some((t) => t.includes("scenario.ts")), false, "no line of the scenario is blamed");
      logIndex(r, "hostile: stack_forged: read() about to throw");
    });
  });

  describe("messages that tell the truth", () => {
    describe("a spin after a debugger statement", () => {
      const name = "debugger_spin";
      it("is placed at the loop, not at the debugger statement", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "cpu-limit");
        assertSpinLine(f, name);
      });
    });

    describe("JSON.stringify of a value nested too deeply", () => {
      const name = "json_deep";
      it("says the stack ran out inside the built-in, called from the driver's line", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "oops");
        logIndex(r, `(the stack ran out inside JSON.stringify, a built-in, called from hostile_init (`);
        assert.equal(texts(r).some((t) => t.includes("unbounded recursion")), false);
        assertPointsAt(r, f, at(name, hostileLine(name)));
      });
    });

    describe("Atomics.wait() on a value nothing changes", () => {
      const name = "atomics_wait";
      it("is said to be blocked, not spinning, at the line", async () => {
        const { r, wallMs } = await run(name);
        assertParentUnharmed(r);
        assert.ok(wallMs < LIMITS.cpuMs + SPIN_SLACK_MS, `the run took ${Math.round(wallMs)} ms`);
        const f = theFailure(r, "cpu-limit");
        assert.match(f.message, /^the run was blocked for more than 1\.5 s in Atomics\.wait\(\) at hostile_init/);
        assert.doesNotMatch(f.message, /spinning|loop/);
        assert.ok(locationOf(f)?.endsWith(at(name, hostileLine(name))), `location: ${locationOf(f)}`);
      });
    });

    describe("a spin in a getter of the driver's that the kernel reads", () => {
      const name = "getter_spin";
      it("is placed in the driver's code, not the scenario", async () => {
        const { r } = await run(name);
        assertParentUnharmed(r);
        const f = theFailure(r, "cpu-limit");
        assert.doesNotMatch(f.message, /in the scenario/);
        if (debugNode()) {
          assert.match(f.message, /in the driver's code, called by the kernel outside any driver callback/);
          assert.equal(f.location?.line, hostileLine(name));
        }
      });
    });
  });

  after(() => {
    // The worst case, for the record (the issue asks for it).
    if (worstWall.ms) console.log(`      (slowest hostile run: ${worstWall.name}, ${Math.round(worstWall.ms)} ms)`);
  });
});

const LIMIT_KINDS: readonly FailureKind[] = ["cpu-limit", "heap", "memory"];

/** What a run came to, as far as it must not depend on where its host came from. */
function outcomeOf(r: HostRunResult): unknown {
  const timed = r.failures.some((f) => f.kind === "cpu-limit" || f.kind === "memory" || f.kind === "heap") || r.killed;
  return {
    // A limit of time or memory: which one comes first (a chain of promises that also fills the heap) and where a
    // memory kill is placed (wherever the paused re-run stood when its timer fired) are the clock's; each mode's
    // own tests check their lines. The rest must match exactly.
    failures: r.failures.map((f) => LIMIT_KINDS.includes(f.kind)
      ? { kind: "limit" }
      : { kind: f.kind, at: f.location && `${path.relative(ROOT, f.location.file)}:${f.location.line}` }),
    findings: r.findings.map((f) => f.rule),
    // A run stopped by a limit of time or memory stops where the clock or the allocator says (a stop at the CPU
    // limit ends the run, a heap kill ends the process): neither its log's length nor its exit is the outcome.
    ...(timed ? {} : { completed: r.summary?.completed, exit: r.exit.code, log: texts(r), stdout: r.stdout }),
  };
}

describe("hostile drivers: a spare host and a cold one", () => {
  it("give every hostile driver the same outcome (failures, findings, log)", function () {
    const both = [...outcomes].filter(([, o]) => o.cold && o.spare);
    if (!both.length) this.skip(); // one mode run alone (--grep)
    const differ = both.filter(([, o]) => JSON.stringify(outcomeOf(o.cold!)) !== JSON.stringify(outcomeOf(o.spare!)));
    assert.deepEqual(differ.map(([k, o]) => ({ run: k, cold: outcomeOf(o.cold!), spare: outcomeOf(o.spare!) })), []);
  });
});
