// KASAN as a driver meets it: one test per report class, each asserting the
// rule, the message and the key lines of the report (mm/kasan/report.c), and
// a silent twin that does the same thing correctly and gets no report.

import assert from "node:assert/strict";
import * as path from "node:path";

import { KernelOops, type Finding, type Kernel } from "../src";
import { load32, load8, load_bytes, store32, store8 } from "../src/api/faultline/ptr";
import { GFP_KERNEL, __get_free_pages, free_pages } from "../src/api/linux/gfp";
import { kfree, kmalloc, kzalloc } from "../src/api/linux/slab";
import { memcpy, memset } from "../src/api/linux/string";
import { vfree, vmalloc } from "../src/api/linux/vmalloc";
import { boot, callerFile, escapeRe, hex16, hex8, lineHere, only } from "./helpers";

const RULE = "==================================================================";

const SELF = callerFile();
const REL = path.relative(process.cwd(), SELF);


/** A stack line " fn (sim-core/test/kasan.test.ts:LINE)" of this file. */
function frameLine(line: number): RegExp {
  return new RegExp(`^ \\S.* \\(${escapeRe(REL)}:${line}\\)$`);
}


/** Every finding is pinned to a line of this file, and its stack starts there. */
function assertLocatedHere(k: Kernel, lines?: number[]): void {
  assert.ok(k.findings.length > 0);
  k.findings.forEach((f, i) => {
    assert.equal(f.location?.file, SELF, `${f.rule} is located in the test file`);
    assert.equal(f.stack[0]?.file, SELF);
    if (lines) assert.equal(f.location?.line, lines[i], `${f.rule} is on line ${lines[i]}`);
  });
}

/** The report line right after `header`. */
function after(report: readonly string[], header: string): string {
  const i = report.indexOf(header);
  assert.ok(i >= 0, `report has "${header}":\n${report.join("\n")}`);
  return report[i + 1];
}

/**
 * The "Memory state around the buggy address" block: five rows of 16 shadow
 * bytes, 128 bytes apart, the middle one marked ">" and followed by a caret
 * under the shadow byte of the first bad address (meta_pointer_offset()).
 */
function memoryState(report: readonly string[], firstBad: number): { row: string; caret: string } {
  const i = report.indexOf("Memory state around the buggy address:");
  assert.ok(i >= 0, "report has the memory state");
  const block = report.slice(i + 1, i + 7);
  const rowAddr = (BigInt.asUintN(64, BigInt(firstBad)) / 128n) * 128n;
  const rows = [block[0], block[1], block[2], block[4], block[5]];
  rows.forEach((r, n) => {
    const want = (rowAddr + BigInt((n - 2) * 128)).toString(16).padStart(16, "0");
    assert.match(r, new RegExp(`^${n === 2 ? ">" : " "}${want}: ([0-9a-f]{2} ){15}[0-9a-f]{2}$`), `row ${n}`);
  });
  const granule = Number((BigInt.asUintN(64, BigInt(firstBad)) - rowAddr) / 8n);
  // "%*c" with width 3 + 16 + granule * 3 + 1: that many spaces minus one, then the caret.
  assert.equal(block[3], " ".repeat(3 + 16 + granule * 3) + "^");
  return { row: block[2], caret: block[3] };
}

function shadowUnderCaret(ms: { row: string; caret: string }): string {
  const col = ms.caret.indexOf("^");
  return ms.row.slice(col, col + 2);
}

function reportOf(f: Finding): readonly string[] {
  return f.report;
}

