// Realm containment: a debug run on a Node without --allow-inspector (this
// machine's Node 20, as VS Code's Electron run as Node would be) runs only when
// the launch asks for "realm", says so in the Debug Console, and otherwise
// fails the launch with an error response instead of hanging.

import { strict as assert } from "node:assert";
import { hasAllowInspector, hostFlags, parseVersion, chooseContainment } from "../../host/src/node";
import { Client, sample } from "./client";

const SIMPLE = sample("simple", "simple.ts");
const OLD_NODE = !hasAllowInspector(parseVersion(process.version));

describe("containment of a debug run", function () {
  this.timeout(60_000);

  it("chooses process whenever the Node has --allow-inspector, realm only when asked, and gives realm no permission flags", () => {
    const v20 = parseVersion("v20.20.2"), v24 = parseVersion("v24.21.0");
    assert.equal(chooseContainment(v24, true, "realm"), "process");
    assert.equal(chooseContainment(v20, false, undefined), "process");
    assert.equal(chooseContainment(v20, true, "realm"), "realm");
    assert.throws(() => chooseContainment(v20, true, "process"), /24\.10 or later.*containment: "realm"/);
    const realm = hostFlags({ version: v20, read: ["/a"], heapMb: 64, debug: true, containment: "realm" });
    assert.deepEqual(realm.filter((f) => /permission|allow-/.test(f)), []);
    assert.ok(realm.includes("--max-old-space-size=64"));
    const upgraded = hostFlags({ version: v24, read: ["/a"], heapMb: 64, debug: true, containment: "realm" });
    assert.ok(upgraded.includes("--permission") && upgraded.includes("--allow-inspector") && upgraded.includes("--allow-fs-read=/a"));
  });

  describe("on this machine's Node (without --allow-inspector)", () => {
    let dc: Client;
    before(function () { if (!OLD_NODE) this.skip(); });
    beforeEach(async () => { dc = new Client(); await dc.start(); });
    afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

    it("with containment realm, stops at a breakpoint in simple and warns once which containment is in force", async () => {
      const { stopped, breakpoints } = await dc.launchTo({ driver: SIMPLE, nodePath: process.execPath, containment: "realm" }, { breakpoints: [{ path: SIMPLE, lines: [49] }] });
      assert.equal(breakpoints[0][0].verified, true);
      assert.equal(stopped!.body.reason, "breakpoint");
      const top = await dc.top();
      assert.equal(top.source?.path, SIMPLE);
      assert.equal(top.line, 49);
      const warnings = dc.output.filter((o) => /containment: realm only/.test(o.output));
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].category, "important");
      assert.equal(warnings[0].output.trimEnd().split("\n").length, 1, "one line");
      // The kernel is reachable as in a contained run.
      const v = await dc.evaluateRequest({ expression: "1 + 1", frameId: top.id, context: "repl" });
      assert.equal(v.body.result, "2");
      await dc.setBreakpointsRequest({ source: { path: SIMPLE }, breakpoints: [] });
      const end = await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
      assert.equal(end, undefined, "the run ends after the breakpoint");
    });

    it("with containment process, the launch fails with an error response naming the Node and the way out", async () => {
      await dc.initializeRequest({ adapterID: "faultline", linesStartAt1: true, columnsStartAt1: true, pathFormat: "path" });
      const t0 = Date.now();
      await assert.rejects(dc.launchRequest({ driver: SIMPLE, nodePath: process.execPath, containment: "process" } as never),
        /need Node 24\.10 or later for --allow-inspector; this is 20\.\d+.*containment: "realm"/);
      assert.ok(Date.now() - t0 < 20_000, "answered, not hung");
      assert.equal(dc.output.filter((o) => /containment: realm only/.test(o.output)).length, 0);
    });
  });
});
