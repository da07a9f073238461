// The Process scope: the current process, its VMAs as vm_area_struct names
// them with their exact /proc/<pid>/maps line, and per VMA its present pages
// (user address → pfn, PTE bits), paged.

import { group, hex, leaf, type KNode } from "./node";

export interface VmaData { start: number; end: number; pgoff: number; flags: number; pageProt: number; file: string | null; ops: string[]; present: number; maps: string }
export interface ProcessData { pid: number; comm: string; state: string; kthread: boolean; vmas: VmaData[] }
interface PresentPage { addr: number; pfn: number; pte: number; bits: string }

const VM_FLAGS: Array<[number, string]> = [
  [0x1, "VM_READ"], [0x2, "VM_WRITE"], [0x4, "VM_EXEC"], [0x8, "VM_SHARED"], [0x10, "VM_MAYREAD"], [0x20, "VM_MAYWRITE"], [0x40, "VM_MAYEXEC"], [0x80, "VM_MAYSHARE"],
  [0x100, "VM_GROWSDOWN"], [0x400, "VM_PFNMAP"], [0x2000, "VM_LOCKED"], [0x4000, "VM_IO"], [0x10000, "VM_DONTCOPY"], [0x20000, "VM_DONTEXPAND"],
  [0x80000, "VM_ACCOUNT"], [0x100000, "VM_NORESERVE"], [0x400000, "VM_HUGEPAGE"], [0x1000000, "VM_DONTDUMP"], [0x10000000, "VM_MIXEDMAP"],
];

export function vmFlagsText(f: number): string {
  return VM_FLAGS.filter(([b]) => f & b).map(([, n]) => n).join(" | ") || "0";
}

export function vmaNode(pid: number, v: VmaData): KNode {
  const perms = v.maps.split(/\s+/)[1] ?? "";
  return group(`${v.start.toString(16)}-${v.end.toString(16)}`, `${perms} ${v.file ?? ""}`.trim(), () => [
    leaf("vm_start", v.start), leaf("vm_end", v.end), leaf("vm_pgoff", v.pgoff),
    leaf("vm_flags", `${hex(v.flags)} (${vmFlagsText(v.flags)})`), leaf("vm_page_prot", v.pageProt),
    leaf("vm_file", v.file), leaf("vm_ops", v.ops.length ? `{ ${v.ops.join(", ")} }` : "NULL"),
    leaf("maps", v.maps),
    presentPagesNode(pid, v),
  ], { memoryReference: `uva:${pid}:${hex(v.start)}`, type: "struct vm_area_struct" });
}

function presentPagesNode(pid: number, v: VmaData): KNode {
  return {
    name: "present pages", value: `${v.present} of ${(v.end - v.start) / 4096}`, indexed: v.present,
    children: async (src, start, count) => {
      const pages = await src.kernel<PresentPage[]>("presentPages", pid, v.start, v.end, start, count);
      return pages.map((p, i) => leaf(`[${start + i}] ${hex(p.addr)}`, `pfn ${hex(p.pfn)} ${p.bits}`, { memoryReference: `uva:${pid}:${hex(p.addr)}`, type: "pte_t" }));
    },
  };
}

export function processScope(): KNode {
  return group("Process", "", async (src) => {
    const p = await src.kernel<ProcessData>("process");
    return [
      leaf("pid", String(p.pid)), leaf("comm", p.comm), leaf("state", p.state),
      group("VMAs", p.kthread ? "none (kernel thread)" : `${p.vmas.length}`, () => p.vmas.map((v) => vmaNode(p.pid, v))),
      group("maps", `/proc/${p.pid}/maps`, () => p.vmas.map((v, i) => leaf(String(i), v.maps))),
    ];
  });
}
