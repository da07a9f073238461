// The adapter over DAP, as an editor drives it: the standalone adapter on
// stdio, a real driver host on a Node with --allow-inspector, the samples.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import { Client, FIXTURES, ROOT, hasDebugNode, sample } from "./client";

const SIMPLE = sample("simple", "simple.ts");
const SIMPLE_SCENARIO = sample("simple", "scenario.ts");
const EDU = sample("edu_dma", "edu_dma.ts");

describe("debug adapter over DAP", function () {
  this.timeout(60_000);
  let dc: Client;

  before(function () {
    if (!hasDebugNode()) this.skip();
  });
  beforeEach(async () => {
    dc = new Client();
    await dc.start();
  });
  afterEach(async () => {
    await dc.terminateRequest().catch(() => undefined);
    await dc.stop();
  });

  it("launches and stops on entry at the driver's first line", async () => {
    const { stopped } = await dc.launchTo({ driver: SIMPLE, stopOnEntry: true });
    assert.equal(stopped!.body.reason, "entry");
    const top = await dc.top();
    assert.equal(top.source?.path, SIMPLE);
    assert.ok(top.line >= 1 && top.line < 25, `the entry stop is at the top of simple.ts, got line ${top.line}`);
    const threads = await dc.threadsRequest();
    assert.deepEqual(threads.body.threads.map((t) => t.id), [1]);
  });

  it("binds line breakpoints before the run, moves one from a comment to the next code line, refuses files outside the run", async () => {
    const { breakpoints } = await dc.launchTo({ driver: SIMPLE }, {
      breakpoints: [
        { path: SIMPLE, lines: [47, 49] },
        { path: sample("scullp", "scullp.ts"), lines: [10] },
      ],
    });
    const [moved, exact] = breakpoints[0];
    assert.equal(exact.verified, true);
    assert.equal(exact.line, 49);
    assert.equal(moved.verified, true);
    assert.ok(moved.line! > 47 && moved.line! <= 49, `moved from the comment on 47 to ${moved.line}`);
    assert.equal(breakpoints[1][0].verified, false);
    assert.match(breakpoints[1][0].message ?? "", /not part of this run/);
    // The fault handler runs under the scenario's peek32(): user frame, one [kernel] frame, user frame.
    const st = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(st[0].name, "simple_vma_fault");
    assert.equal(st[0].source?.path, SIMPLE);
    assert.equal(st[0].line, moved.line);
    assert.equal(st[1].name, "[kernel]");
    assert.equal(st[1].presentationHint, "label");
    assert.equal(st[2].source?.path, SIMPLE_SCENARIO);
    assert.equal(st[2].line, 23, "the peek32() that faulted");
  });

  it("stops on a page fault with a condition, names the VMA, and shows kernel scopes with real values", async () => {
    const { stopped } = await dc.launchTo({ driver: SIMPLE }, {
      filterOptions: [{ filterId: "page_fault", condition: "!write && vma !== null && vma.endsWith('/dev/simplen')" }, { filterId: "violation" }],
    });
    assert.equal(stopped!.body.reason, "exception");
    assert.equal(stopped!.body.description, "Page fault (read) at 0x7ffff7ff7000 in 7ffff7ff7000-7ffff7ff9000 r--s /dev/simplen");
    const top = await dc.top();
    assert.equal(top.source?.path, SIMPLE_SCENARIO);
    assert.equal(top.line, 23);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, "page_fault");
    assert.equal((await dc.find(top.id, "Event", "address")).value, "0x7ffff7ff7000");
    const vma = await dc.find(top.id, "Process", "VMAs", "7ffff7ff7000-7ffff7ff9000");
    assert.equal(vma.value, "r--s /dev/simplen");
    assert.equal(vma.memoryReference, "uva:3:0x7ffff7ff7000".replace("3", (await dc.find(top.id, "Process", "pid")).value));
    const maps = await dc.variablesRequest({ variablesReference: vma.variablesReference });
    const line = maps.body.variables.find((v) => v.name === "maps")!.value;
    assert.match(line, /^7ffff7ff7000-7ffff7ff9000 r--s 00100000 00:05 \d+ +\/dev\/simplen$/);
    assert.equal(maps.body.variables.find((v) => v.name === "vm_ops")!.value, "{ open, close, fault }");
    const zones = (await dc.variablesRequest({ variablesReference: (await dc.scopesRequest({ frameId: top.id })).body.scopes.find((s) => s.name === "Physical memory")!.variablesReference })).body.variables;
    assert.ok(zones.some((z) => z.name === "DMA" && (z.indexedVariables ?? 0) > 0), zones.map((z) => z.name).join(","));
    const log = await dc.find(top.id, "Kernel log", "0");
    assert.match(log.value, /^\[ *\d+\.\d{6}\] /);
  });

  it("stops on dma_sync_single_for_cpu in edu_dma, at the driver's line, with the mapping in the DMA scope", async () => {
    const { stopped } = await dc.launchTo({ driver: EDU }, { filterOptions: [{ filterId: "dma_sync", condition: "forCpu" }] });
    assert.match(stopped!.body.description ?? "", /^dma_sync_single_for_cpu\(0000:00:0[0-9a-f]\.0, 0x[0-9a-f]+, \d+, DMA_FROM_DEVICE\)$/);
    const handle = /, (0x[0-9a-f]+),/.exec(stopped!.body.description!)![1];
    const top = await dc.top();
    assert.equal(top.source?.path, EDU);
    assert.equal(top.line, 115);
    const mappings = await dc.find(top.id, "DMA", "mappings");
    const list = (await dc.variablesRequest({ variablesReference: mappings.variablesReference })).body.variables;
    const m = list.find((v) => v.name.endsWith(` ${handle}`));
    assert.ok(m, `a live mapping at ${handle} among ${list.map((v) => v.name).join("; ")}`);
    assert.match(m.value, /^single 4096 bytes DMA_FROM_DEVICE, owned by the (CPU|device)$/);
    assert.match(m.memoryReference ?? "", /^phys:0x[0-9a-f]+$/);
  });

  it("stops on a twin's rule violation (on by default) with the rule in exceptionInfo", async () => {
    const { stopped } = await dc.launchTo({ driver: sample("edu_dma", "edu_dma_nosync.ts") });
    assert.equal(stopped!.body.reason, "exception");
    assert.match(stopped!.body.description ?? "", /^DMA001: /);
    const top = await dc.top();
    assert.equal(top.source?.path, sample("edu_dma", "edu_dma_nosync.ts"));
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, "DMA001");
  });

  it("rule violations stop by default, even for a client that never sets exception breakpoints", async () => {
    await dc.initializeRequest({ adapterID: "faultline", pathFormat: "path" });
    const configured = dc.waitForEvent("initialized").then(() => dc.configurationDoneRequest());
    const stopped = dc.waitForEvent("stopped");
    await Promise.all([dc.launchRequest({ driver: sample("edu_dma", "edu_dma_nosync.ts") } as never), configured]);
    assert.equal((await stopped).body.description, "DMA001: CPU access to a device-owned buffer");
  });

  it("steps in, over and out without leaving the user's code", async () => {
    await dc.launchTo({ driver: SIMPLE }, { breakpoints: [{ path: SIMPLE, lines: [49] }] });
    const seen: string[] = [];
    for (const step of ["stepIn", "next", "stepIn", "next", "next"] as const) {
      const s = await dc.resumeTo(() => (step === "stepIn" ? dc.stepInRequest({ threadId: 1 }) : dc.nextRequest({ threadId: 1 })));
      if (!s) break;
      const top = await dc.top();
      seen.push(`${path.basename(top.source?.path ?? "?")}:${top.line}`);
      assert.ok(top.source?.path?.startsWith(path.join(ROOT, "samples/simple")), `stepped into ${top.source?.path ?? top.name}`);
    }
    assert.ok(seen.length >= 3, seen.join(" "));
    assert.ok(seen.every((s) => /^(simple|scenario)\.ts:\d+$/.test(s)), seen.join(" "));
    const out = await dc.resumeTo(() => dc.stepOutRequest({ threadId: 1 }));
    if (out) assert.match((await dc.top()).source?.path ?? "", /samples\/simple\/(simple|scenario)\.ts$/);
  });

  it("steps on from a kernel-event stop, and a filtered-out event during a step does not lose the step", async () => {
    await dc.launchTo({ driver: EDU }, { filterOptions: [{ filterId: "dma_sync", condition: "forCpu" }] });
    const lines: number[] = [(await dc.top()).line];
    for (const step of ["next", "next", "stepIn"] as const) {
      const s = await dc.resumeTo(() => (step === "next" ? dc.nextRequest({ threadId: 1 }) : dc.stepInRequest({ threadId: 1 })));
      assert.equal(s?.body.reason, "step");
      const top = await dc.top();
      assert.equal(top.source?.path, EDU);
      lines.push(top.line);
    }
    // 118 calls dma_sync_single_for_device(): its sync event is watched but fails the condition, and the step goes on to 119.
    assert.deepEqual(lines, [115, 116, 118, 119]);
  });

  it("pauses a driver spinning in a loop, at the loop", async () => {
    await dc.launchTo({ driver: path.join(FIXTURES, "spin/spin.ts") }, {}, false);
    await new Promise((r) => setTimeout(r, 300));
    const s = await dc.resumeTo(() => dc.pauseRequest({ threadId: 1 }));
    assert.equal(s?.body.reason, "pause");
    const top = await dc.top();
    assert.equal(top.source?.path, path.join(FIXTURES, "spin/spin.ts"));
    assert.ok(top.line >= 9 && top.line <= 11, `in the loop, got ${top.line}`);
    const spins = await dc.evaluateRequest({ expression: "spins", frameId: top.id, context: "watch" });
    assert.ok(Number(spins.body.result) > 0);
  });

  it("pages a 16 GiB machine's frames: a zone of millions opens at 999,900", async () => {
    await dc.launchTo({ driver: SIMPLE, stopOnEntry: true, mem: "16G" });
    const top = await dc.top();
    const zones = (await dc.variablesRequest({ variablesReference: (await dc.scopesRequest({ frameId: top.id })).body.scopes.find((s) => s.name === "Physical memory")!.variablesReference })).body.variables;
    const normal = zones.find((z) => z.name === "Normal")!;
    assert.ok(normal.indexedVariables! > 3_000_000, `Normal spans ${normal.indexedVariables}`);
    const start = Number(/pfn (0x[0-9a-f]+)-/.exec(normal.value)![1]);
    const page = (await dc.variablesRequest({ variablesReference: normal.variablesReference, filter: "indexed", start: 999_900, count: 100 })).body.variables;
    assert.equal(page.length, 100);
    assert.equal(page[0].name, `pfn 0x${(start + 999_900).toString(16)}`);
    assert.equal(page[99].name, `pfn 0x${(start + 999_999).toString(16)}`);
    assert.equal(page[0].memoryReference, `phys:0x${((start + 999_900) * 4096).toString(16)}`);
    const fields = (await dc.variablesRequest({ variablesReference: page[0].variablesReference })).body.variables;
    assert.deepEqual(fields.map((f) => f.name).slice(0, 3), ["flags", "_refcount", "_mapcount"]);
  });

  it("reads and writes physical memory, and says so with a memory event", async () => {
    await dc.launchTo({ driver: SIMPLE, stopOnEntry: true });
    const before = await dc.customRequest("readMemory", { memoryReference: "phys:0x100000", count: 16 }) as { body: { address: string; data: string } };
    assert.equal(before.body.address, "0x100000");
    assert.equal(Buffer.from(before.body.data, "base64").length, 16);
    const memEvent = dc.waitForEvent("memory");
    const w = await dc.customRequest("writeMemory", { memoryReference: "phys:0x100000", offset: 4, data: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString("base64") }) as { body: { bytesWritten: number } };
    assert.equal(w.body.bytesWritten, 4);
    await memEvent;
    const after = await dc.customRequest("readMemory", { memoryReference: "phys:0x100000", count: 16 }) as { body: { data: string } };
    const bytes = Buffer.from(after.body.data, "base64");
    assert.deepEqual([...bytes.subarray(4, 8)], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual([...bytes.subarray(0, 4)], [...Buffer.from(before.body.data, "base64").subarray(0, 4)]);
    // The direct map reads the same bytes (x86_64: PAGE_OFFSET 0xffff888000000000).
    const kva = await dc.customRequest("readMemory", { memoryReference: "kva:0xffff888000100000", count: 16 }) as { body: { data: string } };
    assert.equal(kva.body.data, after.body.data);
    // Past the end of RAM nothing is readable: the bytes are reported, not invented.
    const hole = await dc.customRequest("readMemory", { memoryReference: "phys:0x7fffffff000", count: 8 }) as { body: { unreadableBytes: number } };
    assert.equal(hole.body.unreadableBytes, 8);
  });

  it("terminates on request", async () => {
    await dc.launchTo({ driver: SIMPLE, stopOnEntry: true });
    const ended = dc.waitForEvent("terminated");
    await dc.terminateRequest();
    await ended;
  });

  it("a driver that crashes ends the session with the oops shown; the adapter lives on", async () => {
    const { stopped } = await dc.launchTo({ driver: path.join(FIXTURES, "crash/crash.ts") });
    assert.equal(stopped!.body.reason, "exception");
    assert.match(stopped!.body.description ?? "", /^Oops: /);
    const top = await dc.top();
    assert.equal(top.source?.path, path.join(FIXTURES, "crash/crash.ts"));
    assert.equal(top.line, 11, "at the BUG()");
    const ended = dc.waitForEvent("terminated");
    await dc.continueRequest({ threadId: 1 });
    await ended;
    assert.match(dc.text("stderr"), /kernel BUG at|oops/i);
    assert.match(dc.text("console"), /crash: about to BUG\(\)/);
    const threads = await dc.threadsRequest();
    assert.equal(threads.success, true);
  });
});
