// The DMA scope: live mappings (device, handle, CPU side, size, direction,
// and who owns the buffer now: the CPU or the device), and the devices.

import { group, hex, leaf, record, type KNode } from "./node";

interface MappingData { dev: string; driver: string | null; type: string; handle: number; size: number; dir: string; phys: number; cpuAddr: number; owner: string; bounce: boolean; cached: boolean; mappedAt: string[] }
interface DeviceData { name: string; kind: string; irq: number; driver: string | null; live: number }

export function mappingNode(m: MappingData, i: number): KNode {
  return record(`[${i}] ${m.dev} ${hex(m.handle)}`, `${m.type} ${m.size} bytes ${m.dir}, owned by the ${m.owner}`, {
    device: m.dev, driver: m.driver, type: m.type, dma_addr: m.handle, size: m.size, direction: m.dir, phys: m.phys, cpu_addr: m.cpuAddr,
    owner: m.owner, bounced: m.bounce, "non-coherent (cache model)": m.cached, "mapped at": m.mappedAt.join(" ← ") || "(dma-debug keeps no stack)",
  }, { memoryReference: `phys:${hex(m.phys)}`, size: m.size, type: "struct dma_debug_entry" });
}

export function dmaScope(): KNode {
  return group("DMA", "", async (src) => {
    const [maps, devs] = await Promise.all([src.kernel<MappingData[]>("dma"), src.kernel<DeviceData[]>("devices")]);
    return [
      group("mappings", String(maps.length), () => maps.map(mappingNode)),
      group("devices", String(devs.length), () => devs.map((d) => record(d.name, `${d.kind}${d.driver ? `, bound to ${d.driver}` : ""}`, { ...d }))),
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
    const f = await src.kernel<Array<{ rule: string; title: string; message: string; location: { file: string; line: number } | null; report: string[] }>>("findings");
    return f.map((x, i) => record(`[${i}] ${x.rule}`, x.title, { message: x.message, at: x.location ? `${x.location.file}:${x.location.line}` : null, report: x.report }));
  });
}
