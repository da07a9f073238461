// vmalloc space, high memory mappings (kmap, kmap_atomic, kmap_local),
// device memory (ioremap and the accessors), and the small headers a driver
// uses with them: string.h, printk.h, err.h, bug.h.

import assert from "node:assert/strict";
import * as path from "node:path";

import { KernelOops, type Kernel } from "../src";
import { load32, load8, load_bytes, load_string, store32, store8, store_bytes } from "../src/api/faultline/ptr";
import { ERR_PTR, IS_ERR, IS_ERR_OR_NULL, IS_ERR_VALUE, MAX_ERRNO, PTR_ERR, PTR_ERR_OR_ZERO } from "../src/api/linux/err";
import { BUG_ON, WARN, WARN_ON } from "../src/api/linux/bug";
import { GFP_ATOMIC, GFP_HIGHUSER, GFP_KERNEL, alloc_page } from "../src/api/linux/gfp";
import { kmap, kmap_atomic, kmap_local_page, kunmap, kunmap_atomic, kunmap_local } from "../src/api/linux/highmem";
import {
  ioremap, iounmap, memcpy_fromio, memcpy_toio, memset_io, readb, readl, readq, readw, writeb, writel, writeq, writew,
} from "../src/api/linux/io";
import { PageHighMem, page_address, page_to_pfn, type Page } from "../src/api/linux/mm";
import { KERN_INFO, KERN_WARNING, pr_cont, pr_debug, pr_err, pr_info, pr_warn, printk, scnprintf, snprintf } from "../src/api/linux/printk";
import { kmalloc, kzalloc } from "../src/api/linux/slab";
import { memcmp, memcpy, memmove, memset, strcmp, strcpy, strlen, strnlen, strscpy } from "../src/api/linux/string";
import { is_vmalloc_addr, vfree, vmalloc, vmalloc_to_page, vmalloc_to_pfn, vzalloc } from "../src/api/linux/vmalloc";
import type { IoWidth } from "../src/mm/iomem";
import { boot, callerFile, escapeRe, hex16, hex8, lineHere, only } from "./helpers";

const MiB = 1 << 20;
const PAGE = 4096;

const SELF = callerFile();
const REL = path.relative(process.cwd(), SELF);

function newLog(k: Kernel, since: number): string[] {
  return k.log.records().slice(since).map((r) => r.text);
}
function assertLocatedHere(k: Kernel): void {
  for (const f of k.findings) assert.equal(f.location?.file, SELF, `${f.rule} points into the test file`);
}
/** The caller column of a /proc/vmallocinfo line: "%pS" of the allocating line of this file. */
function callerRe(line: number): string {
  return `\\S.* \\(${escapeRe(REL)}:${line}\\)`;
}

