// Receive buffers as one scatter/gather table: three pages mapped with a
// single dma_map_sg(), each entry posted as its own RX descriptor. When a
// packet lands in one entry, only that entry is synced back
// (dma_sync_single_for_cpu() on its sg_dma_address()/sg_dma_len()), read,
// handed back with dma_sync_single_for_device() and posted again; the other
// entries stay with the card the whole time.

import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, dma_alloc_coherent, dma_free_coherent, dma_map_sg, dma_set_mask_and_coherent,
  dma_sync_single_for_cpu, dma_sync_single_for_device, dma_unmap_sg, ref,
} from "linux/dma-mapping";
import { EAGAIN, EFAULT, EIO, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL, alloc_page, __free_page } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SIZE, page_address, type page } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { sg_alloc_table, sg_dma_address, sg_dma_len, sg_free_table, sg_page, sg_set_page, sg_table } from "linux/scatterlist";
import { copy_to_user } from "linux/uaccess";
import { load16, store16, store32, store64 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const NENT = 3, NDESC = 4, DSZ = 16;
const R = { CTRL: 0x04, ISR: 0x08, IMR: 0x0c, IACK: 0x10, BAL: 0x40, BAH: 0x44, LEN: 0x48, TAIL: 0x50 };

interface Rx {
  pdev: pci_dev; io: number; sgt: sg_table; mapped: number;
  ring: number; ring_bus: number; head: number; tail: number;
  slotEntry: number[];                   // descriptor → sg entry it points at
  ready: Array<{ entry: number; len: number }>;
}
let rx: Rx | null = null;

function post(r: Rx, entry: number): void {
  const sg = r.sgt.sgl[entry], d = r.ring + r.tail * DSZ;
  store64(d, sg_dma_address(sg));
  store16(d + 8, sg_dma_len(sg));
  store16(d + 10, 0);
  r.slotEntry[r.tail] = entry;
  r.tail = (r.tail + 1) % NDESC;
  writel(r.tail, r.io + R.TAIL);
}

function rx_irq(_n: number, r: Rx): number {
  const s = readl(r.io + R.ISR);
  if (!(s & 1)) return IRQ_NONE;
  writel(s, r.io + R.IACK);
  while (load16(r.ring + r.head * DSZ + 10) & 1) {
    r.ready.push({ entry: r.slotEntry[r.head], len: load16(r.ring + r.head * DSZ + 8) });
    store16(r.ring + r.head * DSZ + 10, 0);
    r.head = (r.head + 1) % NDESC;
  }
  return IRQ_HANDLED;
}

function rx_read(_f: file, ubuf: number, count: number, _p: Ref<number>): number {
  const r = rx!;
  const pkt = r.ready.shift();
  if (!pkt) return -EAGAIN;
  const sg = r.sgt.sgl[pkt.entry], dev = r.pdev.dev;
  const n = Math.min(count, pkt.len);
  const left = copy_to_user(ubuf, page_address(sg_page(sg)!), n); // BUG: copies out before the entry is synced for the CPU: dma_sync_single_for_cpu() belongs above this line
  dma_sync_single_for_cpu(dev, sg_dma_address(sg), sg_dma_len(sg), DMA_FROM_DEVICE);
  dma_sync_single_for_device(dev, sg_dma_address(sg), sg_dma_len(sg), DMA_FROM_DEVICE);
  post(r, pkt.entry);
  return left ? -EFAULT : n;
}

const fops: file_operations = { owner: THIS_MODULE, read: rx_read };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "sgrx", fops };

function release_pages(sgt: sg_table): void {
  for (const sg of sgt.sgl) { const p = sg_page(sg); if (p) __free_page(p); }
  sg_free_table(sgt);
}

function rx_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  pci_set_master(pdev);
  const io = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(64)) ? 0 : pci_iomap(pdev, 0, 0);
  if (!io) { pci_disable_device(pdev); return -ENODEV; }
  const sgt = new sg_table();
  err = sg_alloc_table(sgt, NENT, GFP_KERNEL);
  if (err) { pci_iounmap(pdev, io); pci_disable_device(pdev); return err; }
  for (const sg of sgt.sgl) {
    const p: page | null = alloc_page(GFP_KERNEL);
    if (!p) { release_pages(sgt); pci_iounmap(pdev, io); pci_disable_device(pdev); return -ENOMEM; }
    sg_set_page(sg, p, PAGE_SIZE, 0);
  }
  const mapped = dma_map_sg(pdev.dev, sgt.sgl, NENT, DMA_FROM_DEVICE);
  if (mapped !== NENT) {
    // Without an IOMMU nothing merges; anything else is a failure for this simple ring.
    if (mapped) dma_unmap_sg(pdev.dev, sgt.sgl, NENT, DMA_FROM_DEVICE);
    release_pages(sgt); pci_iounmap(pdev, io); pci_disable_device(pdev);
    return -EIO;
  }
  const rb = ref(0);
  const ring = dma_alloc_coherent(pdev.dev, NDESC * DSZ, rb, GFP_KERNEL);
  if (!ring) {
    dma_unmap_sg(pdev.dev, sgt.sgl, NENT, DMA_FROM_DEVICE);
    release_pages(sgt); pci_iounmap(pdev, io); pci_disable_device(pdev);
    return -ENOMEM;
  }
  const r: Rx = { pdev, io, sgt, mapped, ring, ring_bus: rb.value, head: 0, tail: 0, slotEntry: [0, 0, 0, 0], ready: [] };
  for (let i = 0; i < NDESC; i++) { store32(ring + i * DSZ + 12, 0); store16(ring + i * DSZ + 10, 0); }
  writel(r.ring_bus % 2 ** 32, io + R.BAL);
  writel(Math.floor(r.ring_bus / 2 ** 32), io + R.BAH);
  writel(NDESC, io + R.LEN);
  err = request_irq(pdev.irq, rx_irq, IRQF_SHARED, "sgrx", r);
  if (!err) { rx = r; err = misc_register(misc); if (err) { rx = null; free_irq(pdev.irq, r); } }
  if (err) {
    dma_free_coherent(pdev.dev, NDESC * DSZ, ring, r.ring_bus);
    dma_unmap_sg(pdev.dev, sgt.sgl, NENT, DMA_FROM_DEVICE);
    release_pages(sgt); pci_iounmap(pdev, io); pci_disable_device(pdev);
    return err;
  }
  for (let e = 0; e < NENT; e++) post(r, e);
  writel(1, io + R.IMR);
  writel(1, io + R.CTRL);
  return 0;
}

function rx_remove(pdev: pci_dev): void {
  const r = rx!;
  misc_deregister(misc);
  writel(0x80000000, r.io + R.CTRL);
  free_irq(pdev.irq, r);
  dma_free_coherent(pdev.dev, NDESC * DSZ, r.ring, r.ring_bus);
  dma_unmap_sg(pdev.dev, r.sgt.sgl, NENT, DMA_FROM_DEVICE);
  release_pages(r.sgt);
  pci_iounmap(pdev, r.io);
  pci_disable_device(pdev);
  rx = null;
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x4e10), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "sgrx", id_table: ids, probe: rx_probe, remove: rx_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
