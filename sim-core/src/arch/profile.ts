// Architecture profiles: where things live in physical and virtual memory on
// i386 (3G/1G split, high memory, optional PAE) and x86_64 (4-level paging,
// direct map of all RAM). Layout constants follow arch/x86/include/asm/*.

import { GiB, KiB, MiB, PAGE_SIZE, formatSize, sx64 } from "../util/addr";

export type ArchName = "i386" | "x86_64";

export const ZONE_NAMES = ["DMA", "DMA32", "Normal", "HighMem"] as const;
export type ZoneName = (typeof ZONE_NAMES)[number];
export const enum ZoneId { DMA = 0, DMA32 = 1, NORMAL = 2, HIGHMEM = 3 }

export type E820Type = "usable" | "reserved";
export interface E820Entry { readonly start: number; readonly end: number; readonly type: E820Type }

export interface ZoneSpan {
  readonly id: ZoneId;
  readonly name: ZoneName;
  /** The zone's possible range; empty when startPfn === endPfn. */
  readonly startPfn: number;
  readonly endPfn: number;
}

export interface KernelImage {
  readonly physStart: number;
  readonly textSize: number;
  readonly rodataSize: number;
  readonly dataSize: number;
  readonly bssSize: number;
  /** Virtual address of _text. */
  readonly virtStart: number;
}

export interface ArchProfile {
  readonly arch: ArchName;
  readonly bits: 32 | 64;
  readonly pae: boolean;
  readonly pageTableLevels: 2 | 3 | 4;
  readonly levelNames: readonly string[];
  /** Hex digits of a virtual address (%px) and of a phys_addr_t (%pa). */
  readonly ptrDigits: 8 | 16;
  readonly physDigits: 8 | 16;
  readonly memBytes: number;
  readonly e820: readonly E820Entry[];
  /** One past the highest RAM frame. */
  readonly maxPfn: number;
  /** One past the highest frame with a kernel logical address (max_low_pfn). */
  readonly maxLowPfn: number;
  readonly pageOffset: number;
  /** Virtual address just past the direct map (high_memory). */
  readonly highMemory: number;
  readonly vmallocStart: number;
  readonly vmallocEnd: number;
  /** Persistent kmap window; LAST_PKMAP is 0 where there is no high memory. */
  readonly pkmapBase: number;
  readonly lastPkmap: number;
  /** kmap_atomic/kmap_local slots per CPU (KM_MAX_IDX) and where the fixmap ends. */
  readonly kmapSlotsPerCpu: number;
  readonly fixaddrTop: number;
  readonly nrCpus: number;
  /** Where struct page for a PFN lives (vmemmap on x86_64, a lowmem array on i386). */
  readonly structPageSize: number;
  readonly taskSize: number;
  readonly kernel: KernelImage;
  readonly zones: readonly ZoneSpan[];
  /** Physical window where device memory (BARs) is placed: above RAM, below 4 GiB. */
  readonly mmioStart: number;
  readonly mmioEnd: number;
}

export interface ProfileOptions {
  arch: ArchName;
  memBytes: number;
  /** i386 only: force PAE on; it is switched on anyway when RAM reaches above 4 GiB. */
  pae?: boolean;
  nrCpus?: number;
}

export const MIN_MEM = 16 * MiB;
export const MAX_MEM = 64 * GiB;

const PFN = (bytes: number) => Math.floor(bytes / PAGE_SIZE);

/**
 * A PC's e820 map as QEMU's pc machine reports it: conventional memory, the
 * 640K–1M legacy hole, RAM up to 3 GiB (or all of it when it fits below
 * 3.5 GiB), the PCI hole, and the rest of RAM above 4 GiB.
 */
function pcE820(memBytes: number): E820Entry[] {
  const below4g = memBytes >= 3.5 * GiB ? 3 * GiB : memBytes;
  const e: E820Entry[] = [
    { start: 0, end: 0x9fc00, type: "usable" },
    { start: 0x9fc00, end: 0xa0000, type: "reserved" },
    { start: 0xf0000, end: 0x100000, type: "reserved" },
    { start: 0x100000, end: below4g, type: "usable" },
    { start: 0xfeffc000, end: 0xff000000, type: "reserved" },
    { start: 0xfffc0000, end: 0x100000000, type: "reserved" },
  ];
  if (memBytes > below4g) e.push({ start: 4 * GiB, end: 4 * GiB + (memBytes - below4g), type: "usable" });
  return e;
}

function zoneSpans(bounds: ReadonlyArray<[ZoneId, number, number]>, maxPfn: number): ZoneSpan[] {
  return bounds.map(([id, lo, hi]) => {
    const start = Math.min(lo, maxPfn);
    const end = Math.min(hi, maxPfn);
    return { id, name: ZONE_NAMES[id], startPfn: start, endPfn: Math.max(start, end) };
  });
}

