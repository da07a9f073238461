// The page allocator as a driver sees it: <asm/page.h>, <linux/mm.h> and
// <linux/gfp.h> on the architecture profiles, with exact addresses, zone
// choices, watermarks, log lines and findings.

import * as assert from "node:assert/strict";

import { Kernel, MAX_MEM, MIN_MEM, bindKernel, makeProfile, type KernelEvent } from "../src";
import { ZoneId } from "../src/arch/profile";
import * as asmPage from "../src/api/asm/page";
import { __pa, __va, get_order, offset_in_page, PAGE_ALIGN, PAGE_ALIGN_DOWN, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../src/api/asm/page";
import {
  GFP_ATOMIC, GFP_DMA, GFP_DMA32, GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, GFP_USER, MAX_PAGE_ORDER,
  __GFP_COMP, __GFP_HIGH, __GFP_HIGHMEM, __GFP_NOWARN, __GFP_ZERO, gfpMode, gfpNames,
  __free_page, __free_pages, __get_free_page, __get_free_pages, alloc_page, alloc_pages, free_page, free_pages, get_zeroed_page,
} from "../src/api/linux/gfp";
import { kmap, kunmap } from "../src/api/linux/highmem";
import { phys_to_virt, virt_to_phys } from "../src/api/linux/io";
import {
  ClearPageReserved, PFN_DOWN, PFN_PHYS, PFN_UP, PHYS_PFN, PageHighMem, PageReserved, SetPageReserved,
  get_page, nth_page, page_address, page_count, page_ref_count, page_to_pfn, page_to_phys, pfn_to_page, pfn_valid,
  put_page, virt_addr_valid, virt_to_page, type Page,
} from "../src/api/linux/mm";
import { vfree, vmalloc } from "../src/api/linux/vmalloc";
import { sx64 } from "../src/util/addr";
import { boot, only } from "./helpers";

const MiB = 1 << 20;
const GiB = 1024 * MiB;
const X86_64_PAGE_OFFSET = -0x778000000000; // 0xffff888000000000 as a signed 64-bit value

/** Free-list counts per zone name, as /proc/buddyinfo has them. */
function nrFree(k: Kernel): Record<string, number[]> {
  return Object.fromEntries(k.pages.zones.map((z) => [z.name, [...z.nrFree]]));
}

function zoneFree(k: Kernel, id: ZoneId): number {
  return k.pages.zone(id)!.freePages;
}

/** Allocates until the allocator says no; returns what it got. */
function drain(gfp: number, order: number): Page[] {
  const got: Page[] = [];
  for (;;) {
    const p = alloc_pages(gfp, order);
    if (!p) return got;
    got.push(p);
  }
}

function logLines(k: Kernel): string[] {
  return k.dmesg().split("\n").map((l) => l.replace(/^\[[ \d.]+\] /, ""));
}

function newLogLines(k: Kernel, from: number): string[] {
  return k.log.records().slice(from).map((r) => r.text);
}

describe("arch profiles", () => {
  it("i386 16M: one DMA zone, no Normal or HighMem, 2-level paging", () => {
    const p = makeProfile({ arch: "i386", memBytes: 16 * MiB });
    assert.equal(p.pae, false);
    assert.equal(p.pageTableLevels, 2);
    assert.equal(p.ptrDigits, 8);
    assert.equal(p.physDigits, 8);
    assert.equal(p.maxPfn, 0x1000);
    assert.equal(p.maxLowPfn, 0x1000);
    assert.equal(p.pageOffset, 0xc0000000);
    assert.equal(p.highMemory, 0xc1000000);
    assert.deepEqual(p.zones.map((z) => [z.name, z.startPfn, z.endPfn]), [["DMA", 0, 0x1000], ["Normal", 0x1000, 0x1000], ["HighMem", 0x1000, 0x1000]]);
  });

  it("i386 1G: 896 MiB of lowmem, 128 MiB of HighMem, no PAE", () => {
    const p = makeProfile({ arch: "i386", memBytes: 1 * GiB });
    assert.equal(p.pae, false);
    assert.equal(p.maxPfn, 0x40000);
    assert.equal(p.maxLowPfn, 0x38000);
    assert.equal(p.highMemory, 0xf8000000);
    assert.equal(p.vmallocStart, 0xf8800000);
    assert.equal(p.pkmapBase, 0xff800000);
    assert.equal(p.lastPkmap, 1024);
    assert.deepEqual(p.zones.map((z) => [z.name, z.startPfn, z.endPfn]), [["DMA", 0, 0x1000], ["Normal", 0x1000, 0x38000], ["HighMem", 0x38000, 0x40000]]);
  });

  it("i386 4G: RAM above the PCI hole turns PAE on, and cannot boot without it", () => {
    const p = makeProfile({ arch: "i386", memBytes: 4 * GiB });
    assert.equal(p.pae, true);
    assert.equal(p.pageTableLevels, 3);
    assert.equal(p.physDigits, 16);
    assert.equal(p.lastPkmap, 512);
    assert.equal(p.pkmapBase, 0xffa00000);
    // 3 GiB below the hole, 1 GiB remapped above 4 GiB
    assert.deepEqual(p.e820.filter((e) => e.type === "usable").map((e) => [e.start, e.end]), [[0, 0x9fc00], [0x100000, 0xc0000000], [0x100000000, 0x140000000]]);
    assert.equal(p.maxPfn, 0x140000);
    assert.deepEqual(p.zones.map((z) => [z.name, z.startPfn, z.endPfn]), [["DMA", 0, 0x1000], ["Normal", 0x1000, 0x38000], ["HighMem", 0x38000, 0x140000]]);
    assert.throws(() => makeProfile({ arch: "i386", memBytes: 4 * GiB, pae: false }), { name: "RangeError", message: "i386 without PAE cannot address RAM above 4 GiB" });
    assert.equal(makeProfile({ arch: "i386", memBytes: 1 * GiB, pae: true }).pae, true);
  });

  it("i386 64G: PAE's 36-bit physical addresses end HighMem at 64 GiB (max_arch_pfn)", () => {
    const p = makeProfile({ arch: "i386", memBytes: 64 * GiB });
    assert.equal(p.pae, true);
    assert.equal(p.maxPfn, 0x1000000);
    assert.deepEqual(p.zones.map((z) => [z.name, z.startPfn, z.endPfn]), [["DMA", 0, 0x1000], ["Normal", 0x1000, 0x38000], ["HighMem", 0x38000, 0x1000000]]);
    const k = Kernel.boot({ arch: "i386", mem: "64G" });
    assert.equal(k.memmap.pfnValid(0xffffff), true);
    assert.equal(k.memmap.pfnValid(0x1000000), false);
    assert.ok(k.dmesg().includes("last_pfn = 0x1000000 max_arch_pfn = 0x1000000\n"));
  });

  it("x86_64 16G: DMA, DMA32 up to 4 GiB, Normal above; PAGE_OFFSET is 0xffff888000000000 as a signed number", () => {
    const p = makeProfile({ arch: "x86_64", memBytes: 16 * GiB });
    assert.equal(p.pageOffset, X86_64_PAGE_OFFSET);
    assert.equal(p.pageOffset, sx64(0xffff888000000000n));
    assert.equal(p.pageTableLevels, 4);
    assert.equal(p.maxPfn, 0x440000); // 3 GiB below the hole + 13 GiB from 4 GiB up
    assert.equal(p.maxLowPfn, p.maxPfn);
    assert.equal(p.highMemory, X86_64_PAGE_OFFSET + 0x440000000);
    assert.deepEqual(p.zones.map((z) => [z.name, z.startPfn, z.endPfn]), [["DMA", 0, 0x1000], ["DMA32", 0x1000, 0x100000], ["Normal", 0x100000, 0x440000]]);
  });

  it("rejects RAM sizes outside 16 MiB to 64 GiB, and sizes that are not whole 4 MiB", () => {
    assert.equal(MIN_MEM, 16 * MiB);
    assert.equal(MAX_MEM, 64 * GiB);
    for (const arch of ["i386", "x86_64"] as const) {
      assert.throws(() => makeProfile({ arch, memBytes: 12 * MiB }), { name: "RangeError", message: "RAM size 12582912 bytes is outside the supported range 16 MiB to 64 GiB" });
      assert.throws(() => makeProfile({ arch, memBytes: 64 * GiB + 4 * MiB }), { name: "RangeError", message: "RAM size 68723671040 bytes is outside the supported range 16 MiB to 64 GiB" });
      assert.throws(() => makeProfile({ arch, memBytes: 16 * MiB - 1 }), RangeError);
      assert.throws(() => makeProfile({ arch, memBytes: 18 * MiB }), { name: "RangeError", message: "RAM size must be a multiple of 4 MiB (got 18874368 bytes)" });
      assert.throws(() => Kernel.boot({ arch, mem: "8M" }), RangeError);
      assert.throws(() => Kernel.boot({ arch, mem: "65G" }), RangeError);
      assert.equal(makeProfile({ arch, memBytes: MIN_MEM }).memBytes, MIN_MEM);
      assert.equal(makeProfile({ arch, memBytes: MAX_MEM }).memBytes, MAX_MEM);
    }
  });

  it("boots with the zones populated as memblock left them", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const zs = k.pages.zones.map((z) => [z.name, z.presentPages, z.managedPages, z.freePages]);
    // DMA: pfn 0..0x9f and 0x100..0xfff present; below 0x400 reserved (BIOS + kernel image).
    // DMA32: mem_map (0x10000 frames x 64 bytes = 1024 pages) sits at the top of RAM.
    assert.deepEqual(zs, [["DMA", 3999, 3072, 3072], ["DMA32", 61440, 60416, 60416], ["Normal", 0, 0, 0]]);
    assert.deepEqual([...k.reserved.values()], [[0, 0x100], [0x100, 0x400], [0xfc00, 0x10000]]);
    assert.equal(asmPage.PAGE_OFFSET, X86_64_PAGE_OFFSET);
    assert.equal(asmPage.high_memory, X86_64_PAGE_OFFSET + 256 * MiB);
  });
});

