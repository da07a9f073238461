// edu_dio with read() releasing its pins as write() does: the pages the
// card filled by DMA go back with unpin_user_pages(), never marked dirty.
// The CPU did not write them, so no page-table dirty bit is set either; the
// kernel believes they are clean and reclaim may drop the data the device
// put there. Trips PG007 at the unpin.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_map_page, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_page,
} from "linux/dma-mapping";
import { EFAULT, EINVAL, ENODEV, ENOMEM, ENOSPC, ERESTARTSYS, ETIMEDOUT } from "linux/errno";
import { fixed_size_llseek, type file, type file_operations, type Ref } from "linux/fs";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import {
  FOLL_WRITE, PAGE_ALIGN_DOWN, PAGE_SIZE, PFN_UP, offset_in_page, pin_user_pages_fast, unpin_user_pages,
  type page,
} from "linux/mm";
import { MODULE_DESCRIPTION, MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { DEFINE_MUTEX, mutex_lock_interruptible, mutex_unlock } from "linux/mutex";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_get_drvdata, pci_iomap, pci_iounmap,
  pci_register_driver, pci_set_drvdata, pci_set_master, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Direct I/O into and out of the edu card's buffer: pinned user pages, one DMA transfer per page");

const EDU_DMA_SRC = 0x80, EDU_DMA_DST = 0x88, EDU_DMA_CNT = 0x90, EDU_DMA_CMD = 0x98;
const EDU_IRQ_STATUS = 0x24, EDU_IRQ_ACK = 0x64;
const EDU_DMA_START = 0x1, EDU_DMA_TO_RAM = 0x2, EDU_DMA_IRQ = 0x4;
/** The card's buffer, in its own address space, and its size: the "file". */
const EDU_BUFFER = 0x40000, EDU_BUFFER_SIZE = 4096;
const HZ = 250;

interface edu_dio { pdev: pci_dev; bar: number; done: completion }

/** The card this driver serves (the misc device has no per-card state). */
let edu: edu_dio | null = null;
/** One transfer at a time: the card has one DMA engine. */
const xfer_lock = DEFINE_MUTEX("xfer_lock");

function edu_dio_irq(_irq: number, priv: edu_dio): number {
  const status = readl(priv.bar + EDU_IRQ_STATUS);
  if (!status) return IRQ_NONE;
  writel(status, priv.bar + EDU_IRQ_ACK);
  complete(priv.done);
  return IRQ_HANDLED;
}

/** One DMA transfer of len bytes between bus address dma and offset off of the card's buffer; waits for it. */
function edu_dio_transfer(priv: edu_dio, dma: number, off: number, len: number, to_ram: boolean): number {
  reinit_completion(priv.done);
  writeq(to_ram ? EDU_BUFFER + off : dma, priv.bar + EDU_DMA_SRC);
  writeq(to_ram ? dma : EDU_BUFFER + off, priv.bar + EDU_DMA_DST);
  writeq(len, priv.bar + EDU_DMA_CNT);
  writeq(EDU_DMA_START | EDU_DMA_IRQ | (to_ram ? EDU_DMA_TO_RAM : 0), priv.bar + EDU_DMA_CMD);
  return wait_for_completion_timeout(priv.done, HZ) ? 0 : -ETIMEDOUT;
}

/**
 * Moves count bytes between the user buffer and the card at pos, page by page,
 * through pages already pinned. Returns 0 or -errno.
 */
function edu_dio_pages(priv: edu_dio, pages: Array<page | null>, buf: number, count: number, pos: number, to_user: boolean): number {
  const dev = priv.pdev.dev;
  const dir = to_user ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
  let done = 0;
  for (let i = 0; done < count; i++) {
    const start = i === 0 ? offset_in_page(buf) : 0;
    const len = Math.min(PAGE_SIZE - start, count - done);
    const dma = dma_map_page(dev, pages[i]!, start, len, dir);
    if (dma_mapping_error(dev, dma)) return -ENOMEM;
    const ret = edu_dio_transfer(priv, dma, pos + done, len, to_user);
    dma_unmap_page(dev, dma, len, dir);
    if (ret) return ret;
    done += len;
  }
  return 0;
}

/** Pins the user pages buf..buf+count; all of them, or none (-EFAULT). */
function edu_dio_pin(buf: number, count: number, gup_flags: number, pages: Array<page | null>): number {
  const nr_pages = PFN_UP(offset_in_page(buf) + count);
  const pinned = pin_user_pages_fast(PAGE_ALIGN_DOWN(buf), nr_pages, gup_flags, pages);
  if (pinned < 0) return pinned;
  if (pinned < nr_pages) {
    unpin_user_pages(pages, pinned);
    return -EFAULT;
  }
  return nr_pages;
}

function edu_dio_clamp(count: number, pos: number): number {
  if (pos < 0) return -EINVAL;
  return Math.min(count, EDU_BUFFER_SIZE - pos);
}

/** write(): user pages → card. The device only reads them. */
function edu_dio_write(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const priv = edu;
  if (!priv) return -ENODEV;
  if (ppos.value >= EDU_BUFFER_SIZE) return -ENOSPC;
  count = edu_dio_clamp(count, ppos.value);
  if (count <= 0) return count;
  if (mutex_lock_interruptible(xfer_lock)) return -ERESTARTSYS;
  const pages: Array<page | null> = [];
  const nr = edu_dio_pin(buf, count, 0, pages);
  if (nr < 0) {
    mutex_unlock(xfer_lock);
    return nr;
  }
  const ret = edu_dio_pages(priv, pages, buf, count, ppos.value, false);
  unpin_user_pages(pages, nr);
  mutex_unlock(xfer_lock);
  if (ret) return ret;
  ppos.value += count;
  return count;
}

/** read(): card → user pages. The device writes them; the CPU never does. */
function edu_dio_read(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const priv = edu;
  if (!priv) return -ENODEV;
  if (ppos.value >= EDU_BUFFER_SIZE) return 0;
  count = edu_dio_clamp(count, ppos.value);
  if (count <= 0) return count;
  if (mutex_lock_interruptible(xfer_lock)) return -ERESTARTSYS;
  const pages: Array<page | null> = [];
  const nr = edu_dio_pin(buf, count, FOLL_WRITE, pages);
  if (nr < 0) {
    mutex_unlock(xfer_lock);
    return nr;
  }
  const ret = edu_dio_pages(priv, pages, buf, count, ppos.value, true);
  unpin_user_pages(pages, nr); // BUG: the device wrote these pages: unpin_user_pages_dirty_lock(pages, nr, true)
  mutex_unlock(xfer_lock);
  if (ret) return ret;
  ppos.value += count;
  return count;
}

function edu_dio_llseek(filp: file, offset: number, whence: number): number {
  return fixed_size_llseek(filp, offset, whence, EDU_BUFFER_SIZE);
}

const edu_dio_fops: file_operations = { owner: THIS_MODULE, read: edu_dio_read, write: edu_dio_write, llseek: edu_dio_llseek };
const edu_dio_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "edu_dio", fops: edu_dio_fops };

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

