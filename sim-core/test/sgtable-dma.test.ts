// What ports of real drivers needed (host/test/unseen/vb2_dma_sg, uio_edu):
// dma_map_sgtable() and friends as videobuf2-dma-sg uses them (a table
// mapped once with DMA_ATTR_SKIP_CPU_SYNC, synced per frame with the
// sgtable calls); split_page(), which that allocator builds its buffers
// with; get_page() on a tail page of a non-compound block (UIO's fault
// handler on __get_free_pages() memory) pointing at the allocation; and a
// pfn that JavaScript's signed >> made negative refused by name.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { Device } from "../src/dev/device";
import { load32 } from "../src/api/faultline/ptr";
import { GFP_KERNEL, __GFP_COMP, __GFP_ZERO, __free_page, __free_pages, alloc_pages } from "../src/api/linux/gfp";
import { PHYS_PFN, get_page, nth_page, page_address, page_count, put_page, remap_pfn_range, split_page, type page, type vm_area_struct } from "../src/api/linux/mm";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import { MAP_SHARED, O_RDWR, PROT_READ, spawn } from "../src/api/faultline/user";
import {
  DMA_ATTR_SKIP_CPU_SYNC, DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_sgtable, dma_set_mask_and_coherent,
  dma_sync_sgtable_for_cpu, dma_sync_sgtable_for_device, dma_unmap_sgtable,
} from "../src/api/linux/dma-mapping";
import { for_each_sgtable_dma_sg, for_each_sgtable_sg, sg_alloc_table_from_pages, sg_dma_address, sg_free_table, sg_table } from "../src/api/linux/scatterlist";
import { boot, lineHere, only, rulesFired } from "./helpers";

function setup(): { k: Kernel; dev: Device } {
  const k = boot();
  const dev = new Device({ name: "cap", vendor: 0x1234, device: 0x11e8, coherent: false }, "0000:00:06.0");
  k.dma.attach(dev);
  assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)), 0);
  return { k, dev };
}

function splitPages(order: number): page[] {
  const head = alloc_pages(GFP_KERNEL | __GFP_ZERO, order)!;
  split_page(head, order);
  return Array.from({ length: 1 << order }, (_, i) => nth_page(head, i));
}

describe("split_page()", () => {
  it("gives each page of the block its own reference, so each is freed alone", () => {
    const k = boot();
    const pages = splitPages(2);
    assert.deepEqual(pages.map((p) => page_count(p)), [1, 1, 1, 1]);
    for (const p of pages.reverse()) __free_page(p);
    assert.deepEqual(rulesFired(k), []);
  });

  it("freeing the split block with its old order is an order mismatch (MEM004)", () => {
    const k = boot();
    const pages = splitPages(1);
    __free_pages(pages[0], 1);
    only(k, "MEM004");
  });

  it("a compound page is VM_BUG_ON_PAGE(): warned, left whole", () => {
    const k = boot();
    const head = alloc_pages(GFP_KERNEL | __GFP_COMP, 1)!;
    const before = k.log.records().length;
    split_page(head, 1);
    assert.match(k.log.records().slice(before).map((r) => r.text).join("\n"), /VM_BUG_ON_PAGE/);
    __free_pages(head, 1);
    assert.deepEqual(rulesFired(k).filter((r) => r === "MEM004"), [], "still one order-1 block");
  });
});

