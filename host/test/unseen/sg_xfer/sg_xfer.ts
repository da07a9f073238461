// The edu card's buffer as a file, moved by scatter/gather DMA through a
// fresh scatterlist per call. A transfer is an object walked through its
// steps (alloc, fill, map, run, unmap, copy out, free), each step a method;
// the per-entry work goes through a small callback helper. write() fills
// the pages while the CPU still owns them and maps DMA_TO_DEVICE; read()
// maps DMA_FROM_DEVICE, runs the card, and copies out only after the unmap.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_map_sg, dma_set_mask_and_coherent, dma_unmap_sg, type device, type dma_data_direction,
} from "linux/dma-mapping";
import { EFAULT, EINTR, EINVAL, EIO, ENODEV, ENOMEM } from "linux/errno";
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
import { copy_from_user, copy_to_user } from "linux/uaccess";

MODULE_LICENSE("GPL");

const CHUNK = 1024, MAX_ENT = 4, CARD_BUF = 0x40000, HZ = 100;
const REG = { STATUS: 0x24, ACK: 0x64, SRC: 0x80, DST: 0x88, CNT: 0x90, CMD: 0x98 };
const CMD_START = 0x1, CMD_TO_RAM = 0x2, CMD_IRQ = 0x4;

const card = { pdev: null as pci_dev | null, regs: 0, done: new completion(), lock: DEFINE_MUTEX("sg_xfer") };

function each_entry(sgl: scatterlist[], n: number, fn: (sg: scatterlist, i: number) => number): number {
  for (let i = 0; i < n; i++) {
    const err = fn(sgl[i], i);
    if (err) return err;
  }
  return 0;
}

class Xfer {
  sgl: scatterlist[] = [];
  nents = 0;
  count = 0;
  constructor(readonly dev: device, readonly len: number, readonly dir: dma_data_direction) {}

  alloc(): number {
    const n = Math.ceil(this.len / CHUNK);
    sg_init_table(this.sgl, n);
    for (let i = 0; i < n; i++) {
      const pg = alloc_page(GFP_KERNEL);
      if (!pg) return -ENOMEM;
      sg_set_page(this.sgl[i], pg, Math.min(CHUNK, this.len - i * CHUNK), 0);
      this.nents = i + 1;
    }
    return 0;
  }

  /** User bytes into the pages, before they are mapped: the CPU owns them. */
  fill(ubuf: number): number {
    return each_entry(this.sgl, this.nents, (sg, i) => (copy_from_user(page_address(sg_page(sg)!), ubuf + i * CHUNK, sg.length) ? -EFAULT : 0));
  }

  map(): number {
    this.count = dma_map_sg(this.dev, this.sgl, this.nents, this.dir);
    return this.count ? 0 : -ENOMEM;
  }

  /** One card transfer per DMA segment. */
  run(to_ram: boolean): number {
    let at = CARD_BUF;
    for (const sg of for_each_sg(this.sgl, this.count)) {
      reinit_completion(card.done);
      writeq(to_ram ? at : sg_dma_address(sg), card.regs + REG.SRC);
      writeq(to_ram ? sg_dma_address(sg) : at, card.regs + REG.DST);
      writeq(sg_dma_len(sg), card.regs + REG.CNT);
      writeq(CMD_START | CMD_IRQ | (to_ram ? CMD_TO_RAM : 0), card.regs + REG.CMD);
      if (!wait_for_completion_timeout(card.done, HZ)) return -EIO;
      at += sg_dma_len(sg);
    }
    return 0;
  }

  unmap(): void {
    dma_unmap_sg(this.dev, this.sgl, this.nents, this.dir);
    this.count = 0;
  }

  /** The pages out to user space: only once they are the CPU's again. */
  copy_out(ubuf: number): number {
    return each_entry(this.sgl, this.nents, (sg, i) => (copy_to_user(ubuf + i * CHUNK, page_address(sg_page(sg)!), sg.length) ? -EFAULT : 0));
  }

  free(): void {
    for (let i = 0; i < this.nents; i++) __free_page(sg_page(this.sgl[i])!);
    this.nents = 0;
  }
}

function xf_write(_f: file, ubuf: number, count: number, ppos: Ref<number>): number {
  if (ppos.value !== 0 || count === 0 || count > MAX_ENT * CHUNK) return -EINVAL;
  if (mutex_lock_interruptible(card.lock)) return -EINTR;
  const x = new Xfer(card.pdev!.dev, count, DMA_TO_DEVICE);
  let ret = x.alloc();
  if (!ret) ret = x.fill(ubuf);
  if (!ret) ret = x.map();
  if (!ret) { ret = x.run(false); x.unmap(); }
  x.free();
  mutex_unlock(card.lock);
  return ret || count;
}

function xf_read(_f: file, ubuf: number, count: number, ppos: Ref<number>): number {
  if (ppos.value !== 0 || count === 0 || count > MAX_ENT * CHUNK) return -EINVAL;
  if (mutex_lock_interruptible(card.lock)) return -EINTR;
  const x = new Xfer(card.pdev!.dev, count, DMA_FROM_DEVICE);
  let ret = x.alloc();
  if (!ret) ret = x.map();
  if (!ret) {
    ret = x.run(true);
    x.unmap();
    if (!ret) ret = x.copy_out(ubuf);
  }
  x.free();
  mutex_unlock(card.lock);
  return ret || count;
}

function xf_irq(_n: number, _d: unknown): number {
  const st = readl(card.regs + REG.STATUS);
  if (!st) return IRQ_NONE;
  writel(st, card.regs + REG.ACK);
  complete(card.done);
  return IRQ_HANDLED;
}

const fops: file_operations = { owner: THIS_MODULE, read: xf_read, write: xf_write };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "sgxfer", fops };

function xf_probe(pdev: pci_dev, _id: pci_device_id): number {
  const e = pci_enable_device(pdev);
  if (e) return e;
  pci_set_master(pdev);
  if (dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28))) { pci_disable_device(pdev); return -ENODEV; }
  card.regs = pci_iomap(pdev, 0, 0);
  if (!card.regs) { pci_disable_device(pdev); return -ENODEV; }
  init_completion(card.done);
  card.pdev = pdev;
  let ret = request_irq(pdev.irq, xf_irq, IRQF_SHARED, "sgxfer", card);
  if (ret) { pci_iounmap(pdev, card.regs); pci_disable_device(pdev); return ret; }
  ret = misc_register(misc);
  if (ret) { free_irq(pdev.irq, card); pci_iounmap(pdev, card.regs); pci_disable_device(pdev); return ret; }
  return 0;
}

function xf_remove(pdev: pci_dev): void {
  misc_deregister(misc);
  free_irq(pdev.irq, card);
  pci_iounmap(pdev, card.regs);
  pci_disable_device(pdev);
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "sgxfer", id_table: ids, probe: xf_probe, remove: xf_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
