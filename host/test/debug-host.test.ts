// Debug runs: the host gets the V8 inspector (Node 24's --allow-inspector),
// relayed over pipes, and stays inside the permission model. A breakpoint in
// the driver is hit and resumed; what the debugger itself evaluates in the
// host still cannot write files or start processes.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { bundle } from "../src/bundle";
import { startHost, type CdpMessage, type HostSession } from "../src/host";
import { debugNode, hasAllowInspector, hostFlags, parseVersion, permissionFlag } from "../src/node";

const ROOT = path.resolve(__dirname, "../../..");
const DRIVER = path.join(ROOT, "samples/simple/simple.ts");
const SCENARIO = path.join(ROOT, "samples/simple/scenario.ts");

/** Sends CDP commands and waits for their answers or for events. */
class Cdp {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: CdpMessage) => void>();
  private readonly events: CdpMessage[] = [];
  private eventWaiters: Array<{ method: string; resolve: (m: CdpMessage) => void }> = [];
  constructor(private readonly s: HostSession) {
    s.inspector!.onMessage((m) => {
      if (m.id !== undefined) { this.waiting.get(m.id)?.(m); this.waiting.delete(m.id); return; }
      const w = this.eventWaiters.find((x) => x.method === m.method);
      if (w) { this.eventWaiters = this.eventWaiters.filter((x) => x !== w); w.resolve(m); } else this.events.push(m);
    });
  }
  call(method: string, params?: unknown): Promise<CdpMessage> {
    const id = this.nextId++;
    return new Promise((resolve) => { this.waiting.set(id, resolve); this.s.inspector!.send({ id, method, params }); });
  }
  event(method: string): Promise<CdpMessage> {
    const i = this.events.findIndex((e) => e.method === method);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve) => this.eventWaiters.push({ method, resolve }));
  }
}

describe("driver host: flags and Nodes", () => {
  it("names the permission flag by Node version and refuses debug runs on a Node without --allow-inspector", () => {
    assert.equal(permissionFlag(parseVersion("v20.20.2")), "--experimental-permission");
    assert.equal(permissionFlag(parseVersion("v22.13.0")), "--permission");
    assert.equal(permissionFlag(parseVersion("v24.21.0")), "--permission");
    assert.equal(hasAllowInspector(parseVersion("v20.20.2")), false);
    assert.equal(hasAllowInspector(parseVersion("v24.21.0")), true);
    const flags = hostFlags({ version: parseVersion("v20.20.2"), read: ["/a", "/b"], heapMb: 64 });
    // Every host has its watchdog worker; nothing else is granted.
    assert.deepEqual(flags, ["--experimental-permission", "--allow-fs-read=/a", "--allow-fs-read=/b", "--allow-worker", "--max-old-space-size=64", "--no-warnings"]);
    assert.throws(() => hostFlags({ version: parseVersion("v20.20.2"), read: [], heapMb: 64, debug: true }), /debug runs need Node 24\.10 or later for --allow-inspector; this is 20\.20/);
    const dbg = hostFlags({ version: parseVersion("v24.21.0"), read: ["/a"], heapMb: 64, debug: true });
    assert.ok(dbg.includes("--permission") && dbg.includes("--allow-inspector") && dbg.includes("--allow-worker"));
    assert.ok(!dbg.some((f) => f.startsWith("--allow-fs-write") || f === "--allow-child-process"), "a debug run gains the inspector and a worker, nothing else");
  });
});

describe("driver host: debug runs", function () {
  this.timeout(60_000);
  const node = debugNode();

  before(function () {
    // npm test installs it (scripts/debug-node.mjs, the pretest step); without it there is nothing to test here.
    if (!node) this.skip();
  });

  it("stops at a breakpoint in the driver, resumes, and the run completes", async () => {
    const b = bundle(DRIVER);
    const line = b.code.split("\n").findIndex((l) => l.includes("register_chrdev_region)(dev.value, 2"));
    assert.ok(line > 0, "the bundle has the register_chrdev_region() call of simple_init()");
    const s = startHost({ driver: DRIVER, scenario: SCENARIO, module: "simple", debug: true });
    await s.debugReady;
    const cdp = new Cdp(s);
    assert.equal((await cdp.call("Debugger.enable")).error, undefined);
    // Scripts compiled from a file name are known to the inspector by its file: URL.
    const url = pathToFileURL(b.filename).href;
    const bp = await cdp.call("Debugger.setBreakpointByUrl", { url, lineNumber: line });
    assert.equal(bp.error, undefined, JSON.stringify(bp.error));
    s.start();
    const paused = await cdp.event("Debugger.paused");
    const { callFrames, hitBreakpoints } = paused.params as { hitBreakpoints: string[]; callFrames: Array<{ functionName: string; location: { lineNumber: number } }> };
    const frame = callFrames[0];
    assert.deepEqual(hitBreakpoints, [(bp.result as { breakpointId: string }).breakpointId]);
    assert.equal(frame.location.lineNumber, line);
    assert.equal(frame.functionName, "simple_init");

    // What the debugger evaluates runs in the host, and the host is still under the permission model.
    const probe = await cdp.call("Runtime.evaluate", {
      expression: `(() => { const out = [];
        try { require("node:fs").writeFileSync(${JSON.stringify(path.join(ROOT, "debug-escape.txt"))}, "x"); out.push("wrote"); } catch (e) { out.push(e.code); }
        try { require("node:child_process").spawnSync("true"); out.push("spawned"); } catch (e) { out.push(e.code); }
        return out.join(","); })()`,
      includeCommandLineAPI: true, returnByValue: true,
    });
    assert.equal((probe.result as { result: { value: string } }).result.value, "ERR_ACCESS_DENIED,ERR_ACCESS_DENIED");

    await cdp.call("Debugger.resume");
    const r = await s.done;
    assert.deepEqual(r.failures, []);
    assert.equal(r.summary?.completed, true);
    assert.equal(r.summary?.insmod, 0);
    assert.match(r.stdout, /\/dev\/simpler: mapped at/);
  });
});
