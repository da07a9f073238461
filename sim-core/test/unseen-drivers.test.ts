// Correct drivers in patterns a naive checker flags, written for issue 13
// in styles unlike the samples: each must run without a single finding.
// (The igb half-page ring and partial syncs of a bidirectional ring are in
// dma-ownership.test.ts.)

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { KernelOops } from "../src/kernel/report";
import { Device } from "../src/dev/device";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { GFP_KERNEL, GFP_HIGHUSER, alloc_page, __free_page, __get_free_pages, free_pages } from "../src/api/linux/gfp";
import { kfree, kmalloc } from "../src/api/linux/slab";
import { kmap, kunmap, kmap_atomic, kunmap_atomic, kmap_local_page, kunmap_local } from "../src/api/linux/highmem";
import { load_bytes, load32, store32, store_bytes } from "../src/api/faultline/ptr";
import { memcpy } from "../src/api/linux/string";
import { ClearPageReserved, PageHighMem, SetPageReserved, remap_pfn_range, virt_to_page, vma_pages, type vm_area_struct } from "../src/api/linux/mm";
import { virt_to_phys } from "../src/api/linux/io";
import { EINVAL } from "../src/api/linux/errno";
import type { file, file_operations } from "../src/api/linux/fs";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_alloc_coherent, dma_free_coherent, dma_map_single, dma_mapping_error,
  dma_mmap_coherent, dma_set_mask_and_coherent, dma_unmap_single, ref,
} from "../src/api/linux/dma-mapping";
import { IRQ_HANDLED, free_irq, request_irq } from "../src/api/linux/interrupt";
import { DEFINE_SPINLOCK, spin_lock, spin_lock_irqsave, spin_unlock, spin_unlock_irqrestore } from "../src/api/linux/spinlock";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock } from "../src/api/linux/mutex";
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

function device(k: Kernel, coherent = true): Device {
  const dev = new Device({ name: "unseen", vendor: 0x1af4, device: 0x1000, coherent }, "0000:00:08.0");
  k.dma.attach(dev);
  assert.equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)), 0);
  return dev;
}

