// The launch's host, started at initialize (runtime.ts startSessionHost):
// the launch runs in it when it needs exactly the options it was started
// with, it serves that one run (the pool's next host starts only once the run
// has stopped), it is killed when the launch needs other options or the
// session ends without a launch, and nothing the adapter started outlives it.

import { strict as assert } from "node:assert";
import { debugNode } from "../../host/src/node";
import { resolveLaunch } from "../src/launch";
import { DebugRun, disposeDebugSpareHosts, startSessionHost } from "../src/runtime";
import { Client, ROOT, hasDebugNode, sample } from "./client";
import { alive, childrenOf, until } from "../../host/test/procs";

/** Debug hosts (their argument says so) whose parent is `ppid`. */
const debugHostsOf = (ppid: number) => childrenOf(ppid, (cmd) => cmd.split("\0").includes("--faultline-debug-host"));

const adapterPid = (c: Client) => (c as unknown as { _adapterProcess: { pid: number } })._adapterProcess.pid;

describe("debug adapter: the launch's host, started at initialize", function () {
  this.timeout(60_000);
  before(function () { if (!hasDebugNode() || process.platform !== "linux") this.skip(); });
  afterEach(() => disposeDebugSpareHosts());

  it("a launch with the options it was started with runs in it; no other host starts before the first stop", async () => {
    const config = resolveLaunch({ driver: sample("simple", "simple.ts"), stopOnEntry: true }, { node: debugNode() });
    const spare = startSessionHost({ node: config.node, cwd: config.cwd });
    assert.ok(spare, "a host was started");
    const run = new DebugRun(config, spare);
    const prepared = run.prepare();
    assert.equal(spare.claimed, true, "the launch took the host started for it");
    assert.deepEqual(debugHostsOf(process.pid), [spare.child.pid], "and started none of its own, nor the pool's next");
    await prepared;
    const stopped = new Promise<void>((r) => run.once("stopped", () => r()));
    run.start();
    await stopped;
    assert.equal(debugHostsOf(process.pid).length, 1, "not while the run answers its first steps");
    // Now, and only now (a moment after the stop), the pool starts a host for a later run (a re-run, or the next session).
    await until("the pool's next host is up", () => debugHostsOf(process.pid).length === 2);
    run.terminate();
    await until("the run's host is gone", () => !alive(spare.child.pid!));
  });

  it("a launch that needs other options kills it and runs in a host of its own", async () => {
    const config = resolveLaunch({ driver: sample("simple", "simple.ts"), stopOnEntry: true }, { node: debugNode() });
    const spare = startSessionHost({ node: config.node, cwd: "/" }); // the launch's cwd is ROOT
    assert.ok(spare);
    const pid = spare.child.pid!;
    const run = new DebugRun(config, spare);
    const prepared = run.prepare();
    assert.equal(spare.claimed, false, "never handed to a run it was not started for");
    await until("the unfit host is killed", () => !alive(pid));
    await prepared;
    assert.equal(debugHostsOf(process.pid).length, 1, "the run's own host");
    run.terminate();
  });

  it("over DAP: a session that ends without a launch leaves no host behind", async () => {
    const c = new Client();
    await c.start();
    try {
      await c.initializeRequest({ adapterID: "faultline", pathFormat: "path" });
      const adapter = adapterPid(c);
      await until("the host is started at initialize", () => debugHostsOf(adapter).length === 1);
      const [pid] = debugHostsOf(adapter);
      await c.disconnectRequest({});
      await until("it is killed at disconnect", () => !alive(pid));
    } finally {
      await c.stop();
    }
  });

  it("over DAP: the launch runs in the host started at initialize, and nothing outlives the session", async () => {
    const c = new Client();
    await c.start();
    const seen = new Set<number>();
    try {
      await c.initializeRequest({ adapterID: "faultline", pathFormat: "path" });
      const adapter = adapterPid(c);
      await until("the host is started at initialize", () => debugHostsOf(adapter).length === 1);
      const [first] = debugHostsOf(adapter);
      const stopped = c.waitForEvent("stopped");
      await Promise.all([
        c.launchRequest({ driver: sample("simple", "simple.ts"), stopOnEntry: true } as never),
        c.waitForEvent("initialized").then(() => c.configurationDoneRequest()),
      ]);
      await stopped;
      const hosts = debugHostsOf(adapter);
      for (const p of hosts) seen.add(p);
      assert.ok(hosts.includes(first), "the host started at initialize runs the launch");
      assert.ok(hosts.length <= 2, `the run's host and at most the pool's next: ${hosts.length}`);
      await c.disconnectRequest({});
    } finally {
      await c.stop();
    }
    await until("every host the adapter started has ended", () => [...seen].every((p) => !alive(p)));
  });

  it("the session's host is killed when the launch needs another cwd (over DAP)", async () => {
    const c = new Client();
    await c.start();
    try {
      await c.initializeRequest({ adapterID: "faultline", pathFormat: "path" });
      const adapter = adapterPid(c);
      await until("the host is started at initialize", () => debugHostsOf(adapter).length === 1);
      const [first] = debugHostsOf(adapter);
      const stopped = c.waitForEvent("stopped");
      await Promise.all([
        c.launchRequest({ driver: sample("simple", "simple.ts"), stopOnEntry: true, cwd: `${ROOT}/samples` } as never),
        c.waitForEvent("initialized").then(() => c.configurationDoneRequest()),
      ]);
      await stopped;
      await until("the unfit host is killed", () => !alive(first));
      await c.disconnectRequest({});
    } finally {
      await c.stop();
    }
  });
});