describe("KASAN", () => {
  describe("slab-out-of-bounds (MEM001)", () => {
    it("reports a 1-byte write past kmalloc(10) with the object, cache, offset and shadow", () => {
      const k = boot();
      const p = kmalloc(10, GFP_KERNEL); const allocLine = lineHere();
      store8(p + 10, 0x41); const bugLine = lineHere();

      const f = only(k, "MEM001");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.title, "out-of-bounds access");
      assert.equal(f.message, `slab-out-of-bounds write of size 1 at ${hex16(p + 10)}, 0 bytes to the right of object ${hex16(p)} of cache kmalloc-16`);
      const r = reportOf(f);
      assert.equal(r[0], RULE);
      assert.match(r[1], new RegExp(`^BUG: KASAN: slab-out-of-bounds in \\S.* \\(${escapeRe(REL)}:${bugLine}\\)$`));
      assert.equal(r[2], `Write of size 1 at addr ${hex16(p + 10)} by task insmod/1`);
      assert.match(r[2], /^Write of size 1 at addr [0-9a-f]{16} by task insmod\/1$/);
      assert.equal(r[3], "");
      assert.equal(r[4], "CPU: 0 UID: 0 PID: 1 Comm: insmod Not tainted 6.12.0-faultline #1");
      assert.match(after(r, " <TASK>"), frameLine(bugLine));
      assert.match(after(r, "Allocated by task 1:"), frameLine(allocLine));
      assert.ok(!r.includes("Freed by task 1:"));
      assert.equal(after(r, `The buggy address belongs to the object at ${hex16(p)}`), " which belongs to the cache kmalloc-16 of size 16");
      assert.equal(after(r, "The buggy address is located 10 bytes inside of"), ` 16-byte region [${hex16(p)}, ${hex16(p + 16)})`);
      assert.ok(r.includes("The buggy address belongs to the physical page:"));
      const ms = memoryState(r, p + 10);
      // The first object of a fresh slab starts a shadow row: 8 good bytes, then 2, then the redzone.
      assert.equal(BigInt.asUintN(64, BigInt(p)) % 128n, 0n);
      assert.equal(ms.row, `>${hex16(p)}: 00 02 fc fc fc fc fc fc fc fc fc fc fc fc fc fc`);
      assert.equal(ms.caret, " ".repeat(22) + "^");
      assert.equal(shadowUnderCaret(ms), "02");
      assert.equal(r.at(-1), RULE);

      // The same lines are in dmesg, at KERN_ERR.
      const dmesg = k.dmesg();
      assert.ok(dmesg.includes(`] Write of size 1 at addr ${hex16(p + 10)} by task insmod/1\n`));
      const rec = k.log.records().find((x) => x.text.startsWith("BUG: KASAN: slab-out-of-bounds in "));
      assert.equal(rec?.level, 3);
    });

    it("silent twin: writing the last requested byte of kmalloc(10)", () => {
      const k = boot();
      const p = kmalloc(10, GFP_KERNEL);
      store8(p + 9, 0x41);
      store8(p, 1);
      assert.equal(load8(p + 9), 0x41);
      kfree(p);
      assert.deepEqual(k.findings, []);
    });

    it("reports a read before the object (to the left) as an access to the neighbour's redzone", () => {
      const k = boot();
      kmalloc(16, GFP_KERNEL);
      const p = kmalloc(16, GFP_KERNEL);
      load8(p - 1); const bugLine = lineHere();
      const f = only(k, "MEM001");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.report[2], `Read of size 1 at addr ${hex16(p - 1)} by task insmod/1`);
      assert.equal(shadowUnderCaret(memoryState(f.report, p - 1)), "fc");
    });

    it("reports a memset() across the end of an object once, at its first bad byte", () => {
      const k = boot();
      const p = kmalloc(20, GFP_KERNEL);
      memset(p, 0, 40); const bugLine = lineHere();
      const f = only(k, "MEM001");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.message, `slab-out-of-bounds write of size 40 at ${hex16(p)}, 0 bytes to the right of object ${hex16(p)} of cache kmalloc-32`);
      assert.equal(f.report[2], `Write of size 40 at addr ${hex16(p)} by task insmod/1`);
      assert.ok(f.report.includes("The buggy address is located 20 bytes inside of"));
      assert.ok(f.report.includes(` 32-byte region [${hex16(p)}, ${hex16(p + 32)})`));
      const ms = memoryState(f.report, p + 20);
      assert.equal(shadowUnderCaret(ms), "04");
      assert.match(ms.row, new RegExp(`^>${hex16(p)}: 00 00 04 fc fc fc `));
    });

    it("silent twin: memset() of exactly the requested size, memcpy() between two objects", () => {
      const k = boot();
      const p = kmalloc(20, GFP_KERNEL), q = kmalloc(20, GFP_KERNEL);
      memset(p, 0x5a, 20);
      memcpy(q, p, 20);
      assert.deepEqual([...load_bytes(q, 20)], new Array(20).fill(0x5a));
      assert.deepEqual(k.findings, []);
    });

    it("reports a memcpy() that reads past its source with the read, not the write", () => {
      const k = boot();
      const src = kmalloc(8, GFP_KERNEL), dst = kmalloc(64, GFP_KERNEL);
      memcpy(dst, src, 12); const bugLine = lineHere();
      const f = only(k, "MEM001");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.report[2], `Read of size 12 at addr ${hex16(src)} by task insmod/1`);
      assert.equal(shadowUnderCaret(memoryState(f.report, src + 8)), "fc");
    });

    it("reports out-of-bounds of a large (page-backed) kmalloc as slab-out-of-bounds in the page redzone", () => {
      const k = boot();
      const p = kmalloc(20000, GFP_KERNEL); const allocLine = lineHere();
      load8(p + 20000); const bugLine = lineHere();
      const f = only(k, "MEM001");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.message, `slab-out-of-bounds read of size 1 at ${hex16(p + 20000)}, 0 bytes to the right of 20000-byte kmalloc region at ${hex16(p)}`);
      assert.match(f.report[1], /^BUG: KASAN: slab-out-of-bounds in /);
      assert.equal(after(f.report, "The buggy address is located 0 bytes to the right of"), ` 20000-byte region [${hex16(p)}, ${hex16(p + 20000)})`);
      assert.match(after(f.report, "Allocated by task 1:"), frameLine(allocLine));
      const ms = memoryState(f.report, p + 20000);
      // 20000 = 0x4e20: the row at +0x4e00 has four good granules, then KASAN_PAGE_REDZONE.
      assert.equal(ms.row, `>${hex16(p + 0x4e00)}: 00 00 00 00 fe fe fe fe fe fe fe fe fe fe fe fe`);
      assert.equal(shadowUnderCaret(ms), "fe");
      // Further into the block's pages it is still the redzone.
      load32(p + 30000); const line2 = lineHere();
      assert.equal(k.findings.length, 2);
      assert.equal(k.findings[1].rule, "MEM001");
      assert.equal(k.findings[1].location?.line, line2);
    });

    it("silent twin: the last byte of a large kmalloc", () => {
      const k = boot();
      const p = kmalloc(20000, GFP_KERNEL);
      store8(p + 19999, 7);
      assert.equal(load8(p + 19999), 7);
      kfree(p);
      assert.deepEqual(k.findings, []);
    });

    it("stays silent with KASAN off", () => {
      const k = boot({ kasan: false });
      const p = kmalloc(10, GFP_KERNEL);
      store8(p + 10, 1);
      kfree(p);
      load8(p);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("slab-use-after-free (MEM002)", () => {
    it("reports a read of a freed object with both the allocation and the free stack", () => {
      const k = boot();
      const p = kmalloc(32, GFP_KERNEL); const allocLine = lineHere();
      kfree(p); const freeLine = lineHere();
      load8(p + 3); const bugLine = lineHere();

      const f = only(k, "MEM002");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.title, "use after free");
      assert.equal(f.message, `use after free of object ${hex16(p)} of cache kmalloc-32 at ${hex16(p + 3)}: read of size 1`);
      const r = f.report;
      assert.equal(r[0], RULE);
      assert.match(r[1], new RegExp(`^BUG: KASAN: slab-use-after-free in \\S.* \\(${escapeRe(REL)}:${bugLine}\\)$`));
      assert.equal(r[2], `Read of size 1 at addr ${hex16(p + 3)} by task insmod/1`);
      assert.match(after(r, "Allocated by task 1:"), frameLine(allocLine));
      assert.match(after(r, "Freed by task 1:"), frameLine(freeLine));
      assert.ok(r.indexOf("Allocated by task 1:") < r.indexOf("Freed by task 1:"));
      assert.equal(after(r, `The buggy address belongs to the object at ${hex16(p)}`), " which belongs to the cache kmalloc-32 of size 32");
      assert.equal(after(r, "The buggy address is located 3 bytes inside of"), ` 32-byte region [${hex16(p)}, ${hex16(p + 32)})`);
      const ms = memoryState(r, p + 3);
      assert.equal(shadowUnderCaret(ms), "fb");
      assert.match(ms.row, new RegExp(`^>${hex16(p)}: fb fb fb fb fc fc `));
      assert.equal(ms.caret, " ".repeat(19) + "^");
    });

    it("still reports after the quarantine let the object go, as long as nobody reused it", () => {
      const k = boot({ quarantineBytes: 0 });
      const p = kmalloc(64, GFP_KERNEL);
      kfree(p);
      store32(p + 4, 1); const bugLine = lineHere();
      const f = only(k, "MEM002");
      assertLocatedHere(k, [bugLine]);
      assert.match(f.report[1], /^BUG: KASAN: slab-use-after-free in /);
      assert.equal(f.report[2], `Write of size 4 at addr ${hex16(p + 4)} by task insmod/1`);
    });

    it("cannot see a stale pointer once the memory is reallocated (the reason for the quarantine)", () => {
      const k = boot({ quarantineBytes: 0 });
      const p = kmalloc(64, GFP_KERNEL);
      kfree(p);
      const q = kmalloc(64, GFP_KERNEL);
      assert.equal(q, p);
      load8(p);
      assert.deepEqual(k.findings, []);
    });

    it("silent twin: use, then free, then no access", () => {
      const k = boot();
      const p = kzalloc(32, GFP_KERNEL);
      store8(p + 31, 1);
      assert.equal(load8(p + 3), 0);
      kfree(p);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("page use-after-free (MEM002)", () => {
    it("reports an access to pages after free_pages() with page_owner's alloc and free stacks", () => {
      const k = boot();
      const a = __get_free_pages(GFP_KERNEL, 1); const allocLine = lineHere();
      store8(a + 4096, 1);
      free_pages(a, 1); const freeLine = lineHere();
      load8(a + 4096); const bugLine = lineHere();

      const f = only(k, "MEM002");
      assertLocatedHere(k, [bugLine]);
      const pfn = (a + 4096 - k.profile.pageOffset) / 4096;
      assert.equal(f.message, `use after free of free page pfn:0x${pfn.toString(16)} at ${hex16(a + 4096)}: read of size 1`);
      assert.match(f.report[1], new RegExp(`^BUG: KASAN: use-after-free in \\S.* \\(${escapeRe(REL)}:${bugLine}\\)$`));
      assert.equal(f.report[2], `Read of size 1 at addr ${hex16(a + 4096)} by task insmod/1`);
      assert.ok(f.report.includes("page dumped because: kasan: bad access detected"));
      assert.match(after(f.report, "page last allocated via order 1 by task 1:"), frameLine(allocLine));
      assert.match(after(f.report, "page last free by task 1:"), frameLine(freeLine));
      const ms = memoryState(f.report, a + 4096);
      assert.equal(ms.row, `>${hex16(a + 4096)}: ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff`);
    });

    it("silent twin: the pages before free_pages()", () => {
      const k = boot();
      const a = __get_free_pages(GFP_KERNEL, 1);
      store8(a + 8191, 1);
      assert.equal(load8(a + 8191), 1);
      free_pages(a, 1);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("vmalloc", () => {
    it("reports vmalloc-out-of-bounds past the requested size, inside the last mapped page (MEM001)", () => {
      const k = boot();
      const v = vmalloc(5000); const allocLine = lineHere();
      load8(v + 5000); const bugLine = lineHere();
      const f = only(k, "MEM001");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.message, `vmalloc-out-of-bounds read of size 1 at ${hex16(v + 5000)}, 0 bytes to the right of 5000-byte vmalloc area at ${hex16(v)}`);
      assert.match(f.report[1], new RegExp(`^BUG: KASAN: vmalloc-out-of-bounds in \\S.* \\(${escapeRe(REL)}:${bugLine}\\)$`));
      assert.equal(f.report[2], `Read of size 1 at addr ${hex16(v + 5000)} by task insmod/1`);
      assert.equal(after(f.report, "The buggy address belongs to the virtual mapping at"), ` [${hex16(v)}, ${hex16(v + 8192)}) created by:`);
      assert.match(f.report[f.report.indexOf("The buggy address belongs to the virtual mapping at") + 2], frameLine(allocLine));
      assert.ok(f.report.includes("The buggy address is located 0 bytes to the right of the 5000-byte allocation"));
      // 5000 = 0x1388: the row at +0x1380 has one good granule, then KASAN_VMALLOC_INVALID.
      const ms = memoryState(f.report, v + 5000);
      assert.equal(ms.row, `>${hex16(v + 0x1380)}: 00 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8`);
      assert.equal(shadowUnderCaret(ms), "f8");
    });

    it("silent twin: every requested byte of a vmalloc area", () => {
      const k = boot();
      const v = vmalloc(5000);
      memset(v, 0x33, 5000);
      assert.equal(load8(v + 4999), 0x33);
      vfree(v);
      assert.deepEqual(k.findings, []);
    });

    it("reports an access to the guard page, then oopses: nothing is mapped there", () => {
      const k = boot();
      const v = vmalloc(4096);
      let bugLine = 0;
      assert.throws(() => { bugLine = lineHere(); store8(v + 4096, 1); }, (e: unknown) => {
        assert.ok(e instanceof KernelOops);
        assert.equal(e.headline, `BUG: unable to handle page fault for address: ${hex16(v + 4096)}`);
        assert.equal(e.rule, "MEM005");
        assert.equal(e.address, v + 4096);
        assert.equal(e.location?.file, SELF);
        assert.equal(e.location?.line, bugLine);
        return true;
      });
      assert.deepEqual(k.findings.map((f) => f.rule), ["MEM001", "MEM005"]);
      assertLocatedHere(k, [bugLine, bugLine]);
      const [kasan, oops] = k.findings;
      assert.match(kasan.report[1], /^BUG: KASAN: vmalloc-out-of-bounds in /);
      assert.ok(kasan.report.includes("The buggy address is located 0 bytes to the right of the 4096-byte allocation, in the unmapped guard page"));
      assert.equal(oops.message, `unable to handle page fault, address: ${hex16(v + 4096)} (write of size 1)`);
      assert.deepEqual(oops.report.slice(0, 4), [
        `BUG: unable to handle page fault for address: ${hex16(v + 4096)}`,
        "#PF: supervisor write access in kernel mode",
        "#PF: error_code(0x0002) - not-present page",
        "Oops: 0002 [#1] PREEMPT SMP KASAN NOPTI",
      ]);
      assert.match(oops.report.find((l) => l.startsWith("RIP: ")) ?? "", new RegExp(`^RIP: 0010:\\S.* \\(${escapeRe(REL)}:${bugLine}\\)$`));
      assert.equal(oops.report.at(-1), "---[ end trace 0000000000000000 ]---");
      assert.ok(k.dmesg().includes(`] BUG: unable to handle page fault for address: ${hex16(v + 4096)}\n`));
    });

    it("reports a use after vfree() (MEM002) and oopses on the unmapped page", () => {
      const k = boot();
      const v = vmalloc(100); const allocLine = lineHere();
      vfree(v); const freeLine = lineHere();
      let bugLine = 0;
      assert.throws(() => { bugLine = lineHere(); load8(v + 10); }, KernelOops);
      assert.deepEqual(k.findings.map((f) => f.rule), ["MEM002", "MEM005"]);
      assertLocatedHere(k, [bugLine, bugLine]);
      const f = k.findings[0];
      assert.equal(f.message, `use after free of 100-byte vmalloc area at ${hex16(v)} (already vfree()d) at ${hex16(v + 10)}: read of size 1`);
      assert.match(f.report[1], /^BUG: KASAN: vmalloc-out-of-bounds in /);
      assert.match(f.report[f.report.indexOf("The buggy address belongs to the virtual mapping at") + 2], frameLine(allocLine));
      assert.match(after(f.report, "The mapping was freed by vfree():"), frameLine(freeLine));
    });
  });

  describe("bad frees", () => {
    it("reports a double kfree() (MEM003 double-free) and leaves the allocator consistent", () => {
      const k = boot();
      const p = kmalloc(64, GFP_KERNEL); const allocLine = lineHere();
      kfree(p); const freeLine = lineHere();
      kfree(p); const bugLine = lineHere();
      const f = only(k, "MEM003");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.title, "double or invalid free");
      assert.equal(f.message, `double free of ${hex16(p)} in kfree(): object ${hex16(p)} of cache kmalloc-64`);
      assert.equal(f.report[0], RULE);
      assert.match(f.report[1], new RegExp(`^BUG: KASAN: double-free in \\S.* \\(${escapeRe(REL)}:${bugLine}\\)$`));
      assert.match(after(f.report, "Allocated by task 1:"), frameLine(allocLine));
      assert.match(after(f.report, "Freed by task 1:"), frameLine(freeLine));
      assert.equal(shadowUnderCaret(memoryState(f.report, p)), "fb");
      assert.equal(f.report.at(-1), RULE);
      assert.equal(k.slab.quarantined, 1, "the object is in the quarantine once, not twice");
    });

    it("reports kfree() of a pointer inside a live object (MEM003 invalid-free); the object stays allocated", () => {
      const k = boot();
      const p = kmalloc(64, GFP_KERNEL);
      kfree(p + 8); const bugLine = lineHere();
      const f = only(k, "MEM003");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.message, `invalid free of ${hex16(p + 8)} in kfree(): object ${hex16(p)} of cache kmalloc-64`);
      assert.match(f.report[1], /^BUG: KASAN: invalid-free in /);
      assert.ok(f.report.includes("The buggy address is located 8 bytes inside of"));
      store8(p + 63, 1);
      kfree(p);
      assert.equal(k.findings.length, 1, "the object was still live and is freed once");
    });

    it("calls kfree() of a pointer inside a freed object an invalid-free, not a double-free", () => {
      const k = boot();
      const p = kmalloc(64, GFP_KERNEL);
      kfree(p);
      kfree(p + 8);
      const f = only(k, "MEM003");
      assert.match(f.report[1], /^BUG: KASAN: invalid-free in /);
      assert.ok(f.message.startsWith(`invalid free of ${hex16(p + 8)} in kfree()`));
    });

    it("reports kfree() of a pointer inside a large kmalloc (MEM003 invalid-free)", () => {
      const k = boot();
      const p = kmalloc(20000, GFP_KERNEL);
      kfree(p + 4096);
      const f = only(k, "MEM003");
      assert.equal(f.message, `invalid free of ${hex16(p + 4096)} in kfree(): not the start of any live allocation`);
      kfree(p);
      assert.equal(k.findings.length, 1);
    });

    it("reports kfree() of vmalloc() memory (MEM004), and the area stays usable", () => {
      const k = boot();
      const v = vmalloc(100);
      kfree(v); const bugLine = lineHere();
      const f = only(k, "MEM004");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.title, "allocator mismatch");
      assert.equal(f.message, `allocator mismatch: kfree() of ${hex16(v)}, which was allocated by vmalloc() (free it with vfree())`);
      assert.ok(f.report.includes(`kfree() of ${hex16(v)}, which was allocated by vmalloc() and must be freed with vfree()`));
      store8(v + 99, 1);
      vfree(v);
      assert.equal(k.findings.length, 1);
    });

    it("reports vfree() of kmalloc() memory (MEM004) with vfree's WARN", () => {
      const k = boot();
      const p = kmalloc(100, GFP_KERNEL);
      vfree(p); const bugLine = lineHere();
      const f = only(k, "MEM004");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.message, `allocator mismatch: vfree() of ${hex16(p)}, which was allocated by kmalloc() (free it with kfree())`);
      assert.equal(f.report[0], "------------[ cut here ]------------");
      assert.equal(f.report[1], `Trying to vfree() nonexistent vm area (${hex16(p)})`);
      assert.equal(f.report.at(-1), "---[ end trace 0000000000000000 ]---");
      kfree(p);
      assert.equal(k.findings.length, 1);
    });

    it("reports a double vfree() as MEM003", () => {
      const k = boot();
      const v = vmalloc(100);
      vfree(v);
      vfree(v);
      const f = only(k, "MEM003");
      assert.equal(f.message, `double free of ${hex16(v)} in vfree(): a vmalloc() area that was already freed`);
    });

    it("silent twin: each allocation freed once with its own allocator", () => {
      const k = boot();
      const p = kmalloc(64, GFP_KERNEL), v = vmalloc(100), l = kmalloc(20000, GFP_KERNEL);
      kfree(p);
      vfree(v);
      kfree(l);
      kfree(0);
      vfree(0);
      assert.deepEqual(k.findings, []);
    });
  });

  describe("NULL pointer dereference (MEM005)", () => {
    it("oopses on load8(0) with x86's headline, and the kernel keeps working afterwards", () => {
      const k = boot();
      let bugLine = 0;
      assert.throws(() => { bugLine = lineHere(); load8(0); }, (e: unknown) => {
        assert.ok(e instanceof KernelOops);
        assert.equal(e.name, "KernelOops");
        assert.equal(e.headline, "BUG: kernel NULL pointer dereference, address: 0000000000000000");
        assert.equal(e.message, e.headline);
        assert.equal(e.rule, "MEM005");
        assert.equal(e.address, 0);
        assert.equal(e.location?.line, bugLine);
        return true;
      });
      const f = only(k, "MEM005");
      assertLocatedHere(k, [bugLine]);
      assert.equal(f.message, "kernel NULL pointer dereference, address: 0000000000000000 (read of size 1)");
      assert.deepEqual(f.report.slice(0, 4), [
        "BUG: kernel NULL pointer dereference, address: 0000000000000000",
        "#PF: supervisor read access in kernel mode",
        "#PF: error_code(0x0000) - not-present page",
        "Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI",
      ]);
      assert.ok(k.dmesg().includes("] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"));
      const rec = k.log.records().find((x) => x.text.startsWith("BUG: kernel NULL pointer dereference"));
      assert.equal(rec?.level, 1, "the oops is logged at KERN_ALERT");

      // The kernel survives the oops: later allocations and accesses work.
      const p = kmalloc(128, GFP_KERNEL);
      assert.notEqual(p, 0);
      store32(p + 124, 0xcafef00d);
      assert.equal(load32(p + 124), 0xcafef00d);
      const v = vmalloc(3 * 4096);
      assert.notEqual(v, 0);
      memset(v, 1, 3 * 4096);
      vfree(v);
      kfree(p);
      assert.equal(k.findings.length, 1);

      // A second oops is #2.
      assert.throws(() => store32(0x18, 1), KernelOops);
      assert.equal(k.findings[1].report[3], "Oops: 0002 [#2] PREEMPT SMP KASAN NOPTI");
      assert.equal(k.findings[1].report[0], "BUG: kernel NULL pointer dereference, address: 0000000000000018");
    });

    it("dereferencing ZERO_SIZE_PTR is a NULL-page fault too", () => {
      const k = boot();
      const z = kmalloc(0, GFP_KERNEL);
      assert.throws(() => load8(z), /^KernelOops: BUG: kernel NULL pointer dereference, address: 0000000000000010$/);
      assert.equal(only(k, "MEM005").location?.file, SELF);
    });

    it("prints 32-bit addresses and EIP on i386", () => {
      const k = boot({ arch: "i386", mem: "256M" });
      assert.throws(() => load32(0x10), (e: unknown) => e instanceof KernelOops && e.headline === "BUG: kernel NULL pointer dereference, address: 00000010");
      const f = only(k, "MEM005");
      assert.equal(f.message, "kernel NULL pointer dereference, address: 00000010 (read of size 4)");
      assert.equal(f.report[3], "Oops: 0000 [#1] PREEMPT SMP KASAN");
      assert.ok(f.report.some((l) => l.startsWith("EIP:")));
      assert.equal(hex8(0x10), "00000010");
    });

    it("reports a wild pointer as 'unable to handle page fault'", () => {
      const k = boot();
      const wild = k.profile.vmallocStart + 0x10000000;
      assert.throws(() => load8(wild), (e: unknown) => e instanceof KernelOops && e.headline === `BUG: unable to handle page fault for address: ${hex16(wild)}`);
      assert.equal(only(k, "MEM005").message, `unable to handle page fault, address: ${hex16(wild)} (read of size 1)`);
    });
  });

  describe("kasan_multi_shot", () => {
    function threeBugs(): void {
      const p = kmalloc(10, GFP_KERNEL);
      store8(p + 12, 1);
      kfree(p);
      load8(p);
      kfree(p);
    }

    it("with kasanMultiShot: false, only the first bug is reported", () => {
      const k = boot({ kasanMultiShot: false });
      threeBugs();
      const f = only(k, "MEM001");
      assert.equal(f.location?.file, SELF);
      assert.equal(k.dmesg().split("\n").filter((l) => l.includes("BUG: KASAN:")).length, 1);
    });

    it("by default (multi-shot) every bug is reported", () => {
      const k = boot();
      threeBugs();
      assert.deepEqual(k.findings.map((f) => f.rule), ["MEM001", "MEM002", "MEM003"]);
      assertLocatedHere(k);
    });
  });
});
