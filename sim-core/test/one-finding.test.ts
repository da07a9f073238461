// One bug, one right finding: cases where the checker used to report a
// consequence as a second bug, miss a bug, print a wrong detail, or behave
// unlike Linux (issue 13's list), each with its correct twin.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { KernelOops } from "../src/kernel/report";
import { Device } from "../src/dev/device";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { GFP_KERNEL, __get_free_pages, free_pages } from "../src/api/linux/gfp";
import { kfree } from "../src/api/linux/slab";
import { vfree, vmalloc } from "../src/api/linux/vmalloc";
import { ioremap, iounmap, readl } from "../src/api/linux/io";
import { load32 } from "../src/api/faultline/ptr";
import {
  SetPageReserved, ClearPageReserved, VM_IO, VM_PFNMAP, pin_user_pages_fast, remap_pfn_range, unpin_user_pages,
  unpin_user_pages_dirty_lock, vmf_insert_pfn, virt_to_page, pgprot_noncached, type Page, type vm_area_struct, type vm_fault,
} from "../src/api/linux/mm";
import { virt_to_phys } from "../src/api/linux/io";
import { pci_enable_device } from "../src/api/linux/pci";
import { type file, type file_operations } from "../src/api/linux/fs";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import { DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_page, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_page } from "../src/api/linux/dma-mapping";
import { MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE, spawn } from "../src/api/faultline/user";
import { boot, rulesFired } from "./helpers";

const P = 4096;

function insmod(k: Kernel, name: string, init: () => number, exit?: () => void): number {
  try {
    return k.modules.load(name, () => {
      MODULE_LICENSE("GPL");
      module_init(init);
      if (exit) module_exit(exit);
    });
  } catch (e) {
    if (e instanceof KernelOops) return -139;
    throw e;
  }
}

function logFrom(k: Kernel, from: number): string {
  return k.log.records().slice(from).map((r) => r.text).join("\n");
}

/** A misc device with this mmap (and fault) as a module; returns its path. */
function mmapDev(k: Kernel, name: string, ops: { mmap: (f: file, vma: vm_area_struct) => number; init?: () => number; exit?: () => void }): string {
  const fops: file_operations = { mmap: ops.mmap };
  const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name, fops };
  assert.equal(insmod(k, name, () => ops.init?.() || misc_register(misc), () => { misc_deregister(misc); ops.exit?.(); }), 0);
  return `/dev/${name}`;
}

describe("one bug, one finding", () => {
  it("kfree() of vmalloc memory is MEM004, and its leak at rmmod is not a second finding", () => {
    const k = boot();
    insmod(k, "vkfree", () => {
      const buf = vmalloc(3 * P);
      kfree(buf);                       // the bug: vfree()
      return 0;
    });
    assert.equal(k.modules.unload("vkfree"), 0);
    assert.deepEqual(rulesFired(k), ["MEM004"]);
  });

  it("the correct twin leaks nothing and reports nothing; a plain vmalloc() leak is still MEM008", () => {
    const k = boot();
    insmod(k, "vok", () => { vfree(vmalloc(3 * P)); vmalloc(P); return 0; });
    k.modules.unload("vok");
    assert.deepEqual(rulesFired(k), ["MEM008"]);
  });

  it("an mmap window starting exactly at the end of the object is MM002, and its pages (someone else's) are no MM001 besides", () => {
    const k = boot();
    let buf = 0;
    const path = mmapDev(k, "atend", {
      init: () => { buf = __get_free_pages(GFP_KERNEL, 1); for (let i = 0; i < 2; i++) SetPageReserved(virt_to_page(buf + i * P)); return 0; },
      // the bug: vm_pgoff is not checked against the 2-page buffer
      mmap: (_f, vma) => remap_pfn_range(vma, vma.vm_start, Math.floor(virt_to_phys(buf) / P) + vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot),
      exit: () => { for (let i = 0; i < 2; i++) ClearPageReserved(virt_to_page(buf + i * P)); free_pages(buf, 1); },
    });
    const p = spawn("atend");
    const fd = p.open(path, O_RDWR);
    assert.ok(p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0) > 0);
    assert.deepEqual(rulesFired(k), []);
    p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 2 * P);
    const mm002 = k.findings.find((f) => f.rule === "MM002");
    assert.ok(mm002, rulesFired(k).join());
    assert.equal(mm002!.message, `mmap not bounds-checked: offset 0x2000 + size 4096 exceeds the 8192-byte order-1 page block at pfn:0x${(Math.floor(virt_to_phys(buf) / P)).toString(16)}`);
    assert.deepEqual(rulesFired(k), ["MM002"], "one bug (the unchecked offset), one finding");
    p.exit(0);
  });

  it("MM002's message names the object's size, not the bytes left from the offset", () => {
    const k = boot();
    let buf = 0;
    const path = mmapDev(k, "inside", {
      init: () => { buf = __get_free_pages(GFP_KERNEL, 2); for (let i = 0; i < 4; i++) SetPageReserved(virt_to_page(buf + i * P)); return 0; },
      mmap: (_f, vma) => remap_pfn_range(vma, vma.vm_start, Math.floor(virt_to_phys(buf) / P) + vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot),
    });
    const p = spawn("inside");
    const fd = p.open(path, O_RDWR);
    p.mmap(0, 3 * P, PROT_READ, MAP_SHARED, fd, 2 * P);
    const f = k.findings.find((x) => x.rule === "MM002");
    assert.match(f!.message, /^mmap not bounds-checked: offset 0x2000 \+ size 12288 exceeds the 16384-byte order-2 page block/);
  });
});

