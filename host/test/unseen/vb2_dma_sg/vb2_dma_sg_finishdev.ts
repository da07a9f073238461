// A capture device whose buffers come from a port of videobuf2-dma-sg's
// allocator (drivers/media/common/videobuf2/videobuf2-dma-sg.c): the buffer
// is built from the largest blocks the buddy allocator gives, split into
// single pages, gathered into an sg_table and mapped once, at allocation,
// with DMA_ATTR_SKIP_CPU_SYNC; the caches are handled per frame in
// prepare() (for the device) and finish() (for the CPU). mmap() hands the
// pages to user space with vm_map_pages(), the VMA holding a reference on
// the buffer through its open/close. The card (edu, not cache-coherent)
// writes each frame by DMA, one transfer per 4 KiB of every DMA segment.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import {
  DMA_ATTR_SKIP_CPU_SYNC, DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_sgtable, dma_set_mask_and_coherent,
  dma_sync_sgtable_for_device, dma_unmap_sgtable, type dma_data_direction,
} from "linux/dma-mapping";
import { EBUSY, EINVAL, EIO, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { GFP_KERNEL, __GFP_NOWARN, __GFP_ZERO, __free_page, alloc_pages, get_order } from "linux/gfp";
import { kmap_local_page, kunmap_local } from "linux/highmem";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { _IO } from "linux/ioctl";
import { kref, kref_get, kref_init, kref_put } from "linux/kref";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SHIFT, PAGE_SIZE, nth_page, split_page, vm_map_pages, type page, type vm_area_struct, type vm_operations_struct } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock } from "linux/mutex";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { printk, KERN_ERR } from "linux/printk";
import { for_each_sgtable_dma_sg, sg_alloc_table_from_pages, sg_dma_address, sg_dma_len, sg_free_table, sg_table } from "linux/scatterlist";
import type { device } from "linux/device";
import { load32 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const VB_NUM = 2, VB_SIZE = 2 * PAGE_SIZE, XFER = 4096, FRAME_MAGIC = 0x56423253; // "VB2S"
const REG = { STATUS: 0x24, ACK: 0x64, SRC: 0x80, DST: 0x88, CNT: 0x90, CMD: 0x98 };
const CMD_START = 0x1, CMD_TO_RAM = 0x2, CMD_IRQ = 0x4, CARD_BUF = 0x40000, HZ = 100;
const SGCAP_QBUF = _IO("S", 1), SGCAP_DQBUF = _IO("S", 2);

/** struct vb2_dma_sg_buf, the parts a capture-only driver uses. */
class vb2_dma_sg_buf {
  dev!: device;
  pages: page[] = [];
  num_pages = 0;
  size = 0;
  dma_dir: dma_data_direction = DMA_FROM_DEVICE;
  sg_table = new sg_table();
  refcount = new kref();
  queued = false;
}

// ---------------------------------------------------------------- the allocator

function vb2_dma_sg_alloc_compacted(buf: vb2_dma_sg_buf, gfp_flags: number): number {
  let last_page = 0;
  let size = buf.size;

  while (size > 0) {
    let order = get_order(size);
    // Don't over allocate
    if ((PAGE_SIZE << order) > size) order--;

    let pages: page | null = null;
    while (!pages) {
      pages = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | gfp_flags, order);
      if (pages) break;
      if (order === 0) {
        while (last_page--) __free_page(buf.pages[last_page]);
        return -ENOMEM;
      }
      order--;
    }

    split_page(pages, order);
    for (let i = 0; i < (1 << order); i++) buf.pages[last_page++] = nth_page(pages, i);

    size -= PAGE_SIZE << order;
  }
  return 0;
}