describe("<asm/page.h> and <linux/mm.h> arithmetic", () => {
  it("page constants", () => {
    assert.equal(PAGE_SHIFT, 12);
    assert.equal(PAGE_SIZE, 4096);
    assert.equal(PAGE_MASK, -4096);
    assert.equal(MAX_PAGE_ORDER, 10);
  });

  it("get_order: the smallest order that holds the size", () => {
    const cases: Array<[number, number]> = [[1, 0], [4095, 0], [4096, 0], [4097, 1], [8192, 1], [8193, 2], [16384, 2], [1 << 22, 10], [(1 << 22) + 1, 11], [1 << 30, 18]];
    for (const [size, order] of cases) assert.equal(get_order(size), order, `get_order(${size})`);
    assert.throws(() => get_order("4096" as unknown as number), { name: "TypeError", message: "get_order(): argument 1 must be an integer, got string" });
  });

  it("PAGE_ALIGN, PAGE_ALIGN_DOWN and offset_in_page, also on negative (upper-half) addresses", () => {
    assert.equal(PAGE_ALIGN(0), 0);
    assert.equal(PAGE_ALIGN(1), 4096);
    assert.equal(PAGE_ALIGN(4096), 4096);
    assert.equal(PAGE_ALIGN(4097), 8192);
    assert.equal(PAGE_ALIGN(0xc0000001), 0xc0001000);
    assert.equal(PAGE_ALIGN(X86_64_PAGE_OFFSET + 1), X86_64_PAGE_OFFSET + 4096);
    assert.equal(PAGE_ALIGN_DOWN(X86_64_PAGE_OFFSET + 4095), X86_64_PAGE_OFFSET);
    assert.equal(PAGE_ALIGN_DOWN(0x1fff), 0x1000);
    assert.equal(offset_in_page(X86_64_PAGE_OFFSET + 0x1234), 0x234);
    assert.equal(offset_in_page(0xc0000fff), 0xfff);
    assert.equal(PAGE_ALIGN(BigInt(4097) as unknown as number), 8192);
  });

  it("PFN_DOWN, PFN_UP, PFN_PHYS, PHYS_PFN", () => {
    assert.equal(PFN_DOWN(0), 0);
    assert.equal(PFN_DOWN(0x1fff), 1);
    assert.equal(PFN_UP(0x1000), 1);
    assert.equal(PFN_UP(0x1001), 2);
    assert.equal(PFN_UP(0), 0);
    assert.equal(PFN_PHYS(0x12345), 0x12345000);
    assert.equal(PFN_PHYS(0x140000), 0x140000000); // above 4 GiB: a 64-bit phys_addr_t
    assert.equal(PHYS_PFN(0x140000fff), 0x140000);
  });

  it("PAGE_OFFSET and high_memory follow the bound kernel", () => {
    bindKernel(undefined);
    assert.equal(asmPage.PAGE_OFFSET, 0);
    boot({ arch: "i386", mem: "1G" });
    assert.equal(asmPage.PAGE_OFFSET, 0xc0000000);
    assert.equal(asmPage.high_memory, 0xf8000000);
    boot({ arch: "x86_64", mem: "16M" });
    assert.equal(asmPage.PAGE_OFFSET, X86_64_PAGE_OFFSET);
    assert.equal(asmPage.high_memory, X86_64_PAGE_OFFSET + 16 * MiB);
  });

  it("the API needs a booted kernel", () => {
    bindKernel(undefined);
    assert.throws(() => alloc_page(GFP_KERNEL), /no simulated kernel is running/);
    assert.throws(() => pfn_to_page(1), /no simulated kernel is running/);
  });
});

