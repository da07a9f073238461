// Issue 13's message defects, each a report that said something untrue or
// left out what a student needs: MM005 for a size problem does not blame
// WARN_ON_ONCE(!PAGE_ALIGNED(addr)); PG001's reason agrees with the dump's
// mapcount; DMA003 and DMA021 show the first release in the report itself;
// DMA024 says where the mapping it hit was unmapped.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { KernelOops } from "../src/kernel/report";
import { Device, type DeviceConfig } from "../src/dev/device";
import { GFP_KERNEL, alloc_page, alloc_pages, __free_page, __free_pages } from "../src/api/linux/gfp";
import { kzalloc } from "../src/api/linux/slab";
import { remap_pfn_range, type vm_area_struct } from "../src/api/linux/mm";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { type file_operations } from "../src/api/linux/fs";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import { DMA_BIT_MASK, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_single, ref } from "../src/api/linux/dma-mapping";
import { dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free } from "../src/api/linux/dmapool";
import { MAP_FAILED, MAP_SHARED, O_RDONLY, PROT_READ, spawn } from "../src/api/faultline/user";
import { boot, only } from "./helpers";

const P = 4096;

function device(k: Kernel, cfg: Partial<DeviceConfig> = {}): Device {
  const dev = new Device({ name: "msgdev", vendor: 0x1234, device: 0x11, ...cfg }, "0000:00:04.0");
  k.dma.attach(dev);
  assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
  return dev;
}

/** A misc device whose mmap is `mmap`, loaded as a module; its path. */
function mmapDev(k: Kernel, name: string, mmap: (vma: vm_area_struct) => number): string {
  const fops: file_operations = { mmap: (_f, vma) => mmap(vma) };
  const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name, fops };
  try {
    assert.equal(k.modules.load(name, () => { MODULE_LICENSE("GPL"); module_init(() => misc_register(misc)); module_exit(() => misc_deregister(misc)); }), 0);
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
  }
  return `/dev/${name}`;
}

const logText = (k: Kernel, from: number) => k.log.records().slice(from).map((r) => r.text).join("\n");

describe("issue 13: what the reports say", () => {
  it("MM005 for a size past the VMA blames the range, not WARN_ON_ONCE(!PAGE_ALIGNED(addr))", () => {
    const k = boot();
    const img = k.reserved.get("kernel image")![0];
    const path = mmapDev(k, "toolong", (vma) => remap_pfn_range(vma, vma.vm_start, img, vma.vm_end - vma.vm_start + P, vma.vm_page_prot));
    const p = spawn("rp");
    const from = k.log.records().length;
    assert.equal(p.mmap(0, P, PROT_READ, MAP_SHARED, p.open(path, O_RDONLY), 0), MAP_FAILED);
    const f = only(k, "MM005");
    assert.match(f.report.join("\n"), /returns -EINVAL: range 0x[0-9a-f]+-0x[0-9a-f]+ is not inside the VMA/);
    assert.doesNotMatch(f.report.join("\n"), /PAGE_ALIGNED/);
    assert.doesNotMatch(logText(k, from), /PAGE_ALIGNED/);
  });

  it("PG001's reason agrees with the dump: 'nonzero mapcount' beside mapcount:1, 'nonzero _refcount' beside mapcount:0", () => {
    const k = boot();
    const mapped = alloc_page(GFP_KERNEL)!;
    k.memmap.setMapcount(mapped.pfn, 0);              // one page table maps it (page_mapcount() 1) when it is freed
    __free_page(mapped);
    const pair = alloc_pages(GFP_KERNEL, 1)!;          // not compound: the tail page has its own count
    k.memmap.addRefcount(pair.pfn + 1, 1);            // a reference on the tail nobody put
    __free_pages(pair, 1);
    const [a, b] = k.findings;
    assert.equal(k.findings.length, 2, k.findings.map((f) => `${f.rule} ${f.location?.line} ${f.message}`).join("; "));
    assert.deepEqual([a.rule, b.rule], ["PG001", "PG001"]);
    assert.match(a.report.join("\n"), / refcount:0 mapcount:1 [\s\S]*page dumped because: nonzero mapcount/);
    assert.match(a.message, /\[mapcount=1\]/);
    assert.match(b.report.join("\n"), / refcount:1 mapcount:0 [\s\S]*page dumped because: nonzero _refcount/);
    assert.match(b.message, /\[mapcount=0\]/);
  });

  it("DMA003: the report shows where the mapping was first unmapped", () => {
    const k = boot();
    const dev = device(k);
    const h = dma_map_single(dev, kzalloc(128, GFP_KERNEL), 128, DMA_TO_DEVICE);
    dma_mapping_error(dev, h);
    function first_unmap(): void { dma_unmap_single(dev, h, 128, DMA_TO_DEVICE); }
    function second_unmap(): void { dma_unmap_single(dev, h, 128, DMA_TO_DEVICE); }
    first_unmap();
    second_unmap();
    const r = only(k, "DMA003").report.join("\n");
    assert.match(r, /The mapping was already unmapped at:\n.*first_unmap/);
  });

  it("DMA021: a double dma_pool_free() shows where the block was first freed", () => {
    const k = boot();
    const dev = device(k);
    const pool = dma_pool_create("msgpool", dev, 64, 0, 0)!;
    const h = ref(0);
    const v = dma_pool_alloc(pool, GFP_KERNEL, h);
    function first_free(): void { dma_pool_free(pool, v, h.value); }
    function second_free(): void { dma_pool_free(pool, v, h.value); }
    first_free();
    second_free();
    const r = only(k, "DMA021").report.join("\n");
    assert.match(r, /already free\nThe block was first freed at:\n.*first_free/);
    dma_pool_destroy(pool);
  });

  it("DMA024: the IOMMU fault says which mapping covered the address and where it was unmapped", () => {
    const k = boot();
    const dev = device(k, { route: "iommu" });
    const h = dma_map_single(dev, kzalloc(256, GFP_KERNEL), 256, DMA_TO_DEVICE);
    dma_mapping_error(dev, h);
    function early_unmap(): void { dma_unmap_single(dev, h, 256, DMA_TO_DEVICE); }
    early_unmap();
    dev.dma.read(h + 8, 4);
    const r = only(k, "DMA024").report.join("\n");
    assert.match(r, /that covered it was unmapped at:\n.*early_unmap/);
    assert.match(r, /\[size=256 bytes\]/);
  });
});