function vb2_dma_sg_alloc(dev: device, size: number, dma_dir: dma_data_direction): vb2_dma_sg_buf | null {
  const buf = new vb2_dma_sg_buf();
  buf.dev = dev;
  buf.dma_dir = dma_dir;
  buf.size = size;
  // size is already page aligned
  buf.num_pages = size >> PAGE_SHIFT;

  fail_pages_alloc: {
    if (vb2_dma_sg_alloc_compacted(buf, 0)) break fail_pages_alloc;
    fail_table_alloc: {
      if (sg_alloc_table_from_pages(buf.sg_table, buf.pages, buf.num_pages, 0, size, GFP_KERNEL)) break fail_table_alloc;
      // No need to sync to the device, this will happen later when prepare() is called.
      if (dma_map_sgtable(buf.dev, buf.sg_table, buf.dma_dir, DMA_ATTR_SKIP_CPU_SYNC)) {
        sg_free_table(buf.sg_table);
        break fail_table_alloc;
      }
      kref_init(buf.refcount);
      return buf;
    }
    let num_pages = buf.num_pages;
    while (num_pages--) __free_page(buf.pages[num_pages]);
  }
  return null;
}

function vb2_dma_sg_put(buf: vb2_dma_sg_buf): void {
  kref_put(buf.refcount, () => {
    dma_unmap_sgtable(buf.dev, buf.sg_table, buf.dma_dir, DMA_ATTR_SKIP_CPU_SYNC);
    sg_free_table(buf.sg_table);
    let i = buf.num_pages;
    while (--i >= 0) __free_page(buf.pages[i]);
  });
}

function vb2_dma_sg_prepare(buf: vb2_dma_sg_buf): void {
  dma_sync_sgtable_for_device(buf.dev, buf.sg_table, buf.dma_dir);
}

function vb2_dma_sg_finish(buf: vb2_dma_sg_buf): void {
  dma_sync_sgtable_for_device(buf.dev, buf.sg_table, buf.dma_dir); // BUG: prepare()'s sync pasted into finish(): the CPU never gets the frame back; dma_sync_sgtable_for_cpu()
}

const vb2_common_vm_ops: vm_operations_struct = {
  open: (vma: vm_area_struct) => kref_get((vma.vm_private_data as vb2_dma_sg_buf).refcount),
  close: (vma: vm_area_struct) => vb2_dma_sg_put(vma.vm_private_data as vb2_dma_sg_buf),
};

function vb2_dma_sg_mmap(buf: vb2_dma_sg_buf | null, vma: vm_area_struct): number {
  if (!buf) {
    printk(KERN_ERR + "No memory to map\n");
    return -EINVAL;
  }
  const err = vm_map_pages(vma, buf.pages, buf.num_pages);
  if (err) {
    printk(KERN_ERR + "Remapping memory, error: %d\n", err);
    return err;
  }
  // Use common vm_area operations to track buffer refcount.
  vma.vm_private_data = buf;
  vma.vm_ops = vb2_common_vm_ops;
  vb2_common_vm_ops.open!(vma);
  return 0;
}

// ---------------------------------------------------------------- the capture device

interface sgcap { pdev: pci_dev; regs: number; done: completion }
let cap: sgcap | null = null;
const bufs: Array<vb2_dma_sg_buf | null> = [];
const lock = DEFINE_MUTEX("sgcap");

function sgcap_irq(_irq: number, c: sgcap): number {
  const st = readl(c.regs + REG.STATUS);
  if (!st) return IRQ_NONE;
  writel(st, c.regs + REG.ACK);
  complete(c.done);
  return IRQ_HANDLED;
}

/** The card fills the buffer: its 4 KiB frame memory into every 4 KiB of every DMA segment. */
function sgcap_capture(c: sgcap, buf: vb2_dma_sg_buf): number {
  for (const sg of for_each_sgtable_dma_sg(buf.sg_table)) {
    for (let off = 0; off < sg_dma_len(sg); off += XFER) {
      reinit_completion(c.done);
      writeq(CARD_BUF, c.regs + REG.SRC);
      writeq(sg_dma_address(sg) + off, c.regs + REG.DST);
      writeq(Math.min(XFER, sg_dma_len(sg) - off), c.regs + REG.CNT);
      writeq(CMD_START | CMD_TO_RAM | CMD_IRQ, c.regs + REG.CMD);
      if (!wait_for_completion_timeout(c.done, HZ)) return -EIO;
    }
  }
  return 0;
}