describe("__pa/__va, virt_to_phys/phys_to_virt", () => {
  it("round-trip through the direct map on x86_64", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    for (const pa of [0, 0x1000, 0x1234567, 256 * MiB - 1]) {
      const va = __va(pa);
      assert.equal(va, X86_64_PAGE_OFFSET + pa);
      assert.equal(__pa(va), pa);
      assert.equal(phys_to_virt(pa), va);
      assert.equal(virt_to_phys(va), pa);
    }
    // the kernel image mapping (__pa_symbol)
    assert.equal(__pa(sx64(0xffffffff80000000n) + 0x100000 + 0x10), 0x100010);
    assert.equal(k.findings.length, 0);
    assert.ok(!k.dmesg().includes("cut here"));
  });

  it("round-trip through lowmem on i386; __va of a highmem address is PG006", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    assert.equal(__va(0x1000), 0xc0001000);
    assert.equal(__pa(0xc0001000), 0x1000);
    assert.equal(__va(0x37fff000), 0xf7fff000);
    assert.equal(__pa(0xf7ffffff), 0x37ffffff);
    assert.equal(virt_to_phys(phys_to_virt(0x2345678)), 0x2345678);
    assert.equal(k.findings.length, 0);

    const va = __va(0x38000000);
    assert.equal(va, 0xf8000000); // what the arithmetic gives: an address in the vmalloc gap, not the page
    const f = only(k, "PG006");
    assert.equal(f.message, "__va() of high-memory page [pfn=0x38000], which has no kernel logical address");
    assert.equal(f.report[0], "__va(0x38000000): physical address in high memory has no kernel logical address; map the page with kmap()/kmap_local_page()");
    assert.match(f.location!.file, /page_alloc\.test\.[jt]s$/);
    phys_to_virt(0x3fffffff);
    assert.equal(k.findings.length, 2);
    assert.equal(k.findings[1].message, "phys_to_virt() of high-memory page [pfn=0x3ffff], which has no kernel logical address");
  });

  it("__va of highmem RAM on i386 PAE prints the 64-bit physical address", () => {
    const k = boot({ arch: "i386", mem: "4G" });
    __va(0x100000000);
    const f = only(k, "PG006");
    assert.equal(f.report[0], "__va(0x0000000100000000): physical address in high memory has no kernel logical address; map the page with kmap()/kmap_local_page()");
    assert.equal(f.message, "__va() of high-memory page [pfn=0x100000], which has no kernel logical address");
  });

  it("virt_to_page of a vmalloc address WARNs (CONFIG_DEBUG_VIRTUAL)", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const v = vmalloc(4096);
    assert.ok(v >= asmPage.VMALLOC_START && v < asmPage.VMALLOC_END);
    virt_to_page(v);
    const lines = logLines(k);
    const i = lines.indexOf("------------[ cut here ]------------");
    assert.ok(i >= 0, "a cut-here block");
    assert.equal(lines[i + 1], `virt_to_page() used for non-linear address: ${k.px(v)} (a vmalloc address: use vmalloc_to_page()/vmalloc_to_pfn())`);
    assert.match(lines[i + 2], /^WARNING: CPU: 0 PID: 1 at .*page_alloc\.test\.[jt]s:\d+\)$/);
    assert.equal(k.findings.length, 0); // a WARN, not a finding
    vfree(v);
  });

  it("virt_to_page/page_address/page_to_pfn/page_to_phys agree, and struct page identity is stable", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const p = alloc_page(GFP_KERNEL)!;
    assert.equal(page_to_pfn(p), 0x1000); // first frame of DMA32: boot queued the blocks lowest first
    assert.equal(page_to_phys(p), 0x1000000);
    const va = page_address(p);
    assert.equal(va, X86_64_PAGE_OFFSET + 0x1000000);
    assert.equal(virt_to_page(va), p);
    assert.equal(virt_to_page(va + 4095), p);
    assert.equal(pfn_to_page(0x1000), p);
    assert.equal(pfn_to_page(0x1234), pfn_to_page(0x1234));
    assert.equal(nth_page(p, 3), pfn_to_page(0x1003));
    assert.equal(nth_page(nth_page(p, 5), -5), p);
    assert.equal(p.toString(), "page(pfn:0x1000)");
    assert.equal(virt_addr_valid(va), true);
    assert.equal(virt_addr_valid(X86_64_PAGE_OFFSET + 256 * MiB), false);
    assert.equal(virt_addr_valid(0x1000), false);
    assert.equal(pfn_valid(0x9f), true); // the 640K-1M legacy hole has struct pages
    assert.equal(pfn_valid(0xffff), true);
    assert.equal(pfn_valid(0x10000), false);
    assert.equal(k.findings.length, 0);
    assert.throws(() => page_to_pfn(null as unknown as Page), { name: "TypeError", message: "page_to_pfn(): argument 1 must be a struct page (from alloc_page(), virt_to_page() or pfn_to_page()), got NULL" });
    assert.throws(() => __free_pages(0x1000 as unknown as Page, 0), { name: "TypeError", message: "__free_pages(): argument 1 must be a struct page (from alloc_page(), virt_to_page() or pfn_to_page()), got the number 4096" });
  });

  it("pfn_valid is false in the i386 PCI hole", () => {
    boot({ arch: "i386", mem: "4G" });
    assert.equal(pfn_valid(0xbffff), true);
    assert.equal(pfn_valid(0xc0000), false);
    assert.equal(pfn_valid(0xfffff), false);
    assert.equal(pfn_valid(0x100000), true);
    assert.equal(pfn_valid(0x13ffff), true);
    assert.equal(pfn_valid(0x140000), false);
  });
});

