// Requests the other suites leave out: the caught / uncaught exception
// filters, `cancel` (a cancelled request still answers), and readMemory of a
// process's user addresses (uva:<pid>:0x…).

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { Client, FIXTURES, hasDebugNode, sample } from "./client";

const THROWS = path.join(FIXTURES, "throws/throws.ts");
const SIMPLE = sample("simple", "simple.ts");

describe("debug adapter: exception filters, cancel, user memory", function () {
  this.timeout(60_000);
  let dc: Client;
  before(function () { if (!hasDebugNode()) this.skip(); });
  beforeEach(async () => { dc = new Client(); await dc.start(); });
  afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

  it("caught: stops at the driver's own caught throw, then at the one out of read()", async () => {
    const { stopped } = await dc.launchTo({ driver: THROWS }, { filters: ["caught", "violation", "oops"] });
    assert.equal(stopped!.body.reason, "exception");
    assert.match(stopped!.body.description ?? "", /RangeError: throws: bad size "4k"/);
    let top = await dc.top();
    assert.equal(top.source?.path, THROWS);
    assert.equal(top.line, 11);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description ?? "", /bad size/);
    const next = await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(next?.body.reason, "exception");
    assert.match(next!.body.description ?? "", /TypeError: throws: read\(\) is not implemented/);
    top = await dc.top();
    assert.equal(top.line, 16);
  });

  it("uncaught: passes over the caught throw and stops where the other leaves the kernel uncaught (the scenario's read())", async () => {
    const { stopped } = await dc.launchTo({ driver: THROWS }, { filters: ["uncaught", "violation", "oops"] });
    assert.equal(stopped!.body.reason, "exception");
    assert.match(stopped!.body.description ?? "", /TypeError: throws: read\(\) is not implemented/);
    // V8 counts the kernel's own try/catch (blackboxed) as a catcher at the throw; the exception is uncaught where
    // it leaves the kernel into the scenario, nobody's catch above it: that call is where the stop shows.
    const st = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.deepEqual(st.map((f) => [f.name, path.basename(f.source?.path ?? ""), f.line]), [["scenario", "scenario.ts", 8]]);
  });

  it("no exception filter: the run goes through both throws to its end", async () => {
    const { stopped } = await dc.launchTo({ driver: THROWS }, { filters: [] }, false);
    assert.equal(stopped, undefined);
    await dc.waitForEvent("terminated");
    assert.equal(dc.transcript.filter((e) => e.type === "event" && e.event === "stopped").length, 0);
  });

  it("cancel: a request in flight answers `cancelled`; a cancel of an answered id is harmless", async () => {
    await dc.launchTo({ driver: SIMPLE }, { breakpoints: [{ path: SIMPLE, lines: [49] }] });
    const top = await dc.top();
    // An evaluation that holds the paused host for a while, so the cancel arrives before it ends.
    const slow = "(() => { const t = Date.now(); while (Date.now() - t < 400); return 42; })()";
    const raw = dc as unknown as { send(c: string, a?: unknown): Promise<DebugProtocol.Response> };
    const seqBefore = dc.transcript.filter((e) => e.type === "request").length;
    const answers: DebugProtocol.Response[] = [];
    const evaluating = raw.send("evaluate", { expression: slow, frameId: top.id, context: "repl" }).then((r) => { answers.push(r); return r; }, (e: Error) => { answers.push({ success: false, message: e.message } as DebugProtocol.Response); return undefined; });
    // DebugClient numbers requests from 1 in the order sent: the evaluate is the next one after those in the transcript.
    const cancelled = await raw.send("cancel", { requestId: seqBefore + 1 });
    assert.equal(cancelled.success, true);
    await evaluating;
    assert.equal(answers.length, 1, "the cancelled request still answered");
    assert.equal(answers[0].success, false);
    assert.match(answers[0].message ?? "", /cancelled/);
    // The session goes on: the same evaluation, not cancelled, answers its value; a late cancel changes nothing.
    const again = await dc.evaluateRequest({ expression: "6 * 7", frameId: top.id, context: "repl" });
    assert.equal(again.body.result, "42");
    assert.equal((await raw.send("cancel", { requestId: 1 })).success, true);
  });

  it("readMemory of uva:<pid>:0x…: a user page the driver mapped reads what the page walk's frame holds", async () => {
    const raw = dc as unknown as { send(c: string, a?: unknown): Promise<DebugProtocol.ReadMemoryResponse> };
    // The first read fault on /dev/simplen: the VMA and the process are known; the page is not mapped yet.
    await dc.launchTo({ driver: SIMPLE }, { filterOptions: [{ filterId: "page_fault", condition: "!write && vma !== null && vma.endsWith('/dev/simplen')" }] });
    let top = await dc.top();
    const pid = (await dc.find(top.id, "Process", "pid")).value;
    const vma = await dc.find(top.id, "Process", "VMAs", "7ffff7ff7000-7ffff7ff9000");
    assert.equal(vma.memoryReference, `uva:${pid}:0x7ffff7ff7000`);
    const before = await raw.send("readMemory", { memoryReference: vma.memoryReference, count: 16 });
    assert.equal(before.body?.unreadableBytes, 16, "not present before the fault is handled");
    // The scenario's next line: the fault was handled, the page is mapped.
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.setBreakpointsRequest({ source: { path: sample("simple", "scenario.ts") }, breakpoints: [{ line: 24 }] });
    const stop = await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(stop?.body.reason, "breakpoint");
    top = await dc.top();
    const user = await raw.send("readMemory", { memoryReference: vma.memoryReference, count: 64 });
    assert.equal(user.body?.unreadableBytes ?? 0, 0);
    const bytes = Buffer.from(user.body!.data!, "base64");
    assert.equal(bytes.length, 64);
    // The same bytes at the physical address the page walk ends at.
    const walk = await dc.evaluateRequest({ expression: `pagewalk 0x7ffff7ff7000 ${pid}`, frameId: top.id, context: "repl" });
    const pte = /^\s*pte\s.*= (0x[0-9a-f]+)/m.exec(walk.body.result);
    assert.ok(pte, walk.body.result);
    // x86-64: the frame's address is bits 12-51 of the PTE.
    const pa = BigInt(pte[1]) & 0x000ffffffffff000n;
    const phys = await raw.send("readMemory", { memoryReference: `phys:0x${pa.toString(16)}`, count: 64 });
    assert.deepEqual(Buffer.from(phys.body!.data!, "base64"), bytes);
    // An unmapped user address reads as unreadable, not as zeros.
    const none = await raw.send("readMemory", { memoryReference: `uva:${pid}:0x1000`, count: 16 });
    assert.equal(none.body?.unreadableBytes, 16);
  });
});