export function makeProfile(opts: ProfileOptions): ArchProfile {
  const { arch, memBytes } = opts;
  if (!Number.isInteger(memBytes) || memBytes < MIN_MEM || memBytes > MAX_MEM) {
    throw new RangeError(`RAM size ${memBytes} bytes is outside the supported range ${formatSize(MIN_MEM)} to ${formatSize(MAX_MEM)}`);
  }
  if (memBytes % (4 * MiB) !== 0) throw new RangeError(`RAM size must be a multiple of 4 MiB (got ${memBytes} bytes)`);
  const e820 = pcE820(memBytes);
  const usable = e820.filter((r) => r.type === "usable");
  const maxPfn = PFN(usable[usable.length - 1].end);
  const nrCpus = opts.nrCpus ?? 2;
  // Loaded at 1 MiB (CONFIG_PHYSICAL_START=0x100000) so that even 16 MiB machines boot.
  const image = { physStart: 0x100000, textSize: 2 * MiB, rodataSize: 512 * KiB, dataSize: 256 * KiB, bssSize: 256 * KiB };

  if (arch === "i386") {
    const pae = opts.pae ?? maxPfn > PFN(4 * GiB);
    if (!pae && maxPfn > PFN(4 * GiB)) throw new RangeError("i386 without PAE cannot address RAM above 4 GiB");
    // e820_end_pfn(): last_pfn is clipped to MAX_ARCH_PFN (36-bit physical addresses with PAE),
    // so RAM that the PCI hole pushed above 64 GiB is not used.
    const lastPfn = Math.min(maxPfn, pae ? PFN(64 * GiB) : PFN(4 * GiB));
    const pageOffset = 0xc0000000;
    const lowmemLimit = 896 * MiB; // __VMALLOC_RESERVE leaves 128 MiB for vmalloc, pkmap and fixmap
    const maxLowPfn = Math.min(lastPfn, PFN(lowmemLimit));
    const highMemory = pageOffset + maxLowPfn * PAGE_SIZE;
    const lastPkmap = pae ? 512 : 1024;
    const pkmapBase = pae ? 0xffa00000 : 0xff800000;
    return {
      arch, bits: 32, pae, pageTableLevels: pae ? 3 : 2,
      levelNames: pae ? ["pgd", "pmd", "pte"] : ["pgd", "pte"],
      ptrDigits: 8, physDigits: pae ? 16 : 8,
      memBytes, e820, maxPfn: lastPfn, maxLowPfn, pageOffset, highMemory,
      vmallocStart: highMemory + 8 * MiB, // VMALLOC_OFFSET
      vmallocEnd: pkmapBase - 2 * PAGE_SIZE,
      pkmapBase, lastPkmap, kmapSlotsPerCpu: 16, fixaddrTop: 0xfffff000, nrCpus,
      structPageSize: 32, taskSize: pageOffset,
      kernel: { ...image, virtStart: pageOffset + image.physStart },
      zones: zoneSpans([[ZoneId.DMA, 0, PFN(16 * MiB)], [ZoneId.NORMAL, PFN(16 * MiB), maxLowPfn], [ZoneId.HIGHMEM, maxLowPfn, lastPfn]], lastPfn),
      mmioStart: 0xe0000000, mmioEnd: 0xfec00000,
    };
  }

  const pageOffset = sx64(0xffff888000000000n);
  return {
    arch, bits: 64, pae: false, pageTableLevels: 4,
    levelNames: ["pgd", "pud", "pmd", "pte"],
    ptrDigits: 16, physDigits: 16,
    memBytes, e820, maxPfn, maxLowPfn: maxPfn, pageOffset, highMemory: pageOffset + maxPfn * PAGE_SIZE,
    vmallocStart: sx64(0xffffc90000000000n),
    vmallocEnd: sx64(0xffffe90000000000n),
    pkmapBase: 0, lastPkmap: 0, kmapSlotsPerCpu: 16, fixaddrTop: sx64(0xffffffffff5ff000n), nrCpus,
    structPageSize: 64, taskSize: 0x7ffffffff000,
    kernel: { ...image, virtStart: sx64(0xffffffff80000000n) + image.physStart },
    zones: zoneSpans([[ZoneId.DMA, 0, PFN(16 * MiB)], [ZoneId.DMA32, PFN(16 * MiB), PFN(4 * GiB)], [ZoneId.NORMAL, PFN(4 * GiB), maxPfn]], maxPfn),
    mmioStart: 0xe0000000, mmioEnd: 0xfec00000,
  };
}

/** Start of the vmemmap (x86_64) where struct page for pfn 0 lives. */
export const VMEMMAP_START = sx64(0xffffea0000000000n);