describe("alloc_pages and friends", () => {
  it("alloc_pages: a naturally aligned block with refcount 1 on the head only; __free_pages restores the free lists", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const before = nrFree(k);
    const p = alloc_pages(GFP_KERNEL, 3)!;
    assert.equal(p.pfn, 0x1000);
    assert.equal(page_count(p), 1);
    for (let i = 1; i < 8; i++) assert.equal(page_ref_count(nth_page(p, i)), 0);
    assert.equal(zoneFree(k, ZoneId.DMA32), 60416 - 8);
    // the order-10 block was split: orders 3..9 each gained one buddy
    assert.deepEqual(nrFree(k).DMA32, [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 58]);
    assert.equal(k.pages.blocks.get(0x1000)?.order, 3);
    __free_pages(p, 3);
    assert.deepEqual(nrFree(k), before);
    assert.equal(zoneFree(k, ZoneId.DMA32), 60416);
    assert.equal(k.findings.length, 0);
  });

  it("alloc_page is order 0; __free_page frees it", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const p = alloc_page(GFP_KERNEL)!;
    assert.equal(k.pages.blocks.get(p.pfn)?.order, 0);
    assert.equal(zoneFree(k, ZoneId.DMA32), 60415);
    __free_page(p);
    assert.equal(zoneFree(k, ZoneId.DMA32), 60416);
    assert.equal(k.findings.length, 0);
  });

  it("__get_free_pages returns a logical address; free_pages takes it back; free_pages(0) is a no-op", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const before = nrFree(k);
    const a = __get_free_pages(GFP_KERNEL, 2);
    assert.equal(a, X86_64_PAGE_OFFSET + 0x1000000);
    assert.equal(virt_to_page(a).pfn % 4, 0);
    assert.equal(__get_free_page(GFP_KERNEL), X86_64_PAGE_OFFSET + 0x1004000);
    free_page(X86_64_PAGE_OFFSET + 0x1004000);
    free_pages(a, 2);
    assert.deepEqual(nrFree(k), before);
    const seq = k.events.lastSeq;
    free_pages(0, 3);
    assert.equal(k.events.lastSeq, seq);
    assert.equal(k.findings.length, 0);
  });

  it("__get_free_pages never returns high memory, even when asked for __GFP_HIGHMEM", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    const a = __get_free_pages(GFP_HIGHUSER, 0);
    assert.ok(a >= 0xc0000000 && a < 0xf8000000, a.toString(16));
    assert.equal(PageHighMem(virt_to_page(a)), false);
    assert.equal(zoneFree(k, ZoneId.HIGHMEM), 32768);
  });

  it("get_zeroed_page reads back as zeroes; __get_free_page shows the frame's old contents", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const dirty = __get_free_page(GFP_KERNEL);
    const old = k.mem.read(dirty, PAGE_SIZE);
    assert.ok(old.some((b) => b !== 0), "unzeroed memory holds the boot-time garbage");
    const z = get_zeroed_page(GFP_KERNEL);
    assert.notEqual(z, dirty);
    assert.deepEqual(k.mem.read(z, PAGE_SIZE), new Uint8Array(PAGE_SIZE));
    // alloc_pages(__GFP_ZERO) zeroes every page of the block
    const p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2)!;
    assert.deepEqual(k.mem.read(page_address(p), 4 * PAGE_SIZE), new Uint8Array(4 * PAGE_SIZE));
    // a freed page is not scrubbed: whoever gets it next sees the old bytes
    k.mem.fill(z, 0xa5, PAGE_SIZE);
    free_page(z);
    assert.equal(__get_free_page(GFP_KERNEL), z);
    assert.deepEqual(k.mem.read(z, 8), new Uint8Array(8).fill(0xa5));
    assert.equal(k.findings.length, 0);
  });

  it("order > MAX_PAGE_ORDER returns NULL with a WARN and no allocation-failure report", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const before = nrFree(k);
    const events: KernelEvent[] = [];
    k.events.on((e) => events.push(e));
    assert.equal(alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER + 1), null);
    assert.equal(__get_free_pages(GFP_KERNEL, 11), 0);
    assert.deepEqual(nrFree(k), before);
    const lines = logLines(k);
    assert.equal(lines.filter((l) => l === "WARNING: page allocation of order 11 is larger than MAX_PAGE_ORDER (10)").length, 2);
    assert.ok(!lines.some((l) => l.includes("page allocation failure")));
    assert.deepEqual(events.filter((e) => e.type !== "log"), []);
    // the largest order is fine
    const p = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER)!;
    assert.equal(p.pfn, 0x1000);
    assert.equal(k.findings.length, 0);
  });

  it("order > MAX_PAGE_ORDER with __GFP_NOWARN fails silently (WARN_ON_ONCE_GFP)", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const n = k.log.records().length;
    assert.equal(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 11), null);
    assert.deepEqual(newLogLines(k, n), []);
  });
});

describe("GFP flags as warn_alloc() prints them (%pGg)", () => {
  it("composites first, then single bits, then unnamed bits in hex", () => {
    assert.equal(gfpMode(GFP_KERNEL), "0xcc0(GFP_KERNEL)");
    assert.equal(gfpMode(GFP_ATOMIC), "0x820(GFP_ATOMIC)");
    assert.equal(gfpMode(GFP_NOWAIT), "0x2800(GFP_NOWAIT)");
    assert.equal(gfpMode(GFP_HIGHUSER_MOVABLE), "0x100cca(GFP_HIGHUSER_MOVABLE)");
    assert.equal(gfpMode(GFP_KERNEL | __GFP_ZERO), "0xdc0(GFP_KERNEL|__GFP_ZERO)");
    assert.equal(gfpMode(GFP_KERNEL | __GFP_NOWARN | __GFP_COMP), "0x42cc0(GFP_KERNEL|__GFP_NOWARN|__GFP_COMP)");
    // every matching name is printed, not only the first composite
    assert.equal(gfpMode(GFP_KERNEL | GFP_DMA), "0xcc1(GFP_KERNEL|GFP_DMA)");
    assert.equal(gfpMode(GFP_ATOMIC | GFP_DMA32), "0x824(GFP_ATOMIC|GFP_DMA32)");
    assert.equal(gfpMode(GFP_KERNEL | __GFP_HIGH), "0xce0(GFP_KERNEL|__GFP_HIGH)");
    assert.equal(gfpMode(0xc00), "0xc00(GFP_NOIO)");
    assert.equal(gfpMode(0x200), "0x200(0x200)");
    assert.equal(gfpMode(0), "0x0()");
    assert.equal(gfpNames(__GFP_HIGHMEM | __GFP_NOWARN), "__GFP_HIGHMEM|__GFP_NOWARN");
  });
});