/** The frame header the card writes: its magic, then the bytes used. */
function sgcap_frame_len(buf: vb2_dma_sg_buf): number {
  const va = kmap_local_page(buf.pages[0]);
  const magic = load32(va), used = load32(va + 4); // REPORTED: the first CPU read of the frame
  kunmap_local(va);
  return magic === FRAME_MAGIC && used <= buf.size ? used : -EIO;
}

function sgcap_ioctl(_f: file, cmd: number, arg: number): number {
  const c = cap;
  if (!c) return -ENODEV;
  if (arg < 0 || arg >= VB_NUM) return -EINVAL;
  mutex_lock(lock);
  const buf = bufs[arg]!;
  let ret = 0;
  switch (cmd) {
    case SGCAP_QBUF:
      if (buf.queued) { ret = -EBUSY; break; }
      vb2_dma_sg_prepare(buf);
      buf.queued = true;
      ret = sgcap_capture(c, buf);
      break;
    case SGCAP_DQBUF:
      if (!buf.queued) { ret = -EINVAL; break; }
      buf.queued = false;
      vb2_dma_sg_finish(buf);
      ret = sgcap_frame_len(buf);
      break;
    default:
      ret = -EINVAL;
  }
  mutex_unlock(lock);
  return ret;
}

function sgcap_mmap(_f: file, vma: vm_area_struct): number {
  const index = vma.vm_pgoff;
  if (index >= VB_NUM || vma.vm_end - vma.vm_start > VB_SIZE) return -EINVAL;
  // vm_pgoff is the buffer's cookie, not an offset into it: map the buffer from its start.
  vma.vm_pgoff = 0;
  mutex_lock(lock);
  const ret = vb2_dma_sg_mmap(bufs[index], vma);
  mutex_unlock(lock);
  return ret;
}

const fops: file_operations = { owner: THIS_MODULE, unlocked_ioctl: sgcap_ioctl, mmap: sgcap_mmap };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "sgcap", fops };

function sgcap_queue_free(): void {
  for (let i = 0; i < VB_NUM; i++) {
    const buf = bufs[i];
    bufs[i] = null;
    if (buf) vb2_dma_sg_put(buf);
  }
}

function sgcap_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  pci_set_master(pdev);
  err_disable: {
    err = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28));
    if (err) break err_disable;
    const regs = pci_iomap(pdev, 0, 0);
    if (!regs) { err = -ENODEV; break err_disable; }
    err_unmap: {
      const c: sgcap = { pdev, regs, done: new completion() };
      init_completion(c.done);
      for (let i = 0; i < VB_NUM; i++) {
        bufs[i] = vb2_dma_sg_alloc(pdev.dev, VB_SIZE, DMA_FROM_DEVICE);
        if (!bufs[i]) { err = -ENOMEM; break; }
      }
      err_free_bufs: {
        if (err) break err_free_bufs;
        err = request_irq(pdev.irq, sgcap_irq, IRQF_SHARED, "sgcap", c);
        if (err) break err_free_bufs;
        cap = c;
        err = misc_register(misc);
        if (!err) return 0;
        cap = null;
        free_irq(pdev.irq, c);
      }
      sgcap_queue_free();
      pci_iounmap(pdev, regs);
    }
  }
  pci_disable_device(pdev);
  return err;
}

function sgcap_remove(pdev: pci_dev): void {
  const c = cap!;
  misc_deregister(misc);
  free_irq(pdev.irq, c);
  sgcap_queue_free();
  pci_iounmap(pdev, c.regs);
  pci_disable_device(pdev);
  cap = null;
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "sgcap", id_table: ids, probe: sgcap_probe, remove: sgcap_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
