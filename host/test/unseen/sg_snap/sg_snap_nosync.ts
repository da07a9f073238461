// sg_snap with the sync for the CPU left out: the pages are copied to user
// space while the device still owns them. On this non-coherent card the CPU
// may read stale cache lines instead of what the DMA wrote.
//
// A snapshot of the edu card's 4 KiB buffer, gathered by DMA into four
// separate pages on a card that does not snoop the CPU caches. The pages
// form one scatterlist mapped DMA_FROM_DEVICE for the device's lifetime;
// each read() runs one card → RAM transfer per DMA segment, takes the whole
// list back with dma_sync_sg_for_cpu(), copies it out page by page, and
// hands it back with dma_sync_sg_for_device() before returning. The syncs
// are given the nents dma_map_sg() was given; the transfers walk the
// segments it returned.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_sg, dma_set_mask_and_coherent, dma_sync_sg_for_device,
  dma_unmap_sg,
} from "linux/dma-mapping";
import { EFAULT, EINTR, EIO, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL, __free_page, alloc_page } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { page_address } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock_interruptible, mutex_unlock } from "linux/mutex";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { for_each_sg, sg_dma_address, sg_dma_len, sg_init_table, sg_page, sg_set_page, type scatterlist } from "linux/scatterlist";
import { copy_to_user } from "linux/uaccess";

MODULE_LICENSE("GPL");

const NENT = 4, CHUNK = 1024, SNAP = NENT * CHUNK;
const REG = { STATUS: 0x24, ACK: 0x64, SRC: 0x80, DST: 0x88, CNT: 0x90, CMD: 0x98 };
const CMD_START = 0x1, CMD_TO_RAM = 0x2, CMD_IRQ = 0x4, CARD_BUF = 0x40000, HZ = 100;

interface Snap { pdev: pci_dev; regs: number; sgl: scatterlist[]; count: number; done: completion }
let snap: Snap | null = null;
const lock = DEFINE_MUTEX("sg_snap");

function snap_irq(_irq: number, s: Snap): number {
  const st = readl(s.regs + REG.STATUS);
  if (!st) return IRQ_NONE;
  writel(st, s.regs + REG.ACK);
  complete(s.done);
  return IRQ_HANDLED;
}

/** Card → RAM, one transfer per DMA segment. */
function gather(s: Snap): number {
  let card = CARD_BUF;
  for (const sg of for_each_sg(s.sgl, s.count)) {
    reinit_completion(s.done);
    writeq(card, s.regs + REG.SRC);
    writeq(sg_dma_address(sg), s.regs + REG.DST);
    writeq(sg_dma_len(sg), s.regs + REG.CNT);
    writeq(CMD_START | CMD_TO_RAM | CMD_IRQ, s.regs + REG.CMD);
    if (!wait_for_completion_timeout(s.done, HZ)) return -EIO;
    card += sg_dma_len(sg);
  }
  return 0;
}

function snap_read(_f: file, ubuf: number, count: number, ppos: Ref<number>): number {
  const s = snap!, dev = s.pdev.dev;
  if (ppos.value !== 0) return 0;
  if (count < SNAP) return -EIO;
  if (mutex_lock_interruptible(lock)) return -EINTR;
  let ret = gather(s);
  if (!ret) {
    for (let i = 0; i < NENT && !ret; i++) {
      if (copy_to_user(ubuf + i * CHUNK, page_address(sg_page(s.sgl[i])!), CHUNK)) ret = -EFAULT; // BUG: the list still belongs to the device: dma_sync_sg_for_cpu(dev, s.sgl, NENT, DMA_FROM_DEVICE) before the copies
    }
    dma_sync_sg_for_device(dev, s.sgl, NENT, DMA_FROM_DEVICE);
  }
  mutex_unlock(lock);
  if (ret) return ret;
  ppos.value = SNAP;
  return SNAP;
}

const fops: file_operations = { owner: THIS_MODULE, read: snap_read };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "sgsnap", fops };

function free_chunks(sgl: scatterlist[], n: number): void {
  for (let i = 0; i < n; i++) __free_page(sg_page(sgl[i])!);
}

function snap_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  pci_set_master(pdev);
  err = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28));
  const regs = err ? 0 : pci_iomap(pdev, 0, 0);
  if (!regs) { pci_disable_device(pdev); return -ENODEV; }
  const s: Snap = { pdev, regs, sgl: [], count: 0, done: new completion() };
  init_completion(s.done);
  sg_init_table(s.sgl, NENT);
  for (let i = 0; i < NENT; i++) {
    const pg = alloc_page(GFP_KERNEL);
    if (!pg) { free_chunks(s.sgl, i); pci_iounmap(pdev, regs); pci_disable_device(pdev); return -ENOMEM; }
    sg_set_page(s.sgl[i], pg, CHUNK, 0);
  }
  s.count = dma_map_sg(pdev.dev, s.sgl, NENT, DMA_FROM_DEVICE);
  if (!s.count) { free_chunks(s.sgl, NENT); pci_iounmap(pdev, regs); pci_disable_device(pdev); return -ENOMEM; }
  err = request_irq(pdev.irq, snap_irq, IRQF_SHARED, "sgsnap", s);
  if (!err) {
    snap = s;
    err = misc_register(misc);
    if (err) { snap = null; free_irq(pdev.irq, s); }
  }
  if (err) {
    dma_unmap_sg(pdev.dev, s.sgl, NENT, DMA_FROM_DEVICE);
    free_chunks(s.sgl, NENT); pci_iounmap(pdev, regs); pci_disable_device(pdev);
    return err;
  }
  return 0;
}

function snap_remove(pdev: pci_dev): void {
  const s = snap!;
  misc_deregister(misc);
  free_irq(pdev.irq, s);
  dma_unmap_sg(pdev.dev, s.sgl, NENT, DMA_FROM_DEVICE);
  free_chunks(s.sgl, NENT);
  pci_iounmap(pdev, s.regs);
  pci_disable_device(pdev);
  snap = null;
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "sgsnap", id_table: ids, probe: snap_probe, remove: snap_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