describe("unseen-style correct drivers run clean", () => {
  for (const coherent of [true, false]) {
    it(`unmap, then touch: the CPU reads a FROM_DEVICE buffer after dma_unmap_single() (${coherent ? "coherent" : "non-coherent"} device)`, () => {
      const k = boot();
      const dev = device(k, coherent);
      const buf = kmalloc(512, GFP_KERNEL);
      store32(buf, 0xdeadbeef);                        // written before the map: the map writes it back
      const dma = dma_map_single(dev, buf, 512, DMA_FROM_DEVICE);
      assert.equal(dma_mapping_error(dev, dma), 0);
      dev.dma.write(dma, new Uint8Array([0x11, 0x22, 0x33, 0x44]));
      dma_unmap_single(dev, dma, 512, DMA_FROM_DEVICE);   // ownership back to the CPU, caches invalidated
      assert.equal(load32(buf), 0x44332211);
      kfree(buf);
      assert.deepEqual(rulesFired(k), []);
    });
  }

  it("a command buffer reused across transfers: written, mapped TO_DEVICE, unmapped, rewritten", () => {
    const k = boot();
    const dev = device(k, false);
    const cmd = kmalloc(64, GFP_KERNEL);
    for (let i = 0; i < 4; i++) {
      store_bytes(cmd, new Uint8Array(64).fill(i));
      const dma = dma_map_single(dev, cmd, 64, DMA_TO_DEVICE);
      dma_mapping_error(dev, dma);
      assert.equal(dev.dma.read(dma + 63, 1)[0], i);
      dma_unmap_single(dev, dma, 64, DMA_TO_DEVICE);
    }
    kfree(cmd);
    assert.deepEqual(rulesFired(k), []);
  });

  it("nested kmaps on i386 high memory: kmap_local_page() and kmap_atomic() released in reverse order, kmap() beside them", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    const a = alloc_page(GFP_HIGHUSER)!, b = alloc_page(GFP_HIGHUSER)!, c = alloc_page(GFP_HIGHUSER)!;
    assert.ok(PageHighMem(a) && PageHighMem(b));
    const long = kmap(c);                               // a long-lived mapping, sleeping allowed
    const va = kmap_local_page(a);
    const vb = kmap_local_page(b);
    store_bytes(va, new TextEncoder().encode("bounce through high memory"));
    memcpy(vb, va, 26);
    const at = kmap_atomic(a);                          // nested atomic map of a page already mapped locally
    assert.equal(new TextDecoder().decode(load_bytes(at, 6)), "bounce");
    kunmap_atomic(at);
    kunmap_local(vb);
    kunmap_local(va);
    store32(long, 7);
    kunmap(c);
    [a, b, c].forEach((p) => __free_page(p));
    assert.deepEqual(rulesFired(k), []);
  });

  it("pages reserved before remap_pfn_range(), bounds checked, unreserved before the free at rmmod", () => {
    const k = boot();
    const ORDER = 2, SIZE = P << ORDER;
    let buf = 0;
    const mmap = (_f: file, vma: vm_area_struct): number => {
      const off = vma.vm_pgoff * P, len = vma_pages(vma) * P;
      if (off >= SIZE || len > SIZE - off) return -EINVAL;
      return remap_pfn_range(vma, vma.vm_start, Math.floor(virt_to_phys(buf) / P) + vma.vm_pgoff, len, vma.vm_page_prot);
    };
    const fops: file_operations = { mmap };
    const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "resmap", fops };
    assert.equal(insmod(k, "resmap", () => {
      buf = __get_free_pages(GFP_KERNEL, ORDER);
      if (!buf) return -12;
      for (let i = 0; i < SIZE; i += P) SetPageReserved(virt_to_page(buf + i));
      store32(buf + P, 0xabcd);
      return misc_register(misc);
    }, () => {
      misc_deregister(misc);
      for (let i = 0; i < SIZE; i += P) ClearPageReserved(virt_to_page(buf + i));
      free_pages(buf, ORDER);
    }), 0);
    const p = spawn("resmap");
    const fd = p.open("/dev/resmap", O_RDWR);
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, P);
    assert.equal(p.peek32(a), 0xabcd);
    assert.equal(p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 3 * P), -1, "refused by the driver's own check");
    p.exit(0);
    assert.equal(k.modules.unload("resmap"), 0);
    assert.deepEqual(rulesFired(k), []);
  });

  it("a virtio-like ring in coherent memory mapped to user space with dma_mmap_coherent(), freed after the last unmap", () => {
    const k = boot();
    const dev = device(k);
    const h = ref(0);
    let ring = 0;
    const fops: file_operations = { mmap: (_f, vma) => dma_mmap_coherent(dev, vma, ring, h.value, 2 * P) };
    const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "vring", fops };
    insmod(k, "vring", () => {
      ring = dma_alloc_coherent(dev, 2 * P, h, GFP_KERNEL);
      return ring ? misc_register(misc) : -12;
    }, () => { misc_deregister(misc); dma_free_coherent(dev, 2 * P, ring, h.value); });
    const p = spawn("vring-user");
    const fd = p.open("/dev/vring", O_RDWR);
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    p.poke32(a + 16, 0x5a5a);                          // the user posts a descriptor
    assert.deepEqual([...dev.dma.read(h.value + 16, 2)], [0x5a, 0x5a], "the device sees it with no sync");
    dev.dma.write(h.value + P, new Uint8Array([9]));   // the device completes into the used ring
    assert.equal(p.peek8(a + P), 9);
    p.exit(0);
    assert.equal(k.modules.unload("vring"), 0);
    assert.deepEqual(rulesFired(k), []);
  });

  it("a lock shared with the interrupt handler (irqsave in process context) and a mutex around a sleeping path", () => {
    const k = boot();
    const irq = k.irqs.allocate();
    const stats = DEFINE_SPINLOCK("&priv->stats_lock");
    const cfg = DEFINE_MUTEX("&priv->cfg_mutex");
    let events = 0;
    insmod(k, "irqlock", () => {
      request_irq(irq, () => { spin_lock(stats); events++; spin_unlock(stats); return IRQ_HANDLED; }, 0, "irqlock", stats);
      mutex_lock(cfg);
      const scratch = kmalloc(128, GFP_KERNEL);        // sleeping is fine under a mutex
      k.irqs.deliver(irq);
      const flags = spin_lock_irqsave(stats);          // cfg, then stats: the one order used everywhere
      k.irqs.deliver(irq);                            // held pending until the restore
      const seen = events;
      spin_unlock_irqrestore(stats, flags);
      mutex_unlock(cfg);
      kfree(scratch);
      assert.deepEqual([seen, events], [1, 2]);
      free_irq(irq, stats);
      return 0;
    });
    assert.deepEqual(rulesFired(k), []);
  });
});
