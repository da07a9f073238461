// The lines a real kernel prints while setting up memory: the e820 map, the
// zone ranges, the memory summary and (as 32-bit x86 and arm64 once did)
// the virtual kernel memory layout.

import type { Kernel } from "../kernel";
import { GiB, KiB, MiB, PAGE_SIZE, hexAddr, sx64 } from "../util/addr";

const mem = (lo: number, hi: number) => `[mem 0x${hexAddr(lo, 16)}-0x${hexAddr(hi - 1, 16)}]`;

export function bootLog(k: Kernel): string[] {
  const p = k.profile;
  const out: string[] = [];
  out.push(`Linux version 6.12.0-faultline (faultline@sim) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC`);
  out.push(`Command line: mem=${p.memBytes / MiB}M${k.kasan.multiShot ? " kasan_multi_shot" : ""} faultline.seed=${k.seed}`);
  out.push("BIOS-provided physical RAM map:");
  for (const e of p.e820) out.push(`BIOS-e820: ${mem(e.start, e.end)} ${e.type}`);
  out.push("e820: update [mem 0x00000000-0x00000fff] usable ==> reserved");
  out.push("e820: remove [mem 0x000a0000-0x000fffff] usable");
  out.push(`last_pfn = 0x${p.maxPfn.toString(16)} max_arch_pfn = 0x${(p.arch === "x86_64" ? 2 ** 34 : p.pae ? 2 ** 24 : 2 ** 20).toString(16)}`);
  if (p.arch === "i386") {
    const high = p.maxPfn - p.maxLowPfn;
    if (high > 0) out.push(`${Math.floor((high * PAGE_SIZE) / MiB)}MB HIGHMEM available.`);
    out.push(`${Math.floor((p.maxLowPfn * PAGE_SIZE) / MiB)}MB LOWMEM available.`);
    out.push(`  mapped low ram: 0 - ${hexAddr(p.maxLowPfn * PAGE_SIZE, 8)}`);
    out.push(`  low ram: 0 - ${hexAddr(p.maxLowPfn * PAGE_SIZE, 8)}`);
  }
  out.push("Zone ranges:");
  const all = p.arch === "x86_64" ? ["DMA", "DMA32", "Normal"] : ["DMA", "Normal", "HighMem"];
  for (const name of all) {
    const z = p.zones.find((s) => s.name === name)!;
    const lo = Math.max(z.startPfn, 1);
    out.push(`  ${name.padEnd(8)} ${z.endPfn > lo ? mem(lo * PAGE_SIZE, z.endPfn * PAGE_SIZE) : "empty"}`);
  }
  out.push("Movable zone start for each node");
  out.push("Early memory node ranges");
  const ranges = p.e820.filter((e) => e.type === "usable").map((e) => [Math.max(Math.ceil(e.start / PAGE_SIZE), 1), Math.floor(e.end / PAGE_SIZE)] as const);
  for (const [lo, hi] of ranges) out.push(`  node   0: ${mem(lo * PAGE_SIZE, hi * PAGE_SIZE)}`);
  out.push(`Initmem setup node 0 ${mem(PAGE_SIZE, p.maxPfn * PAGE_SIZE)}`);
  out.push("On node 0, zone DMA: 1 pages in unavailable ranges");
  out.push(`On node 0, zone DMA: ${0x100 - 0x9f} pages in unavailable ranges`);
  const managed = k.pages.zones.reduce((s, z) => s + z.managedPages, 0);
  const present = k.pages.zones.reduce((s, z) => s + z.presentPages, 0);
  out.push(`Built 1 zonelists, mobility grouping on.  Total pages: ${present}`);
  const kb = (b: number) => `${Math.round(b / KiB)}K`;
  const img = p.kernel;
  out.push(
    `Memory: ${kb(managed * PAGE_SIZE)}/${kb(present * PAGE_SIZE)} available (${kb(img.textSize)} kernel code, ${kb(img.dataSize)} rwdata, ${kb(img.rodataSize)} rodata, 0K init, ${kb(img.bssSize)} bss, ${kb((present - managed) * PAGE_SIZE)} reserved, 0K cma-reserved${p.arch === "i386" ? `, ${kb((p.maxPfn - p.maxLowPfn) * PAGE_SIZE)} highmem` : ""})`,
  );
  out.push(...virtualLayout(k));
  out.push(`SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=${p.nrCpus}, Nodes=1`);
  out.push(...k.devices.bootLines());
  return out;
}

function virtualLayout(k: Kernel): string[] {
  const p = k.profile, d = p.ptrDigits;
  const row = (name: string, lo: number, hi: number) => {
    const size = hi - lo;
    const human = size >= 10 * GiB ? `${String(Math.round(size / GiB)).padStart(4)} GB` : size >= 10 * MiB ? `${String(Math.round(size / MiB)).padStart(4)} MB` : `${String(Math.round(size / KiB)).padStart(4)} kB`;
    return `    ${name.padEnd(8)}: 0x${hexAddr(lo, d)} - 0x${hexAddr(hi, d)}   (${human})`;
  };
  const img = p.kernel;
  const text0 = img.virtStart, data0 = text0 + img.textSize + img.rodataSize;
  const lines = ["virtual kernel memory layout:"];
  if (p.arch === "i386") {
    const fixStart = p.fixaddrTop - (1 + p.kmapSlotsPerCpu * p.nrCpus) * PAGE_SIZE;
    lines.push(row("fixmap", fixStart, p.fixaddrTop));
    lines.push(row("pkmap", p.pkmapBase, p.pkmapBase + p.lastPkmap * PAGE_SIZE));
    lines.push(row("vmalloc", p.vmallocStart, p.vmallocEnd));
    lines.push(row("lowmem", p.pageOffset, p.highMemory));
  } else {
    lines.push(row("modules", sx64(0xffffffffa0000000n), sx64(0xffffffffff000000n)));
    lines.push(row("vmemmap", k.memmap.structPageAddress(0), k.memmap.structPageAddress(p.maxPfn)));
    lines.push(row("vmalloc", p.vmallocStart, p.vmallocEnd));
    lines.push(row("lowmem", p.pageOffset, p.highMemory));
  }
  lines.push(row("  .data", data0, data0 + img.dataSize + img.bssSize));
  lines.push(row("  .text", text0, text0 + img.textSize));
  return lines;
}
