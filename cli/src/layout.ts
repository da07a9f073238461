// What `faultline boot` prints: the boot log, then the zones and the buddy
// allocator's state as the /proc files show them.

import type { Kernel } from "../../sim-core/src";
import { formatSize, hexAddr } from "../../sim-core/src";

export function zonesTable(k: Kernel): string {
  const rows = k.inspect.zones().filter((z) => z.presentPages > 0 || z.endPfn > z.startPfn);
  const d = k.profile.physDigits;
  const head = `${"zone".padEnd(8)} ${"range".padEnd(2 * d + 7)} ${"present".padStart(9)} ${"managed".padStart(9)} ${"free".padStart(9)}  ${"min/low/high".padStart(18)}`;
  const lines = rows.map((z) => {
    const range = z.endPfn > z.startPfn ? `0x${hexAddr(z.startPfn * 4096, d)}-0x${hexAddr(z.endPfn * 4096 - 1, d)}` : "empty";
    const wm = `${z.watermark.min}/${z.watermark.low}/${z.watermark.high}`;
    return `${z.name.padEnd(8)} ${range.padEnd(2 * d + 7)} ${String(z.presentPages).padStart(9)} ${String(z.managedPages).padStart(9)} ${String(z.freePages).padStart(9)}  ${wm.padStart(18)}`;
  });
  return [head, ...lines].join("\n") + "\n";
}

export function describeMachine(k: Kernel): string {
  const p = k.profile;
  const high = p.maxPfn > p.maxLowPfn ? `, ${formatSize((p.maxPfn - p.maxLowPfn) * 4096)} of it high memory` : "";
  return `${p.arch}${p.pae ? " (PAE)" : ""}, ${formatSize(p.memBytes)} RAM${high}, ${p.pageTableLevels}-level page tables, seed ${k.seed}`;
}

export function bootReport(k: Kernel): string {
  return [
    `# ${describeMachine(k)}`,
    "",
    "$ dmesg",
    k.dmesg().trimEnd(),
    "",
    "# zones (pages)",
    zonesTable(k).trimEnd(),
    "",
    "$ cat /proc/buddyinfo",
    k.inspect.buddyinfo().trimEnd(),
    "",
    "$ cat /proc/iomem",
    k.inspect.iomem().trimEnd(),
    "",
  ].join("\n");
}