describe("vmalloc", () => {
  it("maps page-sized pieces at VMALLOC_START; each has its own frame, reachable through vmalloc_to_page/pfn", () => {
    const k = boot();
    const v = vmalloc(3 * PAGE + 1);
    assert.equal(v, k.profile.vmallocStart, "the first area starts the vmalloc space");
    assert.ok(is_vmalloc_addr(v));
    assert.ok(is_vmalloc_addr(v + 4 * PAGE - 1));
    const pfns = [0, 1, 2, 3].map((i) => vmalloc_to_pfn(v + i * PAGE + 123));
    assert.equal(new Set(pfns).size, 4, "four distinct frames (contiguity is not promised)");
    for (const [i, pfn] of pfns.entries()) {
      assert.ok(k.memmap.pfnValid(pfn));
      const pg = vmalloc_to_page(v + i * PAGE);
      assert.ok(pg);
      assert.equal(pg.pfn, pfn);
      assert.equal(page_to_pfn(pg), pfn);
    }
    // A value spanning the page boundary lands in two frames, and the direct map sees both halves.
    store32(v + PAGE - 2, 0x44332211);
    const lo = k.profile.pageOffset + pfns[0] * PAGE + PAGE - 2, hi = k.profile.pageOffset + pfns[1] * PAGE;
    assert.deepEqual([load8(lo), load8(lo + 1), load8(hi), load8(hi + 1)], [0x11, 0x22, 0x33, 0x44]);
    assert.equal(load32(v + PAGE - 2), 0x44332211);

    const p = kmalloc(32, GFP_KERNEL);
    assert.ok(!is_vmalloc_addr(p));
    assert.equal(vmalloc_to_page(p), null);
    assert.equal(vmalloc_to_pfn(p), 0);
    vfree(v);
    assert.equal(vmalloc_to_page(v), null);
    assert.equal(vmalloc_to_pfn(v), 0);
    assert.deepEqual(k.findings, []);
  });

  it("vzalloc() is zeroed", () => {
    const k = boot();
    const v = vzalloc(2 * PAGE);
    assert.ok(load_bytes(v, 2 * PAGE).every((b) => b === 0));
    vfree(v);
    assert.deepEqual(k.findings, []);
  });

  it("takes its pages from HighMem on i386", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    assert.equal(k.profile.vmallocStart, 0xf8800000, "high_memory (0xf8000000) + VMALLOC_OFFSET");
    const v = vmalloc(4 * PAGE);
    assert.equal(v, 0xf8800000);
    for (let i = 0; i < 4; i++) {
      const pg = vmalloc_to_page(v + i * PAGE)!;
      assert.ok(PageHighMem(pg), `page ${i} is highmem`);
      assert.ok(pg.pfn >= k.profile.maxLowPfn);
    }
    store32(v + 3 * PAGE + 100, 0x12345678);
    assert.equal(load32(v + 3 * PAGE + 100), 0x12345678);
    assert.deepEqual(k.findings, []);
  });

  it("leaves an unmapped guard page between areas", () => {
    const k = boot();
    const a = vmalloc(PAGE);
    const b = vmalloc(PAGE);
    assert.equal(b, a + 2 * PAGE);
    assert.equal(vmalloc_to_page(a + PAGE), null, "the guard page has no frame");
    assert.ok(is_vmalloc_addr(a + PAGE));
    // First fit: a freed hole is reused, a bigger request goes after the last area.
    vfree(a);
    const c = vmalloc(2 * PAGE);
    assert.equal(c, b + 2 * PAGE);
    const d = vmalloc(100);
    assert.equal(d, a);
    assert.deepEqual(k.findings, []);
  });

  it("/proc/vmallocinfo: start-end, size with the guard page, caller, pages=, and the kind", () => {
    const k = boot();
    const a = vmalloc(5000); const lineA = lineHere();
    const b = vmalloc(PAGE); const lineB = lineHere();
    const r = k.io.addRegion("mydev-bar0", PAGE);
    const io = ioremap(r.start, PAGE); const lineIo = lineHere();
    const lines = k.inspect.vmallocinfo().split("\n");
    assert.equal(lines.length, 4);
    assert.equal(lines[3], "");
    assert.match(lines[0], new RegExp(`^0x${hex16(a)}-0x${hex16(a + 3 * PAGE)}   12288 ${callerRe(lineA)} pages=2 vmalloc$`));
    assert.match(lines[1], new RegExp(`^0x${hex16(b)}-0x${hex16(b + 2 * PAGE)}    8192 ${callerRe(lineB)} pages=1 vmalloc$`));
    assert.match(lines[2], new RegExp(`^0x${hex16(io)}-0x${hex16(io + 2 * PAGE)}    8192 ${callerRe(lineIo)} phys=0x00000000e0000000 ioremap$`));
    vfree(a);
    iounmap(io);
    assert.equal(k.inspect.vmallocinfo().split("\n").length, 2);
    assert.deepEqual(k.findings, []);
  });

  it("/proc/vmallocinfo on i386 prints 32-bit addresses and a 32-bit phys_addr_t", () => {
    const k = boot({ arch: "i386", mem: "256M" });
    const v = vmalloc(PAGE);
    const r = k.io.addRegion("bar", PAGE);
    ioremap(r.start, PAGE);
    const lines = k.inspect.vmallocinfo().split("\n");
    assert.match(lines[0], new RegExp(`^0x${hex8(v)}-0x${hex8(v + 2 * PAGE)}    8192 .* pages=1 vmalloc$`));
    assert.match(lines[1], / phys=0xe0000000 ioremap$/);
  });

  it("returns 0 on failure: size 0, more than RAM, no room in vmalloc space, no pages", () => {
    const k = boot();
    let n = k.log.records().length;
    assert.equal(vmalloc(0), 0);
    assert.equal(vmalloc(512 * MiB), 0);
    assert.deepEqual(newLog(k, n), ["insmod: vmalloc error: size 536870912, exceeds total pages, mode:0xcc0(GFP_KERNEL), nodemask=(null)"]);
    assert.deepEqual(k.findings, []);

    // i386's vmalloc space is about 120 MiB: 120 MiB of it cannot be found, though there is RAM.
    const k32 = boot({ arch: "i386", mem: "1G" });
    n = k32.log.records().length;
    assert.equal(vmalloc(120 * MiB), 0);
    assert.deepEqual(newLog(k32, n), ["insmod: vmalloc error: size 125829120, vm_struct allocation failed, mode:0xcc0(GFP_KERNEL), nodemask=(null)"]);

    // Running out of pages half-way gives back what was taken.
    const small = boot({ mem: "16M" });
    const free = small.pages.totalFreePages();
    n = small.log.records().length;
    const want = (free - 16) * PAGE; // below total RAM, above what the watermarks let it take
    assert.equal(vmalloc(want), 0);
    assert.deepEqual(newLog(small, n), [`insmod: vmalloc error: size ${want}, page order 0, failed to allocate pages, mode:0xcc0(GFP_KERNEL), nodemask=(null)`]);
    assert.equal(small.pages.totalFreePages(), free);
    assert.equal(small.vmalloc.list().length, 0);
    assert.deepEqual(small.findings, []);
  });
});