describe("misses now caught", () => {
  it("MM007: a device pfn inserted by vmf_insert_pfn() under a cacheable protection, once per mapping", () => {
    const k = boot({ devices: ["edu"] });
    const bar = k.devices.list[0].dev.bars[0].start;
    const fault = (vmf: vm_fault) => vmf_insert_pfn(vmf.vma, vmf.address, Math.floor(bar / P) + vmf.pgoff);
    const path = mmapDev(k, "pfnmap", { mmap: (_f, vma) => { vma.vm_flags |= VM_IO | VM_PFNMAP; vma.vm_ops = { fault }; return 0; } });
    const p = spawn("pfnmap");
    const fd = p.open(path, O_RDWR);
    const a = p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    p.peek32(a);
    p.peek32(a + P);
    assert.deepEqual(rulesFired(k), ["MM007"]);
  });

  it("MM007 correct twin: pgprot_noncached() in mmap", () => {
    const k = boot({ devices: ["edu"] });
    const bar = k.devices.list[0].dev.bars[0].start;
    const fault = (vmf: vm_fault) => vmf_insert_pfn(vmf.vma, vmf.address, Math.floor(bar / P) + vmf.pgoff);
    const path = mmapDev(k, "pfnok", { mmap: (_f, vma) => { vma.vm_flags |= VM_IO | VM_PFNMAP; vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot); vma.vm_ops = { fault }; return 0; } });
    const p = spawn("pfnok");
    const fd = p.open(path, O_RDWR);
    p.peek32(p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 0));
    assert.deepEqual(rulesFired(k), []);
  });

  for (const dirty of [false, true]) {
    it(`PG007: pinned pages the device filled, released with ${dirty ? "unpin_user_pages_dirty_lock() (clean)" : "unpin_user_pages() (the bug)"}`, () => {
      const k = boot();
      const dev = new Device({ name: "dio", vendor: 0x1234, device: 0x77 }, "0000:00:07.0");
      k.dma.attach(dev);
      dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
      const p = spawn("dio-test");
      const ubuf = p.malloc(2 * P);
      p.poke8(ubuf, 0);
      const pages: Array<Page | null> = [];
      insmod(k, "dio", () => 0);
      k.withModule(k.modules.loaded.get("dio")!, () => k.withCurrent(p.task, () => {
        const n = pin_user_pages_fast(ubuf, 1, 1 /* FOLL_WRITE */, pages);
        assert.equal(n, 1);
        const dma = dma_map_page(dev, pages[0]!, 0, P, DMA_FROM_DEVICE);
        dma_mapping_error(dev, dma);
        dev.dma.write(dma, new Uint8Array([1, 2, 3, 4]));   // the device fills the user's page
        dma_unmap_page(dev, dma, P, DMA_FROM_DEVICE);
        if (dirty) unpin_user_pages_dirty_lock(pages, 1, true);
        else unpin_user_pages(pages, 1);
      }));
      assert.deepEqual(rulesFired(k), dirty ? [] : ["PG007"]);
    });
  }

  it("a pin leaked at rmmod names the user address, the task and its pid", () => {
    const k = boot();
    const p = spawn("pinner");
    const ubuf = p.malloc(P);
    p.poke8(ubuf, 1);
    const from = k.log.records().length;
    insmod(k, "pinleak", () => 0);
    k.withModule(k.modules.loaded.get("pinleak")!, () => k.withCurrent(p.task, () => pin_user_pages_fast(ubuf, 1, 0, [])));
    k.modules.unload("pinleak");
    const f = k.findings.find((x) => x.rule === "PG007");
    assert.ok(f);
    const log = logFrom(k, from);
    assert.match(log, new RegExp(`unreferenced object 0x0*${(Math.floor(ubuf / P) * P).toString(16)} \\(size 4096\\):\\n  comm "pinner", pid ${p.pid},`));
  });
});