describe("GFP zone selection", () => {
  it("GFP_DMA lands in ZONE_DMA, below 16 MiB", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const zones: string[] = [];
    k.events.on((e) => { if (e.type === "page_alloc") zones.push(e.zone); });
    const p = alloc_pages(GFP_KERNEL | GFP_DMA, 0)!;
    assert.equal(p.pfn, 0x400); // the first free DMA frame, just past the kernel image
    assert.ok(page_to_phys(p) < 16 * MiB);
    const a = __get_free_pages(GFP_ATOMIC | GFP_DMA, 4);
    assert.ok(__pa(a) < 16 * MiB && __pa(a) >= 4 * MiB);
    assert.deepEqual(zones, ["DMA", "DMA"]);
    // GFP_DMA never falls back to a higher zone
    const got = drain(GFP_KERNEL | GFP_DMA, 0);
    assert.ok(got.every((q) => q.pfn >= 0x400 && q.pfn < 0x1000));
    assert.equal(zoneFree(k, ZoneId.DMA), 24); // DMA's min watermark
    assert.equal(zoneFree(k, ZoneId.DMA32), 60416);
    assert.ok(logLines(k).includes("insmod: page allocation failure: order:0, mode:0xcc1(GFP_KERNEL|GFP_DMA), nodemask=(null)"));
  });

  it("x86_64 16G: GFP_DMA32 stays below 4 GiB, GFP_KERNEL prefers Normal, GFP_HIGHUSER is Normal (no highmem)", () => {
    const k = boot({ arch: "x86_64", mem: "16G" });
    const zones: string[] = [];
    k.events.on((e) => { if (e.type === "page_alloc") zones.push(e.zone); });
    const d32 = alloc_pages(GFP_KERNEL | GFP_DMA32, 0)!;
    assert.equal(d32.pfn, 0x1000);
    assert.ok(page_to_phys(d32) < 4 * GiB);
    const n = alloc_pages(GFP_KERNEL, 0)!;
    assert.equal(n.pfn, 0x100000);
    const hu = alloc_pages(GFP_HIGHUSER, 0)!;
    assert.equal(hu.pfn, 0x100001);
    assert.equal(PageHighMem(hu), false);
    assert.notEqual(page_address(hu), 0);
    const dma = alloc_pages(GFP_DMA, 0)!;
    assert.equal(dma.pfn, 0x400);
    assert.deepEqual(zones, ["DMA32", "Normal", "Normal", "DMA"]);
    assert.equal(k.findings.length, 0);
  });

  it("GFP_DMA32 on 256M x86_64 falls back to DMA only when DMA32 is exhausted", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const got = drain(GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN, 10);
    // 59 order-10 blocks in DMA32, but the min watermark (479 pages) keeps the last one back; then DMA's 3 blocks minus its reserve
    assert.equal(got.filter((p) => p.pfn >= 0x1000).length, 58);
    assert.equal(got.filter((p) => p.pfn < 0x1000).length, 2);
    for (const p of got) assert.equal(p.pfn % 1024, 0);
    assert.equal(k.findings.length, 0);
  });

  it("i386: GFP_HIGHUSER takes HighMem; GFP_DMA32 means ZONE_NORMAL; GFP_KERNEL never gets highmem", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    const hu = alloc_pages(GFP_HIGHUSER, 0)!;
    assert.equal(hu.pfn, 0x38000);
    assert.equal(PageHighMem(hu), true);
    const d32 = alloc_pages(GFP_KERNEL | GFP_DMA32, 0)!;
    assert.equal(d32.pfn, 0x1000);
    assert.equal(PageHighMem(d32), false);
    assert.equal(PageHighMem(pfn_to_page(0x37fff)), false);
    assert.equal(PageHighMem(pfn_to_page(0x38000)), true);

    const highFree = zoneFree(k, ZoneId.HIGHMEM);
    assert.equal(highFree, 32768 - 1);
    const got = drain(GFP_KERNEL, 10);
    assert.ok(got.length > 200);
    for (const p of got) assert.ok(p.pfn < 0x38000, `pfn 0x${p.pfn.toString(16)} is highmem`);
    assert.equal(zoneFree(k, ZoneId.HIGHMEM), highFree);
    assert.ok(logLines(k).includes("insmod: page allocation failure: order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null)"));
    // and GFP_USER is lowmem too
    const u = alloc_pages(GFP_USER, 0);
    assert.ok(u === null || u.pfn < 0x38000);
  });

  it("x86_64 never reports a page as highmem", () => {
    boot({ arch: "x86_64", mem: "16G" });
    assert.equal(PageHighMem(pfn_to_page(0x43ffff)), false);
    assert.equal(PageHighMem(pfn_to_page(0x100000)), false);
  });
});

