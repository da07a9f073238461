// Issue 13, "after a PG001 in a VMA's close, MM004 blames a fault handler that
// did call get_page()": a driver whose fault handler takes the page table's
// reference with get_page(), and whose vm_operations close() frees the
// driver's pages although another mapping (a forked child's) still maps
// them. Linux prints one report, "BUG: Bad page state" in close(); the
// unmap that later drops the child's references is that same bug.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { GFP_KERNEL, alloc_page, __free_page } from "../src/api/linux/gfp";
import { get_page, put_page, type Page, type vm_area_struct, type vm_fault } from "../src/api/linux/mm";
import { type file_operations } from "../src/api/linux/fs";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import { MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE, spawn } from "../src/api/faultline/user";
import { boot, rulesFired } from "./helpers";

const P = 4096, N = 4;

type CloseBug = "free" | "put" | "none";

function run(k: Kernel, bug: CloseBug, opts: { fork: boolean; remapAfter: boolean; second?: boolean }): void {
  const pages: Array<Page | null> = [];
  let users = 0;
  const vm_ops = {
    open(_vma: vm_area_struct): void { users++; },
    fault(vmf: vm_fault): number {
      const pg = pages[vmf.pgoff];
      if (!pg) return 2; // VM_FAULT_SIGBUS
      get_page(pg);                       // the page table's reference: right
      vmf.page = pg;
      return 0;
    },
    close(_vma: vm_area_struct): void {
      users--;
      // The bug: the driver's pages go with a mapping's close, though other mappings still use them.
      if (bug === "free") for (const pg of pages) __free_page(pg!);
      else if (bug === "put") for (const pg of pages) put_page(pg!);
    },
  };
  const fops: file_operations = { mmap: (_f, vma) => { vma.vm_ops = vm_ops; users++; return 0; } };
  const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "closefree", fops };
  assert.equal(k.modules.load("closefree", () => {
    MODULE_LICENSE("GPL");
    module_init(() => {
      for (let i = 0; i < N; i++) { const pg = alloc_page(GFP_KERNEL); if (!pg) return -12; pages.push(pg); }
      return misc_register(misc);
    });
    module_exit(() => { misc_deregister(misc); if (bug === "none") for (const pg of pages) __free_page(pg!); });
  }), 0);
  const p = spawn("closefree");
  const fd = p.open("/dev/closefree", O_RDWR);
  const a = p.mmap(0, N * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  for (let i = 0; i < N; i++) p.poke32(a + i * P, 0x1000 + i);
  const child = opts.fork ? p.fork() : undefined;
  const b2 = opts.second ? p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0) : 0;
  if (b2) p.peek32(b2 + P);
  p.munmap(a, N * P);                    // close() of the parent's VMA: the bug
  if (b2) p.munmap(b2, 2 * P);
  if (child) {
    child.peek32(a);
    child.exit(0);                       // the child's unmap drops the last references
  }
  if (opts.remapAfter) {
    const b = p.mmap(0, N * P, PROT_READ, MAP_SHARED, fd, 0);
    p.peek32(b + P);
    p.munmap(b, N * P);
  }
  p.exit(0);
  k.modules.unload("closefree");
}

describe("a close() that frees pages another mapping still uses: one bug, one finding", () => {
  for (const bug of ["free", "put"] as const) {
    const how = bug === "free" ? "__free_page()s" : "put_page()s";
    for (const remapAfter of [false, true]) {
      it(`close() ${how} the pages a forked child still maps${remapAfter ? ", and a new mapping faults them again" : ""}: one PG001 where the child's fault takes a reference, fixed in close(); no MM004, no double frees after it`, () => {
        const k = boot();
        run(k, bug, { fork: true, remapAfter });
        assert.deepEqual(rulesFired(k), ["PG001"]);
        const f = k.findings[0]!;
        assert.equal(f.location?.fn, "fault");
        assert.match(f.message, /get_page\(\) on a page with no references: it was freed by close\(\)/);
        assert.equal(f.fix?.fn, "close", "the line to change is the free in close()");
        assert.ok(f.report.some((l) => /^page last freed by task \d+:$/.test(l)), "the report shows where the page was freed");
      });
    }

    it(`close() ${how} the pages while a second mapping of the process maps one: one finding, in close()`, () => {
      const k = boot();
      run(k, bug, { fork: false, remapAfter: false, second: true });
      assert.deepEqual(rulesFired(k), [bug === "free" ? "MEM003" : "PG001"]);
      assert.equal(k.findings[0]!.location?.fn, "close");
    });

    it(`close() ${how} the pages and nothing touches them again: no report (Linux prints none either)`, () => {
      const k = boot();
      run(k, bug, { fork: false, remapAfter: false });
      assert.deepEqual(rulesFired(k), []);
    });
  }

  it("the correct driver (close() only counts; exit frees the pages) is clean in every one of these sequences", () => {
    for (const opts of [{ fork: true, remapAfter: true }, { fork: false, remapAfter: true, second: true }]) {
      const k = boot();
      run(k, "none", opts);
      assert.deepEqual(rulesFired(k), []);
    }
  });
});