describe("highmem", () => {
  describe("kmap/kunmap (i386)", () => {
    it("maps a highmem page in the pkmap window; a second kmap of the page shares the slot", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      assert.equal(k.profile.pkmapBase, 0xff800000);
      assert.equal(k.profile.lastPkmap, 1024);
      const pg = alloc_page(GFP_HIGHUSER)!;
      assert.ok(PageHighMem(pg));
      const a = kmap(pg);
      assert.ok(a >= 0xff800000 && a < 0xff800000 + 1024 * PAGE, `0x${a.toString(16)} is in the pkmap window`);
      assert.equal(a % PAGE, 0);
      assert.equal(a, 0xff801000, "map_new_virtual() starts after last_pkmap_nr = 0");
      assert.equal(page_address(pg), a, "page_address() finds the kmap");
      assert.equal(kmap(pg), a);
      assert.equal(k.highmem.pkmapSlots().find((s) => s.addr === a)?.count, 2);
      const other = alloc_page(GFP_HIGHUSER)!;
      const b = kmap(other);
      assert.equal(b, a + PAGE);
      kunmap(pg);
      kunmap(pg);
      kunmap(other);
      assert.deepEqual(k.findings, []);
    });

    it("reports kunmap() of a page that is not kmapped (PG003)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const pg = alloc_page(GFP_HIGHUSER)!;
      kunmap(pg); const line = lineHere();
      const f = only(k, "PG003");
      assert.equal(f.message, `unbalanced kmap: kunmap() of a page that is not kmapped [pfn=0x${pg.pfn.toString(16)}]`);
      assert.equal(f.report[0], `kernel BUG at mm/highmem.c: kunmap_high(): pkmap_count underflow for pfn:0x${pg.pfn.toString(16)}`);
      assert.equal(f.location?.line, line);
      assertLocatedHere(k);
    });

    it("reports one kunmap() too many (PG003)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const pg = alloc_page(GFP_HIGHUSER)!;
      kmap(pg);
      kunmap(pg);
      assert.deepEqual(k.findings, []);
      kunmap(pg);
      only(k, "PG003");
    });

    it("reports kunmap() given the address instead of the page (PG004)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const pg = alloc_page(GFP_HIGHUSER)!;
      const a = kmap(pg);
      kunmap(a as unknown as Page); const line = lineHere();
      const f = only(k, "PG004");
      assert.equal(f.message, `passing the wrong variable to kunmap: got address ${hex8(a)}, expected the struct page passed to kmap()`);
      assert.equal(f.location?.line, line);
      assert.equal(f.location?.file, SELF);
      // The mapping is still held.
      assert.equal(k.highmem.heldKmaps().length, 1);
    });

    it("exhausting the pkmap slots reports PG003 and kills the task (KernelOops)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const pages = Array.from({ length: 1025 }, () => alloc_page(GFP_HIGHUSER)!);
      const addrs = new Set(pages.slice(0, 1024).map((p) => kmap(p)));
      assert.equal(addrs.size, 1024, "every slot, slot 0 included after the wrap");
      assert.deepEqual(k.findings, []);
      let line = 0;
      assert.throws(() => { line = lineHere(); kmap(pages[1024]); }, (e: unknown) => {
        assert.ok(e instanceof KernelOops);
        assert.equal(e.rule, "PG003");
        assert.equal(e.headline, "kmap_high() waits forever for a free pkmap slot");
        assert.equal(e.location?.file, SELF);
        assert.equal(e.location?.line, line);
        return true;
      });
      const f = only(k, "PG003");
      assert.equal(f.message, `unbalanced kmap: kmap() with all 1024 pkmap slots in use [pfn=0x${pages[1024].pfn.toString(16)}]`);
      assert.equal(f.report[0], "INFO: task insmod:1 blocked in kmap_high(): all LAST_PKMAP (1024) persistent kmap slots are in use and none will be released");
      // Once a slot is released, the next wrap flushes it and kmap() succeeds.
      kunmap(pages[0]);
      const a = kmap(pages[1024]);
      assert.ok(a >= 0xff800000 && a < 0xff800000 + 1024 * PAGE);
      assert.equal(k.findings.length, 1);
    });

    it("has 512 slots at 0xffa00000 with PAE", () => {
      const k = boot({ arch: "i386", mem: "1G", pae: true });
      const pg = alloc_page(GFP_HIGHUSER)!;
      assert.equal(kmap(pg), 0xffa01000);
      assert.equal(k.profile.lastPkmap, 512);
    });

    it("data written through a kmap address is seen through every other mapping of the page", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const v = vmalloc(PAGE);
      store32(v + 100, 0xdeadbeef);
      const pg = vmalloc_to_page(v)!;
      assert.ok(PageHighMem(pg));
      const a = kmap(pg);
      assert.notEqual(a, v);
      assert.equal(load32(a + 100), 0xdeadbeef);
      store32(a + 200, 0x0badf00d);
      const l = kmap_local_page(pg);
      assert.ok(l !== a && l !== v);
      assert.equal(load32(l + 200), 0x0badf00d);
      store8(l + 300, 0x7e);
      kunmap_local(l);
      kunmap(pg);
      assert.equal(load8(v + 300), 0x7e);
      assert.equal(load32(v + 200), 0x0badf00d);
      assert.deepEqual(k.findings, []);
    });
  });

  it("on x86_64 every page is lowmem: kmap() returns page_address()", () => {
    const k = boot();
    const pg = alloc_page(GFP_HIGHUSER)!;
    assert.ok(!PageHighMem(pg));
    const a = kmap(pg);
    assert.equal(a, page_address(pg));
    assert.equal(a, k.profile.pageOffset + pg.pfn * PAGE);
    store32(a, 42);
    kunmap(pg);
    kunmap(pg); // kunmap() of a lowmem page returns at once
    assert.equal(load32(k.profile.pageOffset + pg.pfn * PAGE), 42);
    assert.deepEqual(k.findings, []);
  });

  describe("kmap_atomic/kmap_local_page", () => {
    it("push per-CPU fixmap slots, released in LIFO order", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const [p1, p2] = [alloc_page(GFP_HIGHUSER)!, alloc_page(GFP_HIGHUSER)!];
      const a1 = kmap_atomic(p1);
      const a2 = kmap_atomic(p2);
      assert.equal(a1, 0xffffe000);
      assert.equal(a2, a1 - PAGE, "the next slot is one page down");
      assert.equal(k.highmem.atomicDepth, 2);
      store8(a2, 1);
      kunmap_atomic(a2);
      kunmap_atomic(a1);
      assert.equal(k.highmem.atomicDepth, 0);
      const l1 = kmap_local_page(p1), l2 = kmap_local_page(p2);
      assert.deepEqual([l1, l2], [a1, a2]);
      assert.equal(k.highmem.atomicDepth, 0, "kmap_local_page() does not disable preemption");
      kunmap_local(l2);
      kunmap_local(l1);
      assert.deepEqual(k.findings, []);
    });

    it("reports kunmap_atomic() out of order (PG005)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const [p1, p2] = [alloc_page(GFP_HIGHUSER)!, alloc_page(GFP_HIGHUSER)!];
      const a1 = kmap_atomic(p1);
      const a2 = kmap_atomic(p2);
      kunmap_atomic(a1); const line = lineHere();
      const f = only(k, "PG005");
      assert.equal(f.message, `kmap_atomic/kmap_local misuse: kunmap_atomic() out of order: released while ${hex8(a2)}, mapped after it, is still held [address=${hex8(a1)}]`);
      assert.equal(f.report[0], "WARNING: CPU: 0 PID: 1 at mm/highmem.c: kunmap_local_indexed");
      assert.equal(f.location?.line, line);
      assertLocatedHere(k);
    });

    it("reports kunmap_local() out of order (PG005)", () => {
      const k = boot();
      const l1 = kmap_local_page(alloc_page(GFP_KERNEL)!);
      const l2 = kmap_local_page(alloc_page(GFP_KERNEL)!);
      kunmap_local(l1);
      const f = only(k, "PG005");
      assert.equal(f.message, `kmap_atomic/kmap_local misuse: kunmap_local() out of order: released while ${hex16(l2)}, mapped after it, is still held [address=${hex16(l1)}]`);
      // As kunmap_local_indexed() does, the newest slot was torn down, not the one named.
      assert.deepEqual(k.inspect.kmapSlots().local[0].slots.map((s) => s.addr), [l1]);
      kunmap_local(l1);
      assert.equal(k.findings.length, 1);
      assert.deepEqual(k.inspect.kmapSlots().local[0].slots, []);
    });

    it("one report for nested kmaps released in the wrong order: the second kunmap_local() balances the stack", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const from = kmap_local_page(alloc_page(GFP_HIGHUSER)!);
      const to = kmap_local_page(alloc_page(GFP_HIGHUSER)!);
      kunmap_local(from);
      kunmap_local(to); // what the driver wrote next: Linux's WARN_ON_ONCE stays quiet and pops the last slot
      assert.deepEqual(k.findings.map((f) => f.rule), ["PG005"]);
      assert.deepEqual(k.inspect.kmapSlots().local[0].slots, []);
      kunmap_local(to);
      assert.deepEqual(k.findings.map((f) => f.message.includes("not a live kmap_local mapping")), [false, true], "a third unmap is a bug of its own");
    });

    it("reports kunmap_atomic(page) instead of the address (PG004)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const pg = alloc_page(GFP_HIGHUSER)!;
      const a = kmap_atomic(pg);
      kunmap_atomic(pg as unknown as number); const line = lineHere();
      const f = only(k, "PG004");
      assert.equal(f.message, `passing the wrong variable to kunmap_atomic: got struct page (pfn:0x${pg.pfn.toString(16)}), expected the address kmap_atomic() returned`);
      assert.equal(f.location?.line, line);
      kunmap_atomic(a);
      assert.equal(k.findings.length, 1);
    });

    it("reports kmalloc(GFP_KERNEL) under kmap_atomic(): sleeping function called from invalid context (PG005)", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const a = kmap_atomic(alloc_page(GFP_HIGHUSER)!);
      kmalloc(64, GFP_KERNEL); const line = lineHere();
      const f = only(k, "PG005");
      assert.equal(f.message, `kmap_atomic/kmap_local misuse: kmalloc() may sleep, called while a kmap_atomic() mapping is held [address=${hex8(a)}]`);
      assert.deepEqual(f.report.slice(0, 3), [
        "BUG: sleeping function called from invalid context at kmalloc",
        "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: insmod",
        "preempt_count: 1, expected: 0",
      ]);
      assert.equal(f.location?.line, line);
      assert.ok(k.dmesg().includes("] BUG: sleeping function called from invalid context at kmalloc\n"));
      vmalloc(PAGE);
      assert.deepEqual(k.findings.map((x) => x.rule), ["PG005", "PG005"]);
      assert.match(k.findings[1].report[0], /^BUG: sleeping function called from invalid context at vmalloc$/);
      kunmap_atomic(a);
      assertLocatedHere(k);
    });

    it("silent twin: GFP_ATOMIC under kmap_atomic(), GFP_KERNEL under kmap_local_page() or after kunmap_atomic()", () => {
      const k = boot({ arch: "i386", mem: "1G" });
      const pg = alloc_page(GFP_HIGHUSER)!;
      const a = kmap_atomic(pg);
      kmalloc(64, GFP_ATOMIC);
      kunmap_atomic(a);
      kmalloc(64, GFP_KERNEL);
      const l = kmap_local_page(pg);
      kmalloc(64, GFP_KERNEL);
      kunmap_local(l);
      assert.deepEqual(k.findings, []);
    });
  });
});