function edu_dio_probe(pdev: pci_dev, _id: pci_device_id): number {
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  ret = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28)); // edu drives 28 address bits
  if (ret) {
    dev_err(pdev.dev, "no usable DMA configuration\n");
    pci_disable_device(pdev);
    return ret;
  }
  const bar = pci_iomap(pdev, 0, 0);
  if (!bar) {
    pci_disable_device(pdev);
    return -ENODEV;
  }
  const priv: edu_dio = { pdev, bar, done: new completion() };
  init_completion(priv.done);
  ret = request_irq(pdev.irq, edu_dio_irq, IRQF_SHARED, "edu_dio", priv);
  if (ret) {
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  pci_set_drvdata(pdev, priv);
  edu = priv;
  ret = misc_register(edu_dio_misc);
  if (ret) {
    edu = null;
    free_irq(pdev.irq, priv);
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  dev_info(pdev.dev, "/dev/edu_dio: %d bytes of card memory, direct I/O by DMA\n", EDU_BUFFER_SIZE);
  return 0;
}

function edu_dio_remove(pdev: pci_dev): void {
  const priv = pci_get_drvdata<edu_dio>(pdev);
  misc_deregister(edu_dio_misc);
  edu = null;
  free_irq(pdev.irq, priv);
  pci_iounmap(pdev, priv.bar);
  pci_disable_device(pdev);
}

const edu_dio_driver: pci_driver = { name: "edu_dio", id_table: ids, probe: edu_dio_probe, remove: edu_dio_remove };

function edu_dio_init(): number {
  return pci_register_driver(edu_dio_driver);
}

function edu_dio_exit(): void {
  pci_unregister_driver(edu_dio_driver);
}

module_init(edu_dio_init);
module_exit(edu_dio_exit);
