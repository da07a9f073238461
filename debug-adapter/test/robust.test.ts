// Malformed, unknown and out-of-order requests get error responses (or, for
// a stale variables reference, an empty list), and the adapter carries on.
// A fast-check property feeds random request sequences to a stopped session.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import fc from "fast-check";
import { Client, FIXTURES, hasDebugNode, sample } from "./client";

const SIMPLE = sample("simple", "simple.ts");

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => { assert.match(e.message, re); return true; });
}

describe("debug adapter: bad requests", function () {
  this.timeout(90_000);
  let dc: Client;
  before(function () { if (!hasDebugNode()) this.skip(); });
  beforeEach(async () => { dc = new Client(); await dc.start(); });
  afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

  it("answers unknown, malformed and too-early requests with errors, then launches", async () => {
    await dc.initializeRequest({ adapterID: "faultline", pathFormat: "path", linesStartAt1: true, columnsStartAt1: true });
    await rejects(dc.customRequest("noSuchRequest"), /unrecognized request/i);
    await rejects(dc.stackTraceRequest({ threadId: 1 }), /launch first/);
    await rejects(dc.nextRequest({ threadId: 1 }), /launch first/);
    await rejects(dc.launchRequest({} as never), /"driver".*required/);
    await rejects(dc.launchRequest({ driver: "/nonexistent/x.ts" } as never), /no such file/);
    await rejects(dc.launchRequest({ driver: SIMPLE, arch: "sparc" } as never), /"arch" must be x86_64 or i386/);
    await rejects(dc.customRequest("setBreakpoints", { breakpoints: [] }), /source\.path is required/);
    // Still alive, and a good launch still works.
    const { stopped } = await dc.launchTo({ driver: SIMPLE, stopOnEntry: true });
    assert.equal(stopped!.body.reason, "entry");
  });

  it("a driver that does not build fails the launch with the compiler's line, shown to the user", async () => {
    await dc.initializeRequest({ adapterID: "faultline", pathFormat: "path" });
    const r = await dc.send("launch", { driver: path.join(FIXTURES, "broken/broken.ts") }).then(() => undefined, (e: Error) => e);
    assert.ok(r instanceof Error, "the launch failed");
    assert.match(r.message, /broken\.ts:5:\d+: error: /);
    const resp = dc.transcript.find((e) => e.type === "response" && e.command === "launch") as { success: boolean };
    assert.equal(resp.success, false);
    assert.equal((await dc.threadsRequest()).success, true, "the adapter lives on");
  });

  it("stale references, stepping while running, evaluate errors", async () => {
    await dc.launchTo({ driver: SIMPLE }, { breakpoints: [{ path: SIMPLE, lines: [49] }] });
    const top = await dc.top();
    const scope = (await dc.scopesRequest({ frameId: top.id })).body.scopes[0];
    assert.ok((await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables.length > 0);
    await rejects(dc.evaluateRequest({ expression: "vmf.(", frameId: top.id, context: "repl" }), /SyntaxError|Unexpected/);
    await rejects(dc.evaluateRequest({ expression: "no_such_name", frameId: top.id, context: "watch" }), /not defined/);
    assert.equal((await dc.evaluateRequest({ expression: "vmf.pgoff >= 0", frameId: top.id, context: "watch" })).body.result, "true");
    await rejects(dc.scopesRequest({ frameId: 424242 }), /no frame/);
    await rejects(dc.customRequest("readMemory", { memoryReference: "nonsense", count: 4 }), /not a memory reference/);
    const stale = scope.variablesReference;
    await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
    // A reference from the last stop names nothing now: an empty list, not someone else's variables.
    if ((await dc.threadsRequest()).success) {
      const r = await dc.variablesRequest({ variablesReference: stale }).catch(() => undefined);
      if (r) assert.deepEqual(r.body.variables, []);
    }
    assert.deepEqual((await dc.variablesRequest({ variablesReference: "x" as never })).body.variables, []);
  });

  it("stepping or pausing at the wrong moment is an error, not a crash", async () => {
    await dc.launchTo({ driver: path.join(FIXTURES, "spin/spin.ts") }, {}, false);
    await new Promise((r) => setTimeout(r, 200));
    await rejects(dc.nextRequest({ threadId: 1 }), /not paused/);
    await rejects(dc.evaluateRequest({ expression: "1", context: "repl" }), /not paused/);
    await rejects(dc.stackTraceRequest({ threadId: 1 }), /not paused/);
    await dc.resumeTo(() => dc.pauseRequest({ threadId: 1 }));
    await rejects(dc.pauseRequest({ threadId: 1 }), /already paused/);
    assert.equal((await dc.threadsRequest()).success, true);
  });
});

describe("debug adapter: random request sequences (fast-check)", function () {
  this.timeout(180_000);
  before(function () { if (!hasDebugNode()) this.skip(); });

  type Req = { command: string; args: (ctx: { frame: number; refs: number[] }) => unknown };
  const requests: fc.Arbitrary<Req> = fc.oneof(
    fc.constant<Req>({ command: "stackTrace", args: () => ({ threadId: 1 }) }),
    fc.integer({ min: -2, max: 3 }).map<Req>((d) => ({ command: "scopes", args: (c) => ({ frameId: c.frame + d }) })),
    fc.tuple(fc.nat(20), fc.option(fc.nat(200)), fc.option(fc.nat(2000))).map<Req>(([i, start, count]) => ({ command: "variables", args: (c) => ({ variablesReference: c.refs[i % Math.max(1, c.refs.length)] ?? i, start: start ?? undefined, count: count ?? undefined }) })),
    fc.constantFrom("1 + 1", "vmf", "}{", "pagewalk 0x7ffff7ff7000", "undefined_thing", "pageframe.toString(16)", "").map<Req>((e) => ({ command: "evaluate", args: (c) => ({ expression: e, frameId: c.frame, context: "repl" }) })),
    fc.constantFrom("phys:0x0", "phys:0x1000", "kva:0xffff888000000000", "uva:1:0x0", "bogus").map<Req>((m) => ({ command: "readMemory", args: () => ({ memoryReference: m, count: 32 }) })),
    fc.constantFrom("next", "stepIn", "stepOut", "continue", "pause").map<Req>((cmd) => ({ command: cmd, args: () => ({ threadId: 1 }) })),
    fc.constantFrom("completions", "exceptionInfo", "faultline/memoryMap", "faultline/kernelViews", "nonsense").map<Req>((cmd) => ({ command: cmd, args: (c) => ({ text: "vm", column: 3, frameId: c.frame, threadId: 1 }) })),
  );

  it("every request is answered and the adapter stays up", async () => {
    await fc.assert(fc.asyncProperty(fc.array(requests, { minLength: 5, maxLength: 25 }), async (seq) => {
      const dc = new Client();
      await dc.start();
      try {
        await dc.launchTo({ driver: SIMPLE }, { breakpoints: [{ path: SIMPLE, lines: [49] }] });
        const ctx = { frame: (await dc.top()).id, refs: [] as number[] };
        for (const r of seq) {
          const res = await dc.send(r.command, r.args(ctx)).then((x: { body?: { variables?: Array<{ variablesReference: number }>; scopes?: Array<{ variablesReference: number }> } }) => x, (e: Error) => ({ error: e.message }));
          if ("error" in res) assert.ok(typeof res.error === "string" && res.error.length > 0);
          else for (const v of [...(res.body?.variables ?? []), ...(res.body?.scopes ?? [])]) if (v.variablesReference) ctx.refs.push(v.variablesReference);
          if (r.command !== "continue" && r.command !== "pause" && !["next", "stepIn", "stepOut"].includes(r.command)) continue;
          // Let a resumed run stop or end before the next request.
          await new Promise((ok) => setTimeout(ok, 50));
          const top = await dc.stackTraceRequest({ threadId: 1 }).catch(() => undefined);
          if (top?.body.stackFrames[0]) ctx.frame = top.body.stackFrames[0].id;
        }
        assert.equal((await dc.threadsRequest()).success, true, "the adapter still answers");
      } finally {
        await dc.terminateRequest().catch(() => undefined);
        await dc.stop();
      }
    }), { numRuns: 4, seed: 9 });
  });
});
