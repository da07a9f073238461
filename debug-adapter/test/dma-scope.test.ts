// The DMA scope beyond mappings: dma pools (edu_pool), swiotlb bounce slots
// (isa_bounce, a 24-bit card) and each device's registers (edu_dma, isa),
// checked against values the stopped driver itself holds.

import { strict as assert } from "node:assert";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { Client, hasDebugNode, sample } from "./client";

const POOL = sample("edu_pool", "edu_pool.ts");
const ISA = sample("isa_bounce", "isa_bounce.ts");
const EDU = sample("edu_dma", "edu_dma.ts");

describe("DMA scope: pools, bounce slots, registers", function () {
  this.timeout(60_000);
  let dc: Client;
  before(function () { if (!hasDebugNode()) this.skip(); });
  beforeEach(async () => { dc = new Client(); await dc.start(); });
  afterEach(async () => { await dc.terminateRequest().catch(() => undefined); await dc.stop(); });

  const children = async (v: DebugProtocol.Variable) => (await dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
  const value = (vars: DebugProtocol.Variable[], name: string | RegExp) => {
    const v = vars.find((x) => (typeof name === "string" ? x.name === name : name.test(x.name)));
    assert.ok(v, `no ${name} among ${vars.map((x) => x.name).join(", ")}`);
    return v;
  };
  const evalNum = async (frameId: number, expr: string) => Number((await dc.evaluateRequest({ expression: expr, frameId, context: "watch" })).body.result);

  it("edu_pool: the driver's pool with its /sys pools row, a block in use, its page with a memory reference", async () => {
    await dc.launchTo({ driver: POOL }, { breakpoints: [{ path: POOL, lines: [85] }] });
    const top = await dc.top();
    const block = await evalNum(top.id, "block"), handle = await evalNum(top.id, "handle.value");
    const pools = await dc.find(top.id, "DMA", "pools");
    assert.equal(pools.value, "1");
    const [pool] = await children(pools);
    assert.match(pool.name, /^\[0\] 0000:00:0[0-9a-f]\.0 edu_pool$/);
    const f = await children(pool);
    // 256-byte blocks, 64-aligned, in one 4 KiB page: 16 blocks, one in use (the one the driver holds).
    assert.match(value(f, "pools line").value, /^edu_pool {9}\s+1\s+16\s+256\s+1$/);
    assert.equal(value(f, "nr_active").value, "1");
    const page = value(f, "page 0");
    const pf = await children(page);
    const vaddr = BigInt.asIntN(64, BigInt(value(pf, "vaddr").value)), dma = Number(value(pf, "dma").value);
    assert.ok(block >= Number(vaddr) && block < Number(vaddr) + 4096, `block ${block.toString(16)} in the pool page at ${vaddr.toString(16)}`);
    assert.equal(handle - dma, block - Number(vaddr), "bus and CPU offsets of the block agree");
    assert.match(page.memoryReference ?? "", /^phys:0x[0-9a-f]+$/);
  });

  it("isa_bounce: the 24-bit card's mapping sits in a swiotlb slot whose tlb address is the handle; the card's registers hold it", async () => {
    await dc.launchTo({ driver: ISA }, { breakpoints: [{ path: ISA, lines: [76] }] });
    const top = await dc.top();
    const handle = await evalNum(top.id, "handle"), buf = await evalNum(top.id, "phys");
    assert.notEqual(handle, buf, "the buffer was bounced");
    const tlb = await dc.find(top.id, "DMA", "swiotlb");
    assert.match(tlb.value, /^\d+ of \d+ slots used, 1 mappings$/);
    const slots = await children(tlb);
    const slot = value(slots, /^slot \d+$/);
    const sf = await children(slot);
    assert.equal(Number(value(sf, "tlb_addr").value), handle);
    assert.equal(Number(value(sf, "orig_addr").value), buf);
    assert.equal(value(sf, "nslots").value, "0x1", "1024 bytes take one 2 KiB slot");
    assert.equal(slot.memoryReference, `phys:0x${handle.toString(16)}`);
    const dev = value(await children(await dc.find(top.id, "DMA", "devices")), /^0000:/);
    const regs = await children(value(await children(dev), "registers"));
    assert.equal(value(regs, "BAR0+0x0 ID").value, "0x15a00001");
    assert.equal(Number(value(regs, "BAR0+0x4 ADDR").value), handle & 0xffffff);
    assert.equal(value(regs, "BAR0+0x8 LEN").value, "0x400");
  });

  it("edu_dma: at dma_sync_single_for_cpu the edu registers show the transfer that just ended", async () => {
    const { stopped } = await dc.launchTo({ driver: EDU }, { filterOptions: [{ filterId: "dma_sync", condition: "forCpu" }] });
    const handle = Number(/, (0x[0-9a-f]+),/.exec(stopped!.body.description!)![1]);
    const top = await dc.top();
    const count = await evalNum(top.id, "count"), pos = await evalNum(top.id, "pos");
    const dev = value(await children(await dc.find(top.id, "DMA", "devices")), /^0000:/);
    assert.match(dev.value, /^edu, bound to edu_dma$/);
    const regs = await children(value(await children(dev), "registers"));
    assert.equal(value(regs, "BAR0+0x0 identification").value, "0x10000ed");
    assert.equal(Number(value(regs, "BAR0+0x88 DMA destination address").value), handle);
    assert.equal(Number(value(regs, "BAR0+0x80 DMA source address").value), 0x40000 + pos);
    assert.equal(Number(value(regs, "BAR0+0x90 DMA transfer count").value), count);
    const tlb = await dc.find(top.id, "DMA", "swiotlb");
    assert.match(tlb.value, /^not set up/, "edu reaches all memory: nothing was ever bounced");
  });
});