describe("exhaustion and watermarks", () => {
  it("GFP_KERNEL stops at the min watermark and logs a page allocation failure", () => {
    const k = boot({ arch: "x86_64", mem: "16M" });
    const dma = k.pages.zone(ZoneId.DMA)!;
    assert.equal(dma.managedPages, 3008);
    // min_free_kbytes = int_sqrt(3008 * 4 * 16) = 438, pages_min = 438 >> 2 = 109
    assert.deepEqual(dma.watermark, { min: 109, low: 136, high: 163 });
    const events: KernelEvent[] = [];
    k.events.on((e) => events.push(e));
    const got = drain(GFP_KERNEL, 0);
    assert.equal(got.length, 3008 - 109);
    assert.equal(dma.freePages, 109);
    const fail = events.filter((e) => e.type === "page_alloc_fail");
    assert.deepEqual(fail.map((e) => e.type === "page_alloc_fail" && [e.order, e.gfp]), [[0, GFP_KERNEL]]);
    const lines = logLines(k);
    const i = lines.indexOf("insmod: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null)");
    assert.ok(i >= 0, "warn_alloc() line");
    assert.match(lines[i + 1], /^Node 0 DMA: (\d+\*\d+kB ){11}= 436kB \(free:436kB min:436kB managed:12032kB\)$/);
    assert.equal(k.findings.length, 0);
  });

  it("GFP_ATOMIC digs deeper than GFP_KERNEL; GFP_NOWAIT does not, and fails quietly", () => {
    const k = boot({ arch: "x86_64", mem: "16M" });
    const dma = k.pages.zone(ZoneId.DMA)!;
    drain(GFP_KERNEL, 0);
    assert.equal(dma.freePages, 109);
    // GFP_NOWAIT: non-blocking but without __GFP_HIGH: no access to the min reserve
    const n = k.log.records().length;
    assert.equal(alloc_page(GFP_NOWAIT), null);
    assert.deepEqual(newLogLines(k, n), [], "GFP_NOWAIT includes __GFP_NOWARN");
    // __GFP_HIGH alone: half of min (109 - 54 = 55)
    const high = drain(GFP_KERNEL | __GFP_HIGH, 0);
    assert.equal(high.length, 109 - 55);
    // GFP_ATOMIC: __GFP_HIGH and non-blocking: 55 - 55/4 = 42
    const atomic = drain(GFP_ATOMIC, 0);
    assert.equal(atomic.length, 55 - 42);
    assert.equal(dma.freePages, 42);
    assert.ok(logLines(k).includes("insmod: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null)"));
    assert.ok(logLines(k).includes("insmod: page allocation failure: order:0, mode:0xce0(GFP_KERNEL|__GFP_HIGH), nodemask=(null)"));
    // freeing makes room again
    __free_page(atomic[0]);
    assert.notEqual(alloc_page(GFP_ATOMIC), null);
  });

  it("GFP_ATOMIC from a fresh machine gets exactly free - reserve pages", () => {
    const k = boot({ arch: "x86_64", mem: "16M" });
    assert.equal(drain(GFP_ATOMIC, 0).length, 3008 - 42);
    assert.equal(k.pages.zone(ZoneId.DMA)!.freePages, 42);
  });

  it("a high-order request fails on fragmentation even above the watermark", () => {
    const k = boot({ arch: "x86_64", mem: "16M" });
    // take everything but the 109-page reserve as order-0 pages, then give back the even frames:
    // plenty free, but a free order-8 block would need 128 free odd frames and only the reserve has any
    const got = drain(GFP_KERNEL, 0);
    for (const p of got) if (p.pfn % 2 === 0) __free_page(p);
    const dma = k.pages.zone(ZoneId.DMA)!;
    assert.ok(dma.freePages > 1500, String(dma.freePages));
    assert.deepEqual(dma.nrFree.slice(8), [0, 0, 0]);
    assert.equal(alloc_pages(GFP_KERNEL, 8), null);
    assert.ok(logLines(k).includes("insmod: page allocation failure: order:8, mode:0xcc0(GFP_KERNEL), nodemask=(null)"));
    assert.notEqual(alloc_pages(GFP_KERNEL, 0), null);
  });

  it("watermarks follow __setup_per_zone_wmarks on i386 with highmem", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    // lowmem 3072 + 223232 pages: min_free_kbytes = int_sqrt(226304 * 4 * 16) = 3805, pages_min = 951
    const [dma, normal, high] = [ZoneId.DMA, ZoneId.NORMAL, ZoneId.HIGHMEM].map((id) => k.pages.zone(id)!);
    assert.deepEqual(dma.watermark, { min: 12, low: 15, high: 18 });
    assert.deepEqual(normal.watermark, { min: 938, low: 1172, high: 1406 });
    // highmem: min clamped to 32..128, but the kswapd gaps use the zone's share of pages_min (137 >> 2 = 34)
    assert.deepEqual(high.watermark, { min: 32, low: 66, high: 100 });
  });
});

describe("page references", () => {
  it("get_page/put_page count; the last put_page frees the page", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const before = nrFree(k);
    const p = alloc_page(GFP_KERNEL)!;
    get_page(p);
    assert.equal(page_count(p), 2);
    put_page(p);
    assert.equal(page_count(p), 1);
    assert.ok(k.pages.blocks.has(p.pfn));
    put_page(p);
    assert.equal(page_count(p), 0);
    assert.equal(k.pages.blocks.has(p.pfn), false);
    assert.deepEqual(nrFree(k), before);
    assert.equal(k.findings.length, 0);
  });

  it("put_page below zero is PG001 and leaves the count at 0", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const p = alloc_page(GFP_KERNEL)!;
    put_page(p);
    const free = zoneFree(k, ZoneId.DMA32);
    put_page(p);
    const f = only(k, "PG001");
    assert.equal(f.message, "Bad page state: put_page() below zero [pfn=0x1000] [refcount=0] [mapcount=0]");
    assert.ok(f.report.includes("kernel BUG at include/linux/mm.h: put_page() of a page whose _refcount is already 0"));
    assert.ok(f.report.includes("page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)"));
    assert.match(f.location!.file, /page_alloc\.test\.[jt]s$/);
    assert.equal(page_count(p), 0);
    assert.equal(zoneFree(k, ZoneId.DMA32), free, "nothing freed twice");
  });

  it("get_page on a free page is PG001", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const p = pfn_to_page(0x2000);
    assert.equal(page_count(p), 0);
    get_page(p);
    const f = only(k, "PG001");
    assert.equal(f.message, "Bad page state: get_page() on a page with no references [pfn=0x2000] [refcount=0] [mapcount=0]");
    assert.ok(f.report.includes("page dumped because: VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page))"));
  });

  it("compound pages: references on a tail go to the head; the last put frees the whole block", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const before = nrFree(k);
    const p = alloc_pages(GFP_KERNEL | __GFP_COMP, 2)!;
    const tail = nth_page(p, 3);
    get_page(tail);
    assert.equal(page_count(p), 2);
    assert.equal(page_count(tail), 2);
    assert.equal(page_ref_count(tail), 0);
    put_page(tail);
    put_page(p);
    assert.deepEqual(nrFree(k), before);
    assert.equal(k.findings.length, 0);
  });

  it("__free_pages of a non-compound block whose head is still referenced frees only the tail pages", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const before = nrFree(k);
    const p = alloc_pages(GFP_KERNEL, 2)!;
    assert.equal(p.pfn, 0x1000);
    get_page(p);
    __free_pages(p, 2);
    assert.equal(page_count(p), 1);
    assert.equal(zoneFree(k, ZoneId.DMA32), 60416 - 1);
    // pfn 0x1002-0x1003 (order 1) and 0x1001 (order 0) are free again
    assert.deepEqual(k.pages.buddy.freeBlockOf(0x1001), { head: 0x1001, order: 0 });
    assert.deepEqual(k.pages.buddy.freeBlockOf(0x1003), { head: 0x1002, order: 1 });
    assert.equal(k.pages.buddy.freeBlockOf(0x1000), undefined);
    put_page(p);
    assert.deepEqual(nrFree(k), before);
    assert.equal(k.findings.length, 0);
  });
});