describe("Linux's behaviour where it differed", () => {
  it("remap_pfn_range() rounds a partial last page up; only an unaligned address is refused, with the WARN", () => {
    const k = boot();
    let buf = 0;
    const path = mmapDev(k, "round", {
      init: () => { buf = __get_free_pages(GFP_KERNEL, 1); for (let i = 0; i < 2; i++) SetPageReserved(virt_to_page(buf + i * P)); return 0; },
      mmap: (_f, vma) => remap_pfn_range(vma, vma.vm_start + (vma.vm_pgoff ? 16 : 0), Math.floor(virt_to_phys(buf) / P), 2 * P - 100, vma.vm_page_prot),
    });
    const p = spawn("round");
    const fd = p.open(path, O_RDWR);
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert.ok(a > 0);
    p.poke32(a + 2 * P - 4, 7);                       // inside the rounded-up last page
    assert.deepEqual(rulesFired(k), []);
    const from = k.log.records().length;
    assert.equal(p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, P), -1);
    assert.deepEqual(rulesFired(k), ["MM005"]);
    assert.match(logFrom(k, from), /WARN_ON_ONCE\(!PAGE_ALIGNED\(addr\)\)[\s\S]*unaligned address/);
  });

  it("a plain aligned 32-bit load of an ioremap()ed register reads the register (MEM006 once, with the address once)", () => {
    const k = boot({ devices: ["edu"] });
    const pdev = k.devices.list[0];
    assert.equal(pci_enable_device(pdev), 0);
    const regs = ioremap(pdev.dev.bars[0].start, 0x100);
    const viaReadl = readl(regs + 0x00);            // the edu card's identification register
    assert.equal(load32(regs + 0x00), viaReadl);
    assert.notEqual(viaReadl, 0xffffffff);
    const f = k.findings.filter((x) => x.rule === "MEM006");
    assert.equal(f.length, 1);
    assert.equal(f[0].message.split(k.px(regs)).length, 2, `the address appears once: ${f[0].message}`);
    iounmap(regs);
  });
});

describe("a page the mapping still holds", () => {
  it("vm_insert_page(), then the driver's put_page() of its own reference while mapped: the mapping keeps the page, no finding", async () => {
    const { alloc_page, __free_page, vm_insert_page, page_count } = { ...(await import("../src/api/linux/gfp")), ...(await import("../src/api/linux/mm")) };
    const k = boot();
    let page: Page | null = null;
    const path = mmapDev(k, "vip", {
      init: () => { page = alloc_page(GFP_KERNEL); return page ? 0 : -12; },
      mmap: (_f, vma) => vm_insert_page(vma, vma.vm_start, page!),
    });
    const p = spawn("vip");
    const fd = p.open(path, O_RDWR);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    p.poke32(a, 0x1234);
    __free_page(page!);                              // the driver is done with it (put_page() would do the same); the mapping is not
    assert.equal(page_count(page!), 1);
    assert.equal(p.peek32(a), 0x1234);
    p.exit(0);                                       // the mapping's reference goes: now the page is freed
    assert.deepEqual(rulesFired(k), []);
  });
});

describe("DMA018 after an ignored -EIO", () => {
  it("names the failed dma_set_mask_and_coherent(), once", async () => {
    const dm = await import("../src/api/linux/dma-mapping");
    const { kmalloc, kfree } = await import("../src/api/linux/slab");
    const k = boot({ mem: "1G" });
    const dev = new Device({ name: "isa24", vendor: 0x1234, device: 0x15a1, maxMaskBits: 24 }, "0000:00:09.0");
    k.dma.attach(dev);
    assert.equal(dm.dma_set_mask_and_coherent(dev, dm.DMA_BIT_MASK(32)), -5);   // ignored by the driver
    const buf = kmalloc(256, GFP_KERNEL);
    const dma = dm.dma_map_single(dev, buf, 256, dm.DMA_TO_DEVICE);
    if (!dm.dma_mapping_error(dev, dma)) dm.dma_unmap_single(dev, dma, 256, dm.DMA_TO_DEVICE);
    kfree(buf);
    const f = k.findings.filter((x) => x.rule === "DMA018");
    assert.equal(f.length, 1, k.findings.map((x) => x.message).join("; "));
    assert.match(f[0].message, /failed with -EIO/);
    assert.doesNotMatch(f[0].message, /never called/);
  });
});

describe("a put_page() too many in vm_ops->close", () => {
  it("is reported once (PG001 where the page goes bad), not again for each later get, put and free of that page", async () => {
    const { alloc_page, __free_page, get_page, put_page } = { ...(await import("../src/api/linux/gfp")), ...(await import("../src/api/linux/mm")) };
    const k = boot();
    let page: Page | null = null;
    const vm_ops = {
      fault(vmf: vm_fault): number { get_page(page!); vmf.page = page!; return 0; },
      close(_vma: vm_area_struct): void { put_page(page!); },            // the bug: nothing took this reference
    };
    const path = mmapDev(k, "closeput", {
      init: () => { page = alloc_page(GFP_KERNEL); return page ? 0 : -12; },
      mmap: (_f, vma) => { vma.vm_ops = vm_ops; return 0; },
      exit: () => { __free_page(page!); },
    });
    const p = spawn("closeput");
    const fd = p.open(path, O_RDWR);
    for (let i = 0; i < 2; i++) {
      const a = p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 0);
      p.peek32(a);
      p.munmap(a, P);
    }
    p.exit(0);
    k.modules.unload("closeput");
    const rules = rulesFired(k);
    if (process.env.SHOW_FINDINGS) console.log(k.findings.map((f) => `${f.rule} ${f.message}`).join("\n"));
    assert.deepEqual(rules, ["PG001"], "the later put below zero and the driver's own __free_page() are the same bug");
  });
});