describe("I/O memory", () => {
  interface Access { op: "r" | "w"; off: number; width: IoWidth; value?: number | bigint }

  function device(k: Kernel, size = PAGE) {
    const log: Access[] = [];
    const region = k.io.addRegion("mydev-bar0", size, {
      handlers: {
        read(off, width) {
          log.push({ op: "r", off, width });
          if (off === 0x00) return 0xa5a5a5a5 & (2 ** (8 * Math.min(width, 4)) - 1); // ID register
          return undefined; // plain RAM-like bytes elsewhere
        },
        write(off, width, value) {
          log.push({ op: "w", off, width, value });
          return off === 0x04; // a doorbell that swallows writes
        },
      },
    });
    return { region, log };
  }

  it("readb/w/l/q and writeb/w/l/q reach the device's handlers with the width and the offset", () => {
    const k = boot();
    const { region, log } = device(k);
    assert.equal(region.start, 0xe0000000, "placed at the start of the MMIO window");
    const regs = ioremap(region.start, PAGE);
    assert.ok(is_vmalloc_addr(regs));
    assert.equal(readl(regs), 0xa5a5a5a5);
    assert.equal(readw(regs), 0xa5a5);
    assert.equal(readb(regs), 0xa5);
    writel(0x12345678, regs + 0x10);
    writew(0xbeef, regs + 0x14);
    writeb(0x7f, regs + 0x16);
    writeq(0x1122334455667788n, regs + 0x18);
    writel(0xffffffff, regs + 0x04);
    assert.equal(readl(regs + 0x10), 0x12345678);
    assert.equal(readw(regs + 0x14), 0xbeef);
    assert.equal(readb(regs + 0x16), 0x7f);
    assert.equal(readq(regs + 0x18), 0x1122334455667788n);
    assert.equal(readl(regs + 0x04), 0, "the doorbell did not store");
    assert.deepEqual(log, [
      { op: "r", off: 0, width: 4 }, { op: "r", off: 0, width: 2 }, { op: "r", off: 0, width: 1 },
      { op: "w", off: 0x10, width: 4, value: 0x12345678 }, { op: "w", off: 0x14, width: 2, value: 0xbeef },
      { op: "w", off: 0x16, width: 1, value: 0x7f }, { op: "w", off: 0x18, width: 8, value: 0x1122334455667788n },
      { op: "w", off: 0x04, width: 4, value: 0xffffffff },
      { op: "r", off: 0x10, width: 4 }, { op: "r", off: 0x14, width: 2 }, { op: "r", off: 0x16, width: 1 },
      { op: "r", off: 0x18, width: 8 }, { op: "r", off: 0x04, width: 4 },
    ]);
    // Registers are little-endian bytes of the region.
    assert.deepEqual([...region.bytes.subarray(0x10, 0x14)], [0x78, 0x56, 0x34, 0x12]);
    assert.deepEqual(k.findings, []);
  });

  it("zero-extends what a register handler returns to the access width", () => {
    const k = boot();
    const r = k.io.addRegion("quirky", PAGE, { handlers: { read: (off) => (off === 0 ? -1 : 0x1ff) } });
    const regs = ioremap(r.start, PAGE);
    assert.equal(readl(regs), 0xffffffff);
    assert.equal(readq(regs), 0xffffffffffffffffn);
    assert.equal(readb(regs + 8), 0xff);
    assert.equal(readw(regs + 8), 0x1ff);
    assert.deepEqual(k.findings, []);
  });

  it("memcpy_fromio/memcpy_toio/memset_io work on the backing bytes", () => {
    const k = boot();
    const { region } = device(k);
    const regs = ioremap(region.start, PAGE);
    region.bytes.set([1, 2, 3, 4, 5, 6, 7, 8], 0x100);
    const buf = kzalloc(16, GFP_KERNEL);
    memcpy_fromio(buf, regs + 0x100, 8);
    assert.deepEqual([...load_bytes(buf, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
    store_bytes(buf, [9, 9, 8, 8, 7, 7]);
    memcpy_toio(regs + 0x200, buf, 6);
    assert.deepEqual([...region.bytes.subarray(0x200, 0x206)], [9, 9, 8, 8, 7, 7]);
    memset_io(regs + 0x300, 0x5a, 32);
    assert.ok(region.bytes.subarray(0x300, 0x320).every((b) => b === 0x5a));
    assert.equal(region.bytes[0x320], 0);
    assert.deepEqual(k.findings, []);
  });

  it("ioremap() of an unaligned range returns the offset into the mapped page", () => {
    const k = boot();
    const { region, log } = device(k);
    const regs = ioremap(region.start + 0x10, 0x20);
    assert.equal(((regs % PAGE) + PAGE) % PAGE, 0x10);
    writel(7, regs);
    assert.deepEqual(log.at(-1), { op: "w", off: 0x10, width: 4, value: 7 });
    iounmap(regs);
    assert.deepEqual(k.findings, []);
  });

  it("reads as all ones past a small device in its mapped page, and drops writes there", () => {
    const k = boot();
    const r = k.io.addRegion("tiny", 0x100);
    const regs = ioremap(r.start, 0x100);
    assert.equal(readl(regs + 0x800), 0xffffffff);
    assert.equal(readq(regs + 0x800), 0xffffffffffffffffn);
    writel(1, regs + 0x800);
    writel(0x01020304, regs + 0xfc);
    assert.equal(readl(regs + 0xfc), 0x01020304);
    assert.deepEqual(k.findings, []);
  });

  it("iounmap() removes the mapping: a later readl() oopses", () => {
    const k = boot();
    const { region } = device(k);
    const regs = ioremap(region.start, PAGE);
    iounmap(regs);
    assert.equal(k.vmalloc.list().length, 0);
    assert.throws(() => readl(regs), (e: unknown) => e instanceof KernelOops && e.headline === `BUG: unable to handle page fault for address: ${hex16(regs)}`);
    only(k, "MEM005");
  });

  it("refuses ioremap() of RAM with the 'ioremap on RAM' WARN", () => {
    const k = boot();
    const n = k.log.records().length;
    assert.equal(ioremap(0x100000, PAGE), 0); const line = lineHere();
    const log = newLog(k, n);
    assert.equal(log[0], "------------[ cut here ]------------");
    assert.equal(log[1], "ioremap on RAM at 0x0000000000100000 - 0x0000000000100fff");
    assert.match(log[2], new RegExp(`^WARNING: CPU: 0 PID: 1 at \\S.* \\(${escapeRe(REL)}:${line}\\)$`));
    assert.deepEqual(k.findings, []);
    const k32 = boot({ arch: "i386", mem: "256M" });
    const m = k32.log.records().length;
    assert.equal(ioremap(0x100000, PAGE), 0);
    assert.equal(newLog(k32, m)[1], "ioremap on RAM at 0x00100000 - 0x00100fff");
  });

  it("reports readl() on a kmalloc() address (MEM006) and still reads the memory", () => {
    const k = boot();
    const p = kmalloc(16, GFP_KERNEL);
    store32(p, 0x01020304);
    const v = readl(p); const line = lineHere();
    assert.equal(v, 0x01020304);
    const f = only(k, "MEM006");
    assert.equal(f.message, `address space mismatch at ${hex16(p)}: readl() on RAM, not an ioremap()ed address`);
    assert.equal(f.report[0], `sparse: warning: incorrect type in argument (different address spaces): readl() on ${hex16(p)}, which is RAM, not an ioremap()ed address`);
    assert.equal(f.location?.line, line);
    assertLocatedHere(k);
  });

  it("reports memset() on an ioremap()ed address (MEM006); memset_io() is the right call", () => {
    const k = boot();
    const { region } = device(k);
    const regs = ioremap(region.start, PAGE);
    memset(regs + 0x40, 0, 16); const line = lineHere();
    const f = only(k, "MEM006");
    assert.equal(f.message, `address space mismatch at ${hex16(regs + 0x40)}: memset() on an __iomem address from ioremap(); use readl()/writel() or memcpy_fromio()/memcpy_toio()`);
    assert.equal(f.location?.line, line);
    memset_io(regs + 0x40, 0, 16);
    readl(regs + 0x40);
    assert.equal(k.findings.length, 1);
  });

  it("/proc/iomem lists System RAM, the kernel image inside it, and the device", () => {
    const k = boot();
    k.io.addRegion("mydev-bar0", 0x2000);
    const lines = k.inspect.iomem().split("\n");
    for (const want of [
      "00000000-0009fbff : System RAM",
      "00100000-0fffffff : System RAM",
      "  00100000-002fffff : Kernel code",
      "  00300000-0037ffff : Kernel rodata",
      "  00380000-003bffff : Kernel data",
      "  003c0000-003fffff : Kernel bss",
      "e0000000-e0001fff : mydev-bar0",
    ]) assert.ok(lines.includes(want), `/proc/iomem has "${want}":\n${lines.join("\n")}`);
    assert.ok(lines.indexOf("  00100000-002fffff : Kernel code") === lines.indexOf("00100000-0fffffff : System RAM") + 1);
    assert.ok(lines.indexOf("e0000000-e0001fff : mydev-bar0") > lines.indexOf("00100000-0fffffff : System RAM"));
  });

  it("/proc/iomem keeps r_show()'s 8-digit minimum width with RAM above 4 GiB", () => {
    const k = boot({ mem: "8G" });
    const lines = k.inspect.iomem().split("\n");
    assert.equal(lines[0], "00000000-0009fbff : System RAM");
    assert.ok(lines.includes("100000000-23fffffff : System RAM"), lines.join("\n"));
  });
});

describe("string.h", () => {
  it("strcpy/strlen/strnlen/strcmp on kernel memory", () => {
    const k = boot();
    const a = kmalloc(32, GFP_KERNEL), b = kmalloc(32, GFP_KERNEL);
    assert.equal(strcpy(a, "hello"), a);
    assert.equal(strlen(a), 5);
    assert.equal(strnlen(a, 3), 3);
    assert.equal(load_string(a), "hello");
    strcpy(b, a);
    assert.equal(load_string(b), "hello");
    assert.equal(strcmp(a, b), 0);
    strcpy(b, "help");
    assert.equal(strcmp(a, b), -1);
    assert.equal(strcmp(b, a), 1);
    assert.deepEqual(k.findings, []);
  });

  it("strscpy() copies, terminates, and returns -E2BIG (-7) when it truncates", () => {
    const k = boot();
    const d = kmalloc(8, GFP_KERNEL);
    memset(d, 0x55, 8);
    assert.equal(strscpy(d, "abc", 8), 3);
    assert.equal(load_string(d), "abc");
    assert.equal(strscpy(d, "truncated!", 8), -7);
    assert.deepEqual([...load_bytes(d, 8)], [...Buffer.from("truncat"), 0]);
    assert.equal(strscpy(d, "1234567", 8), 7, "exactly fits with its NUL");
    assert.equal(strscpy(d, "x", 0), -7);
    assert.deepEqual(k.findings, []);
  });

  it("strscpy() reads no more than size bytes of an unterminated source", () => {
    const k = boot();
    const src = kmalloc(16, GFP_KERNEL), dst = kmalloc(16, GFP_KERNEL);
    memset(src, 0x41, 16); // no terminator
    assert.equal(strscpy(dst, src, 16), -7);
    assert.equal(load_string(dst), "A".repeat(15));
    assert.equal(k.findings.length, 0, "no out-of-bounds read of src");
    // strlen() of the same buffer does run off its end.
    strlen(src);
    assert.equal(k.findings[0]?.rule, "MEM001");
  });

  it("memcmp() compares bytes as unsigned; memmove() handles overlap both ways", () => {
    const k = boot();
    const a = kmalloc(16, GFP_KERNEL), b = kmalloc(16, GFP_KERNEL);
    store_bytes(a, [1, 2, 3, 0x80]);
    store_bytes(b, [1, 2, 3, 0x01]);
    assert.equal(memcmp(a, b, 3), 0);
    assert.ok(memcmp(a, b, 4) > 0, "0x80 > 0x01 as unsigned char");
    assert.ok(memcmp(b, a, 4) < 0);

    const buf = kmalloc(16, GFP_KERNEL);
    store_bytes(buf, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(memmove(buf + 2, buf, 6), buf + 2); // forward overlap
    assert.deepEqual([...load_bytes(buf, 10)], [0, 1, 0, 1, 2, 3, 4, 5, 8, 9]);
    store_bytes(buf, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    memmove(buf, buf + 3, 6); // backward overlap
    assert.deepEqual([...load_bytes(buf, 10)], [3, 4, 5, 6, 7, 8, 6, 7, 8, 9]);
    assert.equal(memcpy(b, a, 4), b);
    assert.equal(memcmp(a, b, 4), 0);
    assert.deepEqual(k.findings, []);
  });
});

describe("printk.h", () => {
  it("snprintf() formats into kernel memory, truncates with a NUL, and returns the full length", () => {
    const k = boot();
    const buf = kmalloc(16, GFP_KERNEL);
    assert.equal(snprintf(buf, 16, "val=%d %s", 42, "hello world"), 18);
    assert.equal(load_string(buf), "val=42 hello wo");
    assert.equal(load8(buf + 15), 0);
    assert.equal(scnprintf(buf, 16, "val=%d %s", 42, "hello world"), 15);
    assert.equal(snprintf(buf, 16, "%5d|%-4x|", 7, 255), 11);
    assert.equal(load_string(buf), "    7|ff  |");
    const p = kmalloc(8, GFP_KERNEL);
    snprintf(buf, 16, "%px", p);
    assert.equal(load_string(buf), hex16(p).slice(0, 15));
    // size 0 writes nothing (the ZERO_SIZE_PTR would oops otherwise).
    assert.equal(snprintf(kmalloc(0, GFP_KERNEL), 0, "abc"), 3);
    assert.deepEqual(k.findings, []);
  });

  it("snprintf() past the end of its buffer is an out-of-bounds write", () => {
    const k = boot();
    const buf = kmalloc(8, GFP_KERNEL);
    snprintf(buf, 16, "%s", "0123456789");
    assert.equal(only(k, "MEM001").report[2], `Write of size 11 at addr ${hex16(buf)} by task insmod/1`);
  });

  it("printk levels go to dmesg with their log level", () => {
    const k = boot();
    const n = k.log.records().length;
    pr_err("mydev: error %d\n", -5);
    pr_warn("mydev: warn\n");
    pr_info("mydev: info %s\n", "x");
    pr_debug("mydev: debug\n");
    printk(KERN_WARNING + "mydev: via printk\n");
    printk("mydev: no level\n");
    printk(KERN_INFO + "mydev: part one,");
    pr_cont(" part two\n");
    const recs = k.log.records().slice(n).map((r) => [r.level, r.text]);
    assert.deepEqual(recs, [
      [3, "mydev: error -5"], [4, "mydev: warn"], [6, "mydev: info x"], [7, "mydev: debug"],
      [4, "mydev: via printk"], [4, "mydev: no level"], [6, "mydev: part one, part two"],
    ]);
    assert.match(k.dmesg({ decode: true }), /\nkern  :err   : \[ *\d+\.\d{6}\] mydev: error -5\n/);
    assert.match(k.dmesg(), /\n\[ *\d+\.\d{6}\] mydev: info x\n/);
  });
});

describe("err.h", () => {
  it("ERR_PTR/IS_ERR/PTR_ERR on x86_64: the top 4095 values of the address space", () => {
    boot();
    const e = ERR_PTR(-12);
    assert.equal(BigInt.asUintN(64, BigInt(e)), 0xfffffffffffffff4n);
    assert.ok(IS_ERR(e));
    assert.equal(PTR_ERR(e), -12);
    assert.equal(PTR_ERR_OR_ZERO(e), -12);
    assert.ok(IS_ERR(ERR_PTR(-MAX_ERRNO)));
    assert.ok(!IS_ERR(ERR_PTR(-MAX_ERRNO - 1)));
    const p = kmalloc(8, GFP_KERNEL);
    assert.ok(!IS_ERR(p));
    assert.equal(PTR_ERR_OR_ZERO(p), 0);
    assert.ok(!IS_ERR(0));
    assert.ok(IS_ERR_OR_NULL(0));
    assert.ok(IS_ERR_OR_NULL(e));
    assert.ok(!IS_ERR_OR_NULL(p));
    assert.ok(IS_ERR_VALUE(-1));
  });

  it("ERR_PTR/IS_ERR/PTR_ERR on i386: pointers wrap to the top of 4 GiB", () => {
    boot({ arch: "i386", mem: "256M" });
    const e = ERR_PTR(-12);
    assert.equal(e, 0xfffffff4);
    assert.ok(IS_ERR(e));
    assert.equal(PTR_ERR(e), -12);
    assert.ok(IS_ERR(0xfffff001), "(unsigned long)-MAX_ERRNO is the lowest error value");
    assert.ok(!IS_ERR(0xfffff000));
    assert.ok(!IS_ERR(0xffffe000), "a fixmap address is not an error");
    const p = kmalloc(8, GFP_KERNEL);
    assert.ok(p >= 0xc0000000);
    assert.ok(!IS_ERR(p));
    assert.ok(!IS_ERR(0));
    assert.ok(IS_ERR_OR_NULL(0));
    assert.equal(PTR_ERR_OR_ZERO(p), 0);
  });
});

describe("bug.h", () => {
  it("WARN_ON() logs a cut-here block with the caller and returns the condition", () => {
    const k = boot();
    let n = k.log.records().length;
    assert.equal(WARN_ON(0), false);
    assert.deepEqual(newLog(k, n), []);
    n = k.log.records().length;
    assert.equal(WARN_ON(1), true); const line = lineHere();
    const log = newLog(k, n);
    assert.equal(log[0], "------------[ cut here ]------------");
    assert.ok(log.some((l) => new RegExp(`^WARNING: CPU: 0 PID: 1 at \\S.* \\(${escapeRe(REL)}:${line}\\)$`).test(l)));
    assert.equal(log.at(-1), "---[ end trace 0000000000000000 ]---");
    n = k.log.records().length;
    assert.equal(WARN(true, "mydev: bad state %d\n", 3), true);
    assert.equal(newLog(k, n)[1], "mydev: bad state 3");
    assert.equal(WARN(false, "never"), false);
    assert.deepEqual(k.findings, []);
  });

  it("BUG_ON() throws a KernelOops naming the line; BUG_ON(false) does nothing", () => {
    const k = boot();
    BUG_ON(false);
    BUG_ON(0);
    let line = 0;
    assert.throws(() => { line = lineHere(); BUG_ON(1 + 1 === 2); }, (e: unknown) => {
      assert.ok(e instanceof KernelOops);
      assert.match(e.headline, new RegExp(`^kernel BUG at \\S.* \\(${escapeRe(REL)}:${line}\\)!$`));
      assert.equal(e.location?.file, SELF);
      assert.equal(e.location?.line, line);
      return true;
    });
    assert.ok(k.dmesg().includes("] kernel BUG at "));
    // The kernel goes on after the oops.
    assert.notEqual(kmalloc(8, GFP_KERNEL), 0);
  });
});