describe("PG_reserved and bad frees", () => {
  it("SetPageReserved/ClearPageReserved/PageReserved, with page_flag events", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const flags: unknown[] = [];
    k.events.on((e) => { if (e.type === "page_flag") flags.push([e.pfn, e.flag, e.set]); });
    const p = alloc_page(GFP_KERNEL)!;
    assert.equal(PageReserved(p), false);
    SetPageReserved(p);
    assert.equal(PageReserved(p), true);
    ClearPageReserved(p);
    assert.equal(PageReserved(p), false);
    assert.deepEqual(flags, [[0x1000, "reserved", true], [0x1000, "reserved", false]]);
    // memblock's reservations: BIOS area and kernel image
    assert.equal(PageReserved(pfn_to_page(0)), true);
    assert.equal(PageReserved(pfn_to_page(0x3ff)), true);
    assert.equal(page_count(pfn_to_page(0x100)), 1);
    assert.equal(PageReserved(pfn_to_page(0x400)), false);
    __free_page(p);
    assert.equal(k.findings.length, 0);
  });

  it("freeing a page with PG_reserved set is PG002 and the page is leaked", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const p = alloc_page(GFP_KERNEL)!;
    SetPageReserved(p);
    __free_page(p);
    const f = only(k, "PG002");
    assert.match(f.message, /^Bad page state: page freed with PG_reserved set \[pfn=0x1000\] \[by .*page_alloc\.test\.[jt]s:\d+\)\]$/);
    assert.equal(f.report[0], "BUG: Bad page state in process insmod  pfn:01000");
    assert.ok(f.report.includes("page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set"));
    assert.ok(f.report.some((l) => /^flags: 0x1000\(reserved\|zone=1\)$/.test(l)), f.report.join("\n"));
    assert.ok(logLines(k).includes("BUG: Bad page state in process insmod  pfn:01000"));
    // leaked: not on any free list, never handed out again
    assert.equal(k.pages.buddy.freeBlockOf(0x1000), undefined);
    assert.equal(zoneFree(k, ZoneId.DMA32), 60415);
    assert.equal(alloc_page(GFP_KERNEL)!.pfn, 0x1001);
    assert.equal(alloc_pages(GFP_KERNEL, 1)!.pfn, 0x1002);
    assert.equal(k.pages.blocks.has(0x1000), false);
    assert.equal(k.findings.length, 1);
  });

  it("double free_pages is MEM003", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const a = __get_free_pages(GFP_KERNEL, 1);
    free_pages(a, 1);
    const free = zoneFree(k, ZoneId.DMA32);
    free_pages(a, 1);
    const f = only(k, "MEM003");
    assert.equal(f.message, `double free of ${k.px(a)} in free_pages(): pfn:0x1000 is already free`);
    assert.equal(f.report[0], "==================================================================");
    assert.equal(f.report[1].startsWith("BUG: KASAN: double-free in "), true);
    assert.ok(f.report.includes("page last freed by task 1:"));
    assert.equal(zoneFree(k, ZoneId.DMA32), free);
  });

  it("__free_pages of a page that was never allocated is an invalid free; a tail page too", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    __free_pages(pfn_to_page(0x3000), 0);
    assert.equal(k.findings[0].rule, "MEM003");
    assert.equal(k.findings[0].message, `invalid free of ${k.px(X86_64_PAGE_OFFSET + 0x3000000)} in __free_pages(): pfn:0x3000 is not allocated`);
    const p = alloc_pages(GFP_KERNEL, 2)!;
    __free_pages(nth_page(p, 1), 0);
    assert.equal(k.findings.length, 2);
    assert.equal(k.findings[1].message, `invalid free of ${k.px(X86_64_PAGE_OFFSET + 0x1001000)} in __free_pages(): pfn:0x1001 is inside the order-2 block at pfn:0x1000`);
    assert.equal(page_count(p), 1);
  });

  it("freeing with the wrong order is MEM004, and the block goes back whole", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const before = nrFree(k);
    const p = alloc_pages(GFP_KERNEL, 2)!;
    __free_pages(p, 1);
    const f = only(k, "MEM004");
    assert.equal(f.message, `allocator mismatch: __free_pages(order 1) of ${k.px(X86_64_PAGE_OFFSET + 0x1000000)}, which was allocated by alloc_pages(order 2)`);
    assert.ok(f.report.includes("__free_pages() was given order 1, but pfn:0x1000 heads an order-2 block (4 pages)"));
    assert.deepEqual(nrFree(k), before);
  });
});

describe("page_address and high memory", () => {
  it("page_address of an unmapped highmem page is NULL and PG006; kmap gives it an address", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    const p = alloc_page(GFP_HIGHUSER)!;
    assert.equal(page_address(p), 0);
    const f = only(k, "PG006");
    assert.equal(f.message, "page_address() of high-memory page [pfn=0x38000], which has no kernel logical address");
    const va = kmap(p);
    assert.equal(va, 0xff801000); // map_new_virtual() advances last_pkmap_nr before using it: slot 1 first
    assert.equal(page_address(p), va);
    kunmap(p);
    assert.equal(k.findings.length, 1);
    // lowmem pages always have their logical address
    assert.equal(page_address(pfn_to_page(0x37fff)), 0xf7fff000);
  });
});

