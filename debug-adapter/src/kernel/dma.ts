// The DMA scope: live mappings (device, handle, CPU side, size, direction,
// and who owns the buffer now: the CPU or the device), and the devices.

import { group, hex, leaf, record, type KNode } from "./node";

interface MappingData { dev: string; driver: string | null; type: string; handle: number; size: number; dir: string; phys: number; cpuAddr: number; owner: string; bounce: boolean; cached: boolean; mappedAt: string[] }
interface DeviceData { name: string; kind: string; irq: number; driver: string | null; live: number; registers: Array<{ bar: number; offset: number; name: string; value: number }> }
interface PoolData { name: string; dev: string; size: number; boundary: number; allocation: number; active: number; blocks: number; sysfs: string; pages: Array<{ vaddr: number; dma: number; phys: number; used: number; blocks: number }> }
interface SwiotlbData { ready: boolean; nslabs: number; used: number; end: number; force: boolean; allocations: number; slots: Array<{ slot: number; tlb: number; orig: number; slots: number }> }

const IO_TLB_SIZE = 2048;

function poolNode(p: PoolData, i: number): KNode {
  return group(`[${i}] ${p.dev} ${p.name}`, `${p.active} of ${p.blocks} blocks of ${p.size} bytes in use, ${p.pages.length} pages`, () => [
    leaf("pools line", p.sysfs), leaf("size", String(p.size)), leaf("boundary", hex(p.boundary)), leaf("allocation", String(p.allocation)), leaf("nr_active", String(p.active)), leaf("nr_blocks", String(p.blocks)),
    ...p.pages.map((pg, j) => record(`page ${j}`, `${hex(pg.vaddr)} dma ${hex(pg.dma)}, ${pg.used} of ${pg.blocks} blocks used`, { vaddr: pg.vaddr, dma: pg.dma, phys: pg.phys, used: pg.used, blocks: pg.blocks },
      { memoryReference: `phys:${hex(pg.phys)}`, size: p.allocation })),
  ], { type: "struct dma_pool" });
}

function swiotlbNode(t: SwiotlbData): KNode {
  const value = t.ready ? `${t.used} of ${t.nslabs} slots used, ${t.allocations} mappings` : "not set up: sim-core takes the pool at the first bounce";
  return group("swiotlb", value, () => [
    leaf("nslabs", String(t.nslabs)), leaf("used", String(t.used)), leaf("end", hex(t.end)), leaf("force", t.force),
    ...t.slots.map((s) => record(`slot ${s.slot}`, `${hex(s.tlb)} ← ${hex(s.orig)}, ${s.slots} slot${s.slots === 1 ? "" : "s"}`, { tlb_addr: s.tlb, orig_addr: s.orig, nslots: s.slots },
      { memoryReference: `phys:${hex(s.tlb)}`, size: s.slots * IO_TLB_SIZE })),
  ]);
}

function deviceNode(d: DeviceData): KNode {
  return group(d.name, `${d.kind}${d.driver ? `, bound to ${d.driver}` : ""}`, () => [
    leaf("kind", d.kind), leaf("irq", String(d.irq)), leaf("driver", d.driver), leaf("live DMA mappings", String(d.live)),
    group("registers", d.registers.length ? `${d.registers.length}` : "not described by the model", () =>
      d.registers.map((r) => leaf(`BAR${r.bar}+${hex(r.offset)} ${r.name}`, hex(r.value)))),
  ]);
}

export function mappingNode(m: MappingData, i: number): KNode {
  return record(`[${i}] ${m.dev} ${hex(m.handle)}`, `${m.type} ${m.size} bytes ${m.dir}, owned by the ${m.owner}`, {
    device: m.dev, driver: m.driver, type: m.type, dma_addr: m.handle, size: m.size, direction: m.dir, phys: m.phys, cpu_addr: m.cpuAddr,
    owner: m.owner, bounced: m.bounce, "non-coherent (cache model)": m.cached, "mapped at": m.mappedAt.join(" ← ") || "(dma-debug keeps no stack)",
  }, { memoryReference: `phys:${hex(m.phys)}`, size: m.size, type: "struct dma_debug_entry" });
}

export function dmaScope(): KNode {
  return group("DMA", "", async (src) => {
    const [maps, devs, pools, tlb] = await Promise.all([
      src.kernel<MappingData[]>("dma"), src.kernel<DeviceData[]>("devices"), src.kernel<PoolData[]>("dmaPools"), src.kernel<SwiotlbData>("swiotlb"),
    ]);
    return [
      group("mappings", String(maps.length), () => maps.map(mappingNode)),
      group("pools", String(pools.length), () => pools.map(poolNode)),
      swiotlbNode(tlb),
      group("devices", String(devs.length), () => devs.map(deviceNode)),
    ];
  });
}

export function kmapScope(): KNode {
  return group("kmap slots", "", async (src) => {
    const k = await src.kernel<{ pkmap: Array<{ idx?: number; addr: number; pfn: number; count?: number }>; lastPkmap: number; local: Array<{ cpu: number; slots: Array<{ idx: number; addr: number; pfn: number; kind: string }> }> }>("kmap");
    return [
      group("pkmap", `${k.pkmap.length} of ${k.lastPkmap}`, () => k.pkmap.map((s, i) => record(String(i), `${hex(s.addr)} → pfn ${hex(s.pfn)}`, { ...s }, { memoryReference: `kva:${hex(s.addr)}` }))),
      ...k.local.map((c) => group(`CPU ${c.cpu} local`, `${c.slots.length} slots`, () => c.slots.map((s) => leaf(`slot ${s.idx}`, `${s.kind} ${hex(s.addr)} → pfn ${hex(s.pfn)}`, { memoryReference: `kva:${hex(s.addr)}` })))),
    ];
  });
}

export function logScope(): KNode {
  return group("Kernel log", "last 50 lines", async (src) => (await src.kernel<string[]>("log", 50)).map((l, i) => leaf(String(i), l)));
}

export function findingsScope(): KNode {
  return group("Findings", "", async (src) => {
    const f = await src.kernel<Array<{ rule: string; title: string; message: string; location: { file: string; line: number } | null; report: string[]; fix?: { fn: string; at: string | null; why: string } | null; count?: number }>>("findings");
    return f.map((x, i) => record(`[${i}] ${x.rule}`, x.title, { message: x.message, at: x.location ? `${x.location.file}:${x.location.line}` : null, ...(x.count ? { times: x.count } : {}), ...(x.fix ? { fix: x.fix } : {}), report: x.report }));
  });
}
