// The Physical memory scope: zones (the buddyinfo row), then each zone's
// frames by pfn, paged with indexedVariables. A page costs what it shows:
// the host reads a PFN range, never the whole mem_map, so a 16 GiB zone of
// 4 M frames opens as fast as a small one.

import { group, hex, leaf, record, type KNode } from "./node";

interface ZoneData { name: string; startPfn: number; endPfn: number; presentPages: number; managedPages: number; freePages: number; watermark: { min: number; low: number; high: number }; nrFree: number[]; buddyinfo: string }
interface FrameData { pfn: number; phys: number; zone: string; owner: string; flags: string[]; refcount: number; mapcount: number; virt: number; touched: boolean; invalid?: boolean }

/** One line per frame, as a driver author reads struct page. */
export function frameSummary(f: FrameData): string {
  if (f.invalid) return "not RAM";
  if (!f.touched && f.owner === "free") return "free";
  const flags = f.flags.length ? ` ${f.flags.join("|")}` : "";
  return `${f.owner}, refcount ${f.refcount}, mapcount ${f.mapcount}${flags}`;
}

export function frameNode(f: FrameData): KNode {
  // Names carry the PFN: VS Code's chunk labels are 0-based indices, the rows say which frame they are.
  return record(`pfn ${hex(f.pfn)}`, frameSummary(f), f.invalid ? { pfn: f.pfn } : {
    "flags": f.flags.join("|") || "0", "_refcount": f.refcount, "_mapcount": f.mapcount - 1, owner: f.owner, zone: f.zone,
    "page_to_phys()": f.phys, "page_address()": f.virt,
  }, { memoryReference: `phys:${hex(f.phys)}`, size: 4096, type: "struct page", evaluateName: `pfn_to_page(${hex(f.pfn)})` });
}

export function zoneNode(z: ZoneData): KNode {
  const span = z.endPfn - z.startPfn;
  return {
    name: z.name, value: `pfn ${hex(z.startPfn)}-${hex(z.endPfn)}, ${z.freePages} free of ${z.managedPages}`, indexed: span, type: "struct zone",
    children: async (src, start, count) => {
      const n = Math.max(0, Math.min(count, span - start));
      if (!n) return [];
      return (await src.kernel<FrameData[]>("frames", z.startPfn + start, n)).map(frameNode);
    },
  };
}

export function memoryScope(): KNode {
  return group("Physical memory", "", async (src) => {
    const zones = await src.kernel<ZoneData[]>("zones");
    return [
      ...zones.map(zoneNode),
      group("buddyinfo", "/proc/buddyinfo", () => zones.map((z) => leaf(z.name, z.buddyinfo || z.nrFree.join(" ")))),
      group("frames by owner", "", async (s) => Object.entries(await s.kernel<Record<string, number>>("framesByOwner")).map(([k, v]) => leaf(k, String(v)))),
      leaf("zones", String(zones.length)),
    ];
  });
}