describe("dma_map_sgtable()", () => {
  function table(order: number): { t: sg_table; pages: page[] } {
    const pages = splitPages(order), t = new sg_table();
    assert.equal(sg_alloc_table_from_pages(t, pages, pages.length, 0, pages.length * 4096, GFP_KERNEL), 0);
    return { t, pages };
  }
  function release(t: sg_table, pages: page[]): void {
    sg_free_table(t);
    for (const p of pages) __free_page(p);
  }

  it("maps orig_nents entries, stores the DMA segment count in nents and returns 0; an empty table is -EINVAL", () => {
    const { k, dev } = setup();
    const { t, pages } = table(1);
    assert.equal(for_each_sgtable_sg(t).length, 1, "two contiguous pages, one entry");
    assert.equal(dma_map_sgtable(dev, t, DMA_FROM_DEVICE, 0), 0);
    assert.equal(t.nents, 1);
    assert.equal(sg_dma_address(for_each_sgtable_dma_sg(t)[0]), pages[0].pfn * 4096);
    assert.equal(dma_map_sgtable(dev, new sg_table(), DMA_FROM_DEVICE, 0), -22);
    dma_unmap_sgtable(dev, t, DMA_FROM_DEVICE, 0);
    release(t, pages);
    assert.deepEqual(rulesFired(k), []);
  });

  it("the videobuf2 cycle (map with SKIP_CPU_SYNC, sync for the device, sync for the CPU, read) is clean", () => {
    const { k, dev } = setup();
    const { t, pages } = table(1);
    assert.equal(dma_map_sgtable(dev, t, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC), 0);
    dma_sync_sgtable_for_device(dev, t, DMA_FROM_DEVICE);
    k.dma.deviceWrite(k.dma.state(dev), sg_dma_address(t.sgl[0]) + 4096, new Uint8Array([7, 0, 0, 0]));
    dma_sync_sgtable_for_cpu(dev, t, DMA_FROM_DEVICE);
    assert.equal(load32(page_address(pages[1])), 7, "the CPU sees what the device wrote");
    dma_unmap_sgtable(dev, t, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
    release(t, pages);
    assert.deepEqual(rulesFired(k), []);
  });

  it("a read after a sync for the device is DMA001, in the sgtable calls' words, with the sync's line", () => {
    const { k, dev } = setup();
    const { t, pages } = table(1);
    assert.equal(dma_map_sgtable(dev, t, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC), 0);
    dma_sync_sgtable_for_device(dev, t, DMA_FROM_DEVICE);
    load32(page_address(pages[0]));
    const f = only(k, "DMA001");
    assert.match(f.report.join("\n"), /from dma_map_sgtable\(\) or dma_sync_sgtable_for_device\(\) until dma_sync_sgtable_for_cpu\(\)/);
    assert.match(f.fix?.why ?? "", /last dma_sync_sgtable_for_device\(\) at .*sgtable-dma\.test\.ts:\d+/);
  });
});

describe("get_page() on a tail page", () => {
  it("of a non-compound block: PG001, the fix at the allocation; after split_page() it is clean", () => {
    const k = boot();
    const allocLine = lineHere() + 1;
    const head = alloc_pages(GFP_KERNEL, 1)!;
    get_page(nth_page(head, 1));
    const f = only(k, "PG001");
    assert.equal(f.fix?.location?.line, allocLine);
    assert.match(f.fix?.why ?? "", /not compound.*__GFP_COMP/);
    assert.match(f.report.join("\n"), /page 1 of a non-compound order-1 block/);

    const k2 = boot();
    const pages = splitPages(1);
    get_page(pages[1]);
    put_page(pages[1]);
    for (const p of pages) __free_page(p);
    assert.deepEqual(rulesFired(k2), []);
  });
});

describe("a pfn made negative by >>", () => {
  it("remap_pfn_range() refuses it by name, and PHYS_PFN() gives the right one", () => {
    const k = boot();
    const bar = 0xe0000000;
    const seen: string[] = [];
    const misc: miscdevice = {
      minor: MISC_DYNAMIC_MINOR, name: "negpfn",
      fops: {
        mmap: (_f, vma: vm_area_struct) => {
          try { return remap_pfn_range(vma, vma.vm_start, bar >> 12, 4096, vma.vm_page_prot); } catch (e) { seen.push(String(e)); return -22; }
        },
      },
    };
    k.modules.load("negpfn", () => { MODULE_LICENSE("GPL"); module_init(() => misc_register(misc)); module_exit(() => misc_deregister(misc)); });
    const p = spawn("negpfn");
    const fd = p.open("/dev/negpfn", O_RDWR);
    assert.equal(p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0), -1);
    assert.match(seen.join(), /TypeError: remap_pfn_range\(\): argument 3 is an unsigned long, got -131072 .*PHYS_PFN/);
    assert.equal(PHYS_PFN(bar), 0xe0000);
  });
});
