// The rest of what an editor offers: function breakpoints on kernel API
// names, "continue to the next kernel event", the memory-map and tree-view
// requests, conditional / hit-count / log breakpoints, setVariable,
// completions and the Debug Console's pagewalk.

import { strict as assert } from "node:assert";
import { Client, hasDebugNode, sample } from "./client";
import { CONTINUE_TO_KERNEL_EVENT, KERNEL_VIEWS, MEMORY_MAP, type KernelViewsResponse, type MemoryMapResponse } from "../src/protocol";

const SIMPLE = sample("simple", "simple.ts");
const EDU = sample("edu_dma", "edu_dma.ts");

describe("debug adapter: editor features", function () {
  this.timeout(60_000);
  let dc: Client;
  before(function () { if (!hasDebugNode()) this.skip(); });
  beforeEach(async () => { dc = new Client(); await dc.start(); });
  afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

  it("stops at a kernel function by name, at the driver's call, with its arguments", async () => {
    const { stopped } = await dc.launchTo({ driver: EDU }, { functions: ["dma_sync_single_for_cpu", "no_such_kernel_function"] });
    assert.equal(stopped!.body.reason, "function breakpoint");
    assert.match(stopped!.body.description ?? "", /^dma_sync_single_for_cpu\(\w+, 0x[0-9a-f]+, 0x1000, 2\)$/);
    const top = await dc.top();
    assert.equal(top.source?.path, EDU);
    assert.equal(top.line, 115);
    const fb = dc.transcript.find((e) => e.type === "response" && e.command === "setFunctionBreakpoints") as { body: { breakpoints: Array<{ verified: boolean; message?: string }> } };
    assert.equal(fb.body.breakpoints[0].verified, true);
    assert.equal(fb.body.breakpoints[1].verified, false);
    assert.match(fb.body.breakpoints[1].message ?? "", /not a function of the kernel API/);
  });

  it("continues to the next kernel event on request, and draws the memory map and tree views", async () => {
    await dc.launchTo({ driver: SIMPLE, stopOnEntry: true });
    const s = await dc.resumeTo(() => dc.customRequest(CONTINUE_TO_KERNEL_EVENT, { threadId: 1, kinds: ["mmap"] }));
    assert.equal(s?.body.reason, "exception");
    assert.match(s?.body.description ?? "", /^mmap [0-9a-f]+-[0-9a-f]+/);
    const map = (await dc.customRequest(MEMORY_MAP, {})).body as MemoryMapResponse;
    assert.equal(map.arch, "x86_64");
    assert.ok(map.zones.length >= 2 && map.zones.every((z) => z.endPfn >= z.startPfn));
    assert.ok(map.runs.length > 0 && map.runs.every((r) => r.count > 0));
    assert.ok(map.process && map.process.vmas.some((v) => v.maps.includes("[stack]")), JSON.stringify(map.process?.vmas.map((v) => v.maps)));
    const views = (await dc.customRequest(KERNEL_VIEWS, {})).body as KernelViewsResponse;
    const dma = views.views.find((v) => v.id === "dma")!;
    const kids = await dc.variablesRequest({ variablesReference: dma.variablesReference });
    assert.deepEqual(kids.body.variables.map((v) => v.name), ["mappings", "pools", "swiotlb", "devices"]);
  });

  it("conditional, hit-count and log breakpoints", async () => {
    await dc.initializeRequest({ adapterID: "faultline", pathFormat: "path" });
    const configured = dc.waitForEvent("initialized").then(async () => {
      await dc.setBreakpointsRequest({ source: { path: SIMPLE }, breakpoints: [{ line: 49, hitCondition: "2" }, { line: 52, logMessage: "fault at pgoff {vmf.pgoff.toString(16)}" }, { line: 31, condition: "vma.vm_pgoff === 0x101" }] });
      await dc.setExceptionBreakpointsRequest({ filters: [] });
      await dc.configurationDoneRequest();
    });
    const first = dc.waitForEvent("stopped");
    await Promise.all([dc.launchRequest({ driver: SIMPLE } as never), configured]);
    await first;
    const stops: string[] = [];
    for (let i = 0; i < 10; i++) {
      const top = await dc.top();
      const what = top.line === 31 ? (await dc.evaluateRequest({ expression: "vma.vm_pgoff", frameId: top.id })).body.result : "";
      stops.push(`${top.line}${what ? `:${what}` : ""}`);
      if (!(await dc.resumeTo(() => dc.continueRequest({ threadId: 1 })))) break;
    }
    // Line 31 only where the condition holds; line 49 on its second hit only; line 52 logs and never stops.
    assert.ok(stops.includes("49") && stops.filter((x) => x === "49").length === 1, stops.join(" "));
    assert.ok(stops.filter((x) => x.startsWith("31")).every((x) => x === "31:257"), stops.join(" "));
    assert.ok(!stops.includes("52"), stops.join(" "));
    assert.match(dc.text("console"), /^fault at pgoff 100$/m, "the logpoint's line");
  });

  it("setVariable, completions and pagewalk in the Debug Console", async () => {
    await dc.launchTo({ driver: SIMPLE }, { breakpoints: [{ path: SIMPLE, lines: [50] }] });
    const top = await dc.top();
    const mod = (await dc.scopesRequest({ frameId: top.id })).body.scopes.find((s) => s.name === "Module")!;
    const r = await dc.setVariableRequest({ variablesReference: mod.variablesReference, name: "simple_major", value: "0x100 + 1" });
    assert.equal(r.body.value, "257");
    assert.equal((await dc.evaluateRequest({ expression: "simple_major", frameId: top.id, context: "hover" })).body.result, "257");
    const local = (await dc.scopesRequest({ frameId: top.id })).body.scopes.find((s) => s.name === "Local")!;
    assert.equal((await dc.setVariableRequest({ variablesReference: local.variablesReference, name: "pageframe", value: "0x102" })).body.value, "258");
    assert.equal((await dc.evaluateRequest({ expression: "pageframe", frameId: top.id, context: "watch" })).body.result, "258");
    const c = await dc.completionsRequest({ text: "vmf.pg", column: 7, frameId: top.id });
    assert.ok(c.body.targets.some((t) => t.label === "pgoff"), c.body.targets.map((t) => t.label).join(","));
    const walk = await dc.evaluateRequest({ expression: "pagewalk 0x7ffffffde000", frameId: top.id, context: "repl" });
    assert.match(walk.body.result, /^pid \d+, 0x7ffffffde000:\n/);
    assert.match(walk.body.result, /table pfn 0x[0-9a-f]+ \[\d+\]/);
  });
});

