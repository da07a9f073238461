// PG007 for user pages a device filled by DMA: pinned for writing, mapped
// DMA_FROM_DEVICE, written by the device (no CPU store marks them dirty),
// unmapped, then released. One unpin_user_pages() call of several such pages
// is one bug: one finding that lists every page and says the device wrote them.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { Device } from "../src/dev/device";
import { MODULE_LICENSE, module_init } from "../src/api/linux/module";
import { pin_user_pages_fast, unpin_user_pages, unpin_user_pages_dirty_lock, unpin_user_page, set_page_dirty_lock, FOLL_WRITE, type Page } from "../src/api/linux/mm";
import { DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_map_page, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_page } from "../src/api/linux/dma-mapping";
import { spawn } from "../src/api/faultline/user";
import { boot, only, rulesFired } from "./helpers";

const P = 4096;

/** Pins `n` pages of a fresh user buffer, lets a device fill (or only read) each by DMA, then releases them with `release`. */
function dio(k: Kernel, n: number, devWrites: boolean, release: (pages: Array<Page | null>) => void): { pid: number; ubuf: number } {
  const dev = new Device({ name: "dio", vendor: 0x1234, device: 0x77 }, "0000:00:07.0");
  k.dma.attach(dev);
  dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
  const p = spawn("dio-test");
  const ubuf = Math.ceil(p.malloc((n + 1) * P) / P) * P;
  for (let i = 0; i < n; i++) p.poke8(ubuf + i * P, 0);
  k.modules.load("dio", () => { MODULE_LICENSE("GPL"); module_init(() => 0); });
  k.withModule(k.modules.loaded.get("dio")!, () => k.withCurrent(p.task, () => {
    const pages: Array<Page | null> = [];
    assert.equal(pin_user_pages_fast(ubuf, n, devWrites ? FOLL_WRITE : 0, pages), n);
    const dir = devWrites ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
    for (const pg of pages) {
      const dma = dma_map_page(dev, pg!, 0, P, dir);
      assert.equal(dma_mapping_error(dev, dma), 0);
      if (devWrites) dev.dma.write(dma, new Uint8Array([1, 2, 3, 4]));
      else dev.dma.read(dma, 4);
      dma_unmap_page(dev, dma, P, dir);
    }
    release(pages);
  }));
  return { pid: p.pid, ubuf };
}

describe("PG007: user pages filled by the device", () => {
  it("unpin_user_pages() of three device-filled pages: one finding, naming the device and every page", () => {
    const k = boot();
    const { pid, ubuf } = dio(k, 3, true, (pages) => unpin_user_pages(pages, 3));
    const f = only(k, "PG007");
    assert.match(f.message, /3 pages written by the device \(DMA\) were released without set_page_dirty\(\)/);
    assert.equal(f.report.filter((l) => / was written by the device \(DMA\) and released clean by unpin_user_pages\(\)$/.test(l)).length, 3);
    for (let i = 0; i < 3; i++) assert.ok(f.report.some((l) => l.includes(`(user address 0x${(ubuf + i * P).toString(16)})`)), `page ${i} listed`);
    assert.match(f.report.join("\n"), /unpin_user_pages_dirty_lock\(pages, npages, true\)/);
    assert.match(f.report[0]!, new RegExp(`PID: ${pid} `));
  });

  it("correct: unpin_user_pages_dirty_lock(…, true) after the device wrote them", () => {
    const k = boot();
    dio(k, 3, true, (pages) => unpin_user_pages_dirty_lock(pages, 3, true));
    assert.deepEqual(rulesFired(k), []);
  });

  it("correct: pages the device only read (DMA_TO_DEVICE) go back with unpin_user_pages()", () => {
    const k = boot();
    dio(k, 2, false, (pages) => unpin_user_pages(pages, 2));
    assert.deepEqual(rulesFired(k), []);
  });

  it("correct: set_page_dirty_lock() on each, then unpin_user_page()", () => {
    const k = boot();
    dio(k, 2, true, (pages) => { for (const pg of pages) { set_page_dirty_lock(pg!); unpin_user_page(pg!); } });
    assert.deepEqual(rulesFired(k), []);
  });

  it("unpin_user_pages_dirty_lock(…, false) of device-filled pages is the same bug", () => {
    const k = boot();
    dio(k, 2, true, (pages) => unpin_user_pages_dirty_lock(pages, 2, false));
    assert.match(only(k, "PG007").message, /2 pages written by the device \(DMA\) were released/);
  });
});