describe("debug adapter: data breakpoints on user memory", function () {
  this.timeout(60_000);
  let dc: Client;
  before(function () { if (!hasDebugNode()) this.skip(); });
  beforeEach(async () => { dc = new Client(); await dc.start(); });
  afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

  it("copy_to_user() into the reader's buffer stops at the driver's copy_to_user line", async () => {
    const EDU = sample("edu_dma", "edu_dma.ts");
    await dc.launchTo({ driver: EDU }, { filterOptions: [{ filterId: "dma_sync", condition: "forCpu" }] });
    let top = await dc.top();
    const pid = (await dc.find(top.id, "Process", "pid")).value;
    const buf = Number((await dc.evaluateRequest({ expression: "buf", frameId: top.id, context: "watch" })).body.result);
    const walk = await dc.evaluateRequest({ expression: `pagewalk 0x${buf.toString(16)} ${pid}`, frameId: top.id, context: "repl" });
    const pte = /^\s*pte\s.*= (0x[0-9a-f]+)/m.exec(walk.body.result);
    assert.ok(pte, walk.body.result);
    const pa = (BigInt(pte[1]) & 0x000ffffffffff000n) + BigInt(buf % 4096);
    const info = await dc.dataBreakpointInfoRequest({ name: `phys:0x${pa.toString(16)}/16` });
    assert.ok(info.body.dataId, info.body.description);
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: "write" }] });
    assert.equal(set.body.breakpoints[0].verified, true);
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    const hit = await dc.resumeTo(() => dc.continueRequest({ threadId: 1 }));
    assert.equal(hit?.body.reason, "data breakpoint");
    top = await dc.top();
    assert.equal(top.source?.path, EDU);
    assert.match(fs.readFileSync(EDU, "utf8").split("\n")[top.line - 1], /copy_to_user\(buf, d\.rx_buf, count\)/);
  });
});
