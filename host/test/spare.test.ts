// The spare host pool (host/src/spare.ts): a host started ahead of need is
// handed out once and replaced at once, never handed out once it has died,
// killed by dispose(), left alone for a run whose options differ, and never
// what keeps its parent alive nor what outlives it.

import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HostPool, runInHost, spawnHost, startHost, type HostProcess } from "../src/host";
import { alive, childrenOf, sleep, until } from "./procs";

const ROOT = path.resolve(__dirname, "../../..");
const HOSTILE = path.join(ROOT, "host", "test", "hostile");
const SPEC = { driver: path.join(HOSTILE, "benign.ts"), scenario: path.join(HOSTILE, "scenario.ts"), cwd: ROOT };

const pidOf = (p: HostProcess) => p.child.pid!;

/** Host processes (child.js / host.js) whose parent is this process. */
const hostChildren = () => childrenOf(process.pid, (cmd) => /(child|host)\.js/.test(cmd));

describe("spare hosts", function () {
  this.timeout(60_000);
  const pools: HostPool[] = [];
  const made = (p: HostPool) => (pools.push(p), p);
  afterEach(() => { for (const p of pools.splice(0)) p.dispose(); });

  it("a pool hands a spare out once and starts its replacement at once", async () => {
    const pool = made(new HostPool());
    assert.equal(pool.take({ cwd: ROOT }), undefined, "nothing is up before the first take");
    const [first] = pool.idle();
    assert.ok(first, "the first take started a spare for the next");
    await until("the spare is ready", () => first.ready);
    const got = pool.take({ cwd: ROOT });
    assert.equal(got, first);
    const [second] = pool.idle();
    assert.ok(second && second !== first, "a replacement was started when the spare was taken");
    assert.notEqual(pidOf(second), pidOf(first));
    assert.equal(pool.started, 2);
    // Taken, it is the taker's: the pool never gives it again, and it cannot be claimed twice.
    const next = pool.take({ cwd: ROOT });
    assert.ok(next && next !== first);
    next.kill();
    got!.claim(() => {});
    assert.throws(() => got!.claim(() => {}), /one run only/);
    got!.kill();
  });

  it("a run in a spare runs as in a fresh host, and the spare is used up", async () => {
    const spare = spawnHost({ cwd: ROOT });
    await until("the spare is ready", () => spare.ready);
    const pid = pidOf(spare);
    const s = startHost(SPEC, { spare });
    assert.ok(spare.claimed, "the run claimed the spare");
    const r = await s.done;
    assert.deepEqual(r.failures, []);
    assert.equal(r.exit.code, 0);
    assert.ok(r.summary);
    assert.ok(!alive(pid), "the spare's process ended with its run");
    const cold = await startHost(SPEC).done;
    assert.deepEqual(r.log.map((x) => x.text), cold.log.map((x) => x.text), "the same kernel log as a cold host's");
    // A used spare given again is not used again: the run gets a host of its own.
    const again = await startHost(SPEC, { spare }).done;
    assert.deepEqual(again.failures, []);
  });

  it("a replay for stacks runs in a host started while the first play finished, and leaves none behind", async () => {
    const stacks = path.join(ROOT, "host", "test", "stacks");
    // Every host spawned and closed, in order ("close" comes after the host's last message has been read).
    const events: string[] = [];
    const before = hostChildren();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cp = require("node:child_process") as typeof import("node:child_process");
    const real = cp.spawn;
    (cp as { spawn: unknown }).spawn = (...args: Parameters<typeof real>) => {
      const c = (real as (...a: unknown[]) => ReturnType<typeof real>)(...args);
      // Hosts only (esbuild starts its service through spawn too).
      if (!(args[1] as string[]).some((a) => /(child|host)\.js$/.test(a))) return c;
      events.push("spawn");
      c.on("close", () => events.push("close"));
      return c;
    };
    let r;
    try {
      r = await runInHost({ driver: path.join(stacks, "errpath.ts"), scenario: path.join(stacks, "scenario.ts"), cwd: ROOT });
    } finally {
      (cp as { spawn: unknown }).spawn = real;
    }
    assert.equal(r.stackReplays, 1, "the run was replayed once for its stacks");
    // Its init fails on purpose (the double free is in its error path).
    assert.deepEqual(r.failures.map((f) => f.kind), ["insmod"]);
    assert.match(r.log.map((x) => x.text).join("\n"), /Allocated by task \d+:\n ring_alloc/);
    assert.deepEqual(events, ["spawn", "spawn", "close", "close"], "the replay's host was spawned before the first play's host had ended");
    await until("no host of this run is left", () => hostChildren().every((p) => before.includes(p)), 3000);
  });

  it("a run given a spare and a pool takes the spare, and the pool starts the next run's host", async () => {
    const spare = spawnHost({ cwd: ROOT });
    const pool = made(new HostPool());
    const s = startHost(SPEC, { spare, pool });
    assert.ok(spare.claimed);
    assert.equal(pool.idle().length, 1, "the pool started a host for the next run");
    assert.deepEqual((await s.done).failures, []);
  });

  it("a spare started with other options is left alone; the run spawns its own host", async () => {
    const spare = spawnHost({ cwd: ROOT, heapMb: 96 });
    try {
      await until("the spare is ready", () => spare.ready);
      const r = await startHost({ ...SPEC, limits: { heapMb: 128 } }, { spare }).done;
      assert.deepEqual(r.failures, []);
      assert.ok(!spare.claimed && spare.usable, "the spare is still unclaimed and running");
      const pool = made(new HostPool());
      pool.warm({ cwd: ROOT, heapMb: 96 });
      assert.equal(pool.take({ cwd: ROOT, heapMb: 128 }), undefined, "no spare for these options");
      assert.equal(pool.idle().length, 2, "one spare per option set");
    } finally {
      spare.kill();
    }
  });

  it("a spare that died while idle is dropped, never handed out, and replaced", async () => {
    const pool = made(new HostPool());
    pool.warm({ cwd: ROOT });
    const [spare] = pool.idle();
    await until("the spare is ready", () => spare.ready);
    process.kill(pidOf(spare), "SIGKILL");
    await until("the pool has let it go", () => !pool.idle().includes(spare));
    assert.ok(!spare.usable);
    const [replacement] = pool.idle();
    assert.ok(replacement, "a replacement was started");
    assert.notEqual(replacement, spare);
    const got = pool.take({ cwd: ROOT });
    assert.notEqual(got, spare);
    got?.kill();
  });

  it("a spare that dies before it is ready is not replaced (a Node that cannot start must not spawn for ever)", async () => {
    const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "faultline-dead-node-"));
    const bin = path.join(dir, "node");
    fs.writeFileSync(bin, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo v20.20.2; exit 0; fi\nexit 7\n`, { mode: 0o755 });
    const pool = made(new HostPool());
    pool.warm({ cwd: ROOT, node: bin });
    const [spare] = pool.idle();
    await until("the pool has let it go", () => pool.idle().length === 0);
    assert.ok(!spare.usable);
    await sleep(200);
    assert.equal(pool.started, 1);
    // A run that finds no spare starts its own host and reports how it died.
    const r = await startHost({ ...SPEC, node: bin }, { pool }).done;
    assert.match(r.failures.map((f) => f.message).join("\n"), /exited with code 7/);
  });

  it("dispose() kills the idle spares and starts no more", async () => {
    const pool = made(new HostPool({ perKey: 2 }));
    pool.warm({ cwd: ROOT });
    const spares = pool.idle();
    assert.equal(spares.length, 2);
    const pids = spares.map(pidOf);
    pool.dispose();
    await until("the spares are gone", () => pids.every((p) => !alive(p)), 3000);
    assert.equal(pool.take({ cwd: ROOT }), undefined);
    assert.equal(pool.idle().length, 0);
  });

  it("a budget bounds the spares a pool starts", async () => {
    const pool = made(new HostPool({ budget: 1 }));
    pool.warm({ cwd: ROOT });
    const first = pool.take({ cwd: ROOT });
    assert.ok(first);
    assert.equal(pool.idle().length, 0, "no replacement past the budget");
    assert.equal(pool.started, 1);
    first!.kill();
  });

  it("an idle spare does not keep its parent alive, and ends with it", async () => {
    const child = spawn(process.execPath, [path.join(__dirname, "spare-parent.js"), "exit"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => { out += d; });
    const t0 = performance.now();
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    const ms = performance.now() - t0;
    const m = /spare (\d+)/.exec(out);
    assert.ok(m, `the parent printed its spare: ${out}`);
    assert.equal(code, 0);
    // Its whole life: a Node start, the pool's spawn and the spare's start; a held process would never exit.
    assert.ok(ms < 15_000, `the parent took ${Math.round(ms)} ms to exit`);
    await until(`spare ${m[1]} is gone`, () => !alive(Number(m[1])), 3000);
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`an idle spare ends when its parent is killed (${signal})`, async () => {
      const child = spawn(process.execPath, [path.join(__dirname, "spare-parent.js"), "wait"], { stdio: ["ignore", "pipe", "inherit"] });
      child.stdout!.setEncoding("utf8");
      const pid = await new Promise<number>((resolve, reject) => {
        child.stdout!.on("data", (d: string) => { const m = /spare (\d+)/.exec(d); if (m) resolve(Number(m[1])); });
        child.on("exit", () => reject(new Error("the parent ended before its spare was ready")));
      });
      assert.ok(alive(pid));
      child.kill(signal);
      await until(`spare ${pid} is gone`, () => !alive(pid), 3000);
    });
  }
});
