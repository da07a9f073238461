// Issue 13, "after a PG001 in a VMA's close, MM004 blames a fault handler that
// did call get_page()", tried with a compound allocation: the fault handler
// takes a reference on the faulted subpage, close() puts every subpage.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { GFP_KERNEL, __GFP_COMP, alloc_pages, __free_pages } from "../src/api/linux/gfp";
import { get_page, nth_page, put_page, type Page, type vm_area_struct, type vm_fault } from "../src/api/linux/mm";
import { type file_operations } from "../src/api/linux/fs";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import { MAP_SHARED, O_RDWR, PROT_READ, spawn } from "../src/api/faultline/user";
import { boot, rulesFired } from "./helpers";

const P = 4096, ORDER = 2;

function run(k: Kernel, closePutsAll: boolean, comp: number): void {
  let head: Page | null = null;
  const vm_ops = {
    fault(vmf: vm_fault): number { const pg = nth_page(head!, vmf.pgoff); get_page(pg); vmf.page = pg; return 0; },
    // The bug: puts a reference on every subpage, though the fault handler took one only for the faulted ones.
    close(_vma: vm_area_struct): void { if (closePutsAll) for (let i = 0; i < 1 << ORDER; i++) put_page(nth_page(head!, i)); },
  };
  const fops: file_operations = { mmap: (_f, vma) => { vma.vm_ops = vm_ops; return 0; } };
  const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "compclose", fops };
  assert.equal(k.modules.load("compclose", () => {
    MODULE_LICENSE("GPL");
    module_init(() => { head = alloc_pages(GFP_KERNEL | comp, ORDER); return head ? misc_register(misc) : -12; });
    module_exit(() => { misc_deregister(misc); __free_pages(head!, ORDER); });
  }), 0);
  const p = spawn("compclose");
  const fd = p.open("/dev/compclose", O_RDWR);
  const a = p.mmap(0, (1 << ORDER) * P, PROT_READ, MAP_SHARED, fd, 0);
  p.peek32(a + P);
  p.munmap(a, (1 << ORDER) * P);
  p.exit(0);
  k.modules.unload("compclose");
}

describe("a put_page() too many in close(), on a higher-order allocation", () => {
  it("compound (__GFP_COMP): one PG001 where the count goes below zero, in close(); not one per subpage, no MM004 on the fault handler, no double free at exit", () => {
    const k = boot();
    run(k, true, __GFP_COMP);
    assert.deepEqual(rulesFired(k), ["PG001"]);
    assert.equal(k.findings[0].location?.fn, "close");
    assert.match(k.findings[0].message, /put_page\(\) below zero/);
  });

  it("plain order-2: get_page() on a tail with no references is the bug (Linux's VM_BUG_ON_PAGE), reported once; the block's split and leak that follow are not more findings", () => {
    const k = boot();
    run(k, true, 0);
    assert.deepEqual(rulesFired(k), ["PG001"]);
    assert.equal(k.findings[0].location?.fn, "fault");
    assert.match(k.findings[0].message, /get_page\(\) on a page with no references/);
  });

  it("the correct twin (close() puts nothing it did not get) runs clean", () => {
    const k = boot();
    run(k, false, __GFP_COMP);
    assert.deepEqual(rulesFired(k), []);
  });
});