describe("debug adapter: step back and restart by re-running", function () {
  this.timeout(90_000);
  let dc: Client;
  before(function () { if (!hasDebugNode()) this.skip(); });
  beforeEach(async () => { dc = new Client(); await dc.start(); });
  afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

  it("steps back to the previous stop and reverse-continues to the previous breakpoint, breakpoints intact", async () => {
    await dc.launchTo({ driver: SIMPLE }, { breakpoints: [{ path: SIMPLE, lines: [49] }] });
    const first = await dc.top();
    assert.equal(first.line, 49);
    const pgoff = async () => (await dc.evaluateRequest({ expression: "vmf.pgoff", frameId: (await dc.top()).id, context: "watch" })).body.result;
    const pgoff1 = await pgoff();
    await dc.resumeTo(() => dc.nextRequest({ threadId: 1 }));
    await dc.resumeTo(() => dc.nextRequest({ threadId: 1 }));
    const afterTwo = (await dc.top()).line;
    assert.ok(afterTwo > 49, `two steps down, at ${afterTwo}`);
    const back = await dc.resumeTo(() => dc.stepBackRequest({ threadId: 1 }));
    assert.equal(back?.body.reason, "step");
    assert.equal((await dc.top()).line, 50, "one stop earlier: the first step's line");
    const rc = await dc.resumeTo(() => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(rc?.body.reason, "breakpoint");
    assert.equal((await dc.top()).line, 49);
    assert.equal(await pgoff(), pgoff1, "the same fault as the first time");
    // The replayed run goes on like the first: the next continue reaches the second fault.
    const next = await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(next?.body.reason, "breakpoint");
    assert.equal((await dc.top()).line, 49);
  });

  it("restarts the run from the beginning", async () => {
    await dc.launchTo({ driver: SIMPLE, stopOnEntry: true });
    await dc.resumeTo(() => dc.nextRequest({ threadId: 1 }));
    const again = await dc.resumeTo(() => dc.restartRequest({}));
    assert.equal(again?.body.reason, "entry");
    assert.equal((await dc.top()).source?.path, SIMPLE);
  });
});

describe("debug adapter: data breakpoints", function () {
  this.timeout(60_000);
  let dc: Client;
  before(function () { if (!hasDebugNode()) this.skip(); });
  beforeEach(async () => { dc = new Client(); await dc.start(); });
  afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

  it("a device's DMA write into a watched buffer stops at the driver line that started the transfer", async () => {
    const { stopped } = await dc.launchTo({ driver: EDU }, { filterOptions: [{ filterId: "dma_map", condition: "op === 'map' && dir === 'DMA_FROM_DEVICE'" }] });
    assert.match(stopped!.body.description ?? "", /^dma_map_single\(/);
    const top = await dc.top();
    // Watch the mapping's buffer, chosen as the DMA scope shows it (its row carries the physical reference and size).
    const mappings = await dc.find(top.id, "DMA", "mappings");
    const rows = (await dc.variablesRequest({ variablesReference: mappings.variablesReference })).body.variables;
    const row = rows.find((r) => /DMA_FROM_DEVICE/.test(r.value))!;
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: mappings.variablesReference, name: row.name });
    assert.match(info.body.dataId ?? "", /^phys:0x[0-9a-f]+\/4096$/);
    assert.deepEqual(info.body.accessTypes, ["write"]);
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: "write" }] });
    assert.equal(set.body.breakpoints[0].verified, true);
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    const hit = await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(hit?.body.reason, "data breakpoint");
    assert.match(hit?.body.description ?? "", /^0000:00:0[0-9a-f]\.0: device DMA write of \d+ bytes at phys 0x[0-9a-f]+ \(bus 0x[0-9a-f]+; data breakpoint phys:/);
    const at = await dc.top();
    assert.equal(at.source?.path, EDU, "the driver's line, not the device model's");
    const bad = await dc.dataBreakpointInfoRequest({ name: "uva:1:0x1000" });
    assert.equal(bad.body.dataId, null);
  });
});