describe("/proc/buddyinfo", () => {
  const row = (zone: string, counts: number[]) => `Node 0, zone ${zone.padStart(8)} ${counts.map((n) => `${String(n).padStart(6)} `).join("")}\n`;

  it("x86_64 256M after boot, exactly", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const expected =
      "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      3 \n" +
      "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0     59 \n";
    assert.equal(k.pages.buddyinfo(), expected);
    alloc_page(GFP_KERNEL);
    assert.equal(k.pages.buddyinfo(), row("DMA", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]) + row("DMA32", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 58]));
  });

  it("i386 16M: a ragged end where mem_map sits; empty zones are not listed", () => {
    const k = boot({ arch: "i386", mem: "16M" });
    // free: 0x400-0xfe0 (mem_map takes the top 32 pages)
    assert.equal(k.pages.buddyinfo(), "Node 0, zone      DMA      0      0      0      0      0      1      1      1      1      1      2 \n");
  });

  it("x86_64 16G lists DMA, DMA32 and Normal", () => {
    const k = boot({ arch: "x86_64", mem: "16G" });
    assert.equal(k.pages.buddyinfo(), row("DMA", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]) + row("DMA32", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 764]) + row("Normal", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3260]));
  });

  it("i386 1G lists HighMem", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    assert.equal(k.pages.buddyinfo(), row("DMA", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]) + row("Normal", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 218]) + row("HighMem", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32]));
  });
});

describe("events", () => {
  it("allocation, references, flags and frees are events with consecutive seq numbers", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const events: KernelEvent[] = [];
    const off = k.events.on((e) => events.push(e));
    const start = k.events.lastSeq;
    const p = alloc_pages(GFP_KERNEL, 1)!;
    get_page(p);
    put_page(p);
    SetPageReserved(p);
    ClearPageReserved(p);
    __free_pages(p, 1);
    off();
    alloc_page(GFP_KERNEL);
    const body = events.map(({ seq: _s, time: _t, ...rest }) => rest);
    assert.deepEqual(body, [
      { type: "page_alloc", pfn: 0x1000, order: 1, gfp: GFP_KERNEL, zone: "DMA32" },
      { type: "page_ref", pfn: 0x1000, refcount: 2, op: "get" },
      { type: "page_ref", pfn: 0x1000, refcount: 1, op: "put" },
      { type: "page_flag", pfn: 0x1000, flag: "reserved", set: true },
      { type: "page_flag", pfn: 0x1000, flag: "reserved", set: false },
      { type: "page_free", pfn: 0x1000, order: 1 },
    ]);
    assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6].map((i) => start + i));
    for (let i = 1; i < events.length; i++) assert.ok(events[i].time >= events[i - 1].time, "the virtual clock never goes back");
    assert.ok(events[5].time > events[0].time, "allocating and freeing take time");
    assert.equal(k.events.lastSeq, start + 7, "events are numbered even with no listener");
  });

  it("a finding emits a violation event after its log lines", () => {
    const k = boot({ arch: "x86_64", mem: "256M" });
    const events: KernelEvent[] = [];
    k.events.on((e) => events.push(e));
    const p = alloc_page(GFP_KERNEL)!;
    __free_page(p);
    __free_page(p);
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), ["page_alloc", "page_free"]);
    assert.equal(types.at(-1), "violation");
    assert.ok(types.slice(2, -1).every((t) => t === "log") && types.length > 4);
    const v = events.at(-1)!;
    assert.equal(v.type === "violation" && v.rule, "MEM003");
    for (let i = 1; i < events.length; i++) assert.equal(events[i].seq, events[i - 1].seq + 1);
  });

  it("a failed allocation emits page_alloc_fail before the warn_alloc() log lines", () => {
    const k = boot({ arch: "x86_64", mem: "16M" });
    drain(GFP_KERNEL | __GFP_NOWARN, 0);
    const events: KernelEvent[] = [];
    k.events.on((e) => events.push(e));
    assert.equal(alloc_pages(GFP_KERNEL, 3), null);
    assert.deepEqual(events.map((e) => e.type), ["page_alloc_fail", "log", "log"]);
    assert.equal(events[1].type === "log" && events[1].text, "insmod: page allocation failure: order:3, mode:0xcc0(GFP_KERNEL), nodemask=(null)");
    assert.equal(events[1].type === "log" && events[1].level, 4);
  });
});

describe("determinism", () => {
  function scenario(seed: number) {
    const k = boot({ arch: "x86_64", mem: "64M", seed });
    const addrs: number[] = [];
    const contents: number[][] = [];
    const pages: Page[] = [];
    for (const [gfp, order] of [[GFP_KERNEL, 0], [GFP_KERNEL, 3], [GFP_DMA, 1], [GFP_ATOMIC, 5], [GFP_KERNEL, 10], [GFP_KERNEL, 2]] as const) {
      const p = alloc_pages(gfp, order)!;
      pages.push(p);
      addrs.push(page_address(p));
      contents.push([...k.mem.read(page_address(p), 16)]);
    }
    __free_pages(pages[1], 3);
    __free_pages(pages[4], 10);
    const a = __get_free_pages(GFP_KERNEL, 4);
    addrs.push(a);
    contents.push([...k.mem.read(a, 16)]);
    __free_pages(pages[0], 0);
    __free_pages(pages[0], 0); // MEM003 in the log
    drain(GFP_KERNEL, 10); // a page allocation failure in the log
    return { addrs, contents, dmesg: k.dmesg(), buddyinfo: k.pages.buddyinfo(), findings: k.findings.map((f) => f.message) };
  }

  it("the same seed gives the same addresses, contents and log", () => {
    const a = scenario(42), b = scenario(42);
    assert.deepEqual(a, b);
    assert.ok(a.dmesg.includes("page allocation failure: order:10"));
    assert.deepEqual(a.findings.length, 1);
  });

  it("another seed gives other garbage in unzeroed pages but the same addresses", () => {
    const a = scenario(1), b = scenario(2);
    assert.deepEqual(a.addrs, b.addrs);
    assert.deepEqual(a.buddyinfo, b.buddyinfo);
    assert.deepEqual(a.findings, b.findings);
    assert.equal(a.contents.length, b.contents.length);
    for (let i = 0; i < a.contents.length; i++) assert.notDeepEqual(a.contents[i], b.contents[i], `page ${i}`);
  });
});
