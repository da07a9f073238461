// One-shot transfers with a fresh streaming mapping each time: an "echo"
// write()→read() pair through the edu card. The CPU fills the buffer before
// dma_map_single(), and reads the answer only after dma_unmap_single():
// once unmapped the memory is the CPU's again, no sync needed.

import { complete, completion, init_completion, wait_for_completion_timeout } from "linux/completion";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask, dma_unmap_single,
  type dma_data_direction,
} from "linux/dma-mapping";
import { EFAULT, EIO, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { kfree, kmalloc } from "linux/slab";
import { copy_from_user, copy_to_user } from "linux/uaccess";
import { load8 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const MAXLEN = 2048, CARD = 0x40000;

class Echo {
  done = new completion();
  stored = 0;
  constructor(readonly pdev: pci_dev, readonly regs: number) { init_completion(this.done); }

  /** One transfer through a mapping made for it alone; unmapped before return. */
  oneShot(buf: number, len: number, dir: dma_data_direction): number {
    const dev = this.pdev.dev;
    const bus = dma_map_single(dev, buf, len, dir);
    if (dma_mapping_error(dev, bus)) return -ENOMEM;
    const toRam = dir === DMA_FROM_DEVICE;
    writeq(toRam ? CARD : bus, this.regs + 0x80);
    writeq(toRam ? bus : CARD, this.regs + 0x88);
    writeq(len, this.regs + 0x90);
    writeq(0x1 | 0x4 | (toRam ? 0x2 : 0), this.regs + 0x98);
    const ok = wait_for_completion_timeout(this.done, 100);
    if (ok && toRam && load8(buf) === 0) this.stored = 0; // BUG: peeks at the answer while the buffer is still mapped: unmap (or dma_sync_single_for_cpu()) before reading it
    dma_unmap_single(dev, bus, len, dir);
    return ok ? 0 : -EIO;
  }
}

let echo: Echo | null = null;

function echo_write(_f: file, ubuf: number, count: number, _p: Ref<number>): number {
  const e = echo!;
  const len = Math.min(count, MAXLEN);
  const buf = kmalloc(len, GFP_KERNEL);
  if (!buf) return -ENOMEM;
  if (copy_from_user(buf, ubuf, len)) { kfree(buf); return -EFAULT; }
  const err = e.oneShot(buf, len, DMA_TO_DEVICE);
  kfree(buf);
  if (err) return err;
  e.stored = len;
  return len;
}

function echo_read(_f: file, ubuf: number, count: number, _p: Ref<number>): number {
  const e = echo!;
  const len = Math.min(count, e.stored);
  if (!len) return 0;
  const buf = kmalloc(len, GFP_KERNEL);
  if (!buf) return -ENOMEM;
  let ret = e.oneShot(buf, len, DMA_FROM_DEVICE);
  if (!ret) {
    // The mapping is gone: the CPU may look at what the card wrote.
    const first = load8(buf);
    ret = first === 0 ? -EIO : copy_to_user(ubuf, buf, len) ? -EFAULT : len;
  }
  kfree(buf);
  return ret;
}

function echo_irq(_irq: number, e: Echo): number {
  const st = readl(e.regs + 0x24);
  if (!st) return IRQ_NONE;
  writel(st, e.regs + 0x64);
  complete(e.done);
  return IRQ_HANDLED;
}

const fops: file_operations = { owner: THIS_MODULE, read: echo_read, write: echo_write };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "echo", fops };

function echo_probe(pdev: pci_dev, _id: pci_device_id): number {
  const err = pci_enable_device(pdev);
  if (err) return err;
  pci_set_master(pdev);
  const regs = dma_set_mask(pdev.dev, DMA_BIT_MASK(28)) ? 0 : pci_iomap(pdev, 0, 0);
  if (!regs) { pci_disable_device(pdev); return -ENODEV; }
  const e = new Echo(pdev, regs);
  let ret = request_irq(pdev.irq, echo_irq, IRQF_SHARED, "echo", e);
  if (ret) { pci_iounmap(pdev, regs); pci_disable_device(pdev); return ret; }
  echo = e;
  ret = misc_register(misc);
  if (ret) {
    echo = null;
    free_irq(pdev.irq, e);
    pci_iounmap(pdev, regs);
    pci_disable_device(pdev);
  }
  return ret;
}

function echo_remove(pdev: pci_dev): void {
  const e = echo!;
  misc_deregister(misc);
  free_irq(pdev.irq, e);
  pci_iounmap(pdev, e.regs);
  pci_disable_device(pdev);
  echo = null;
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "echo", id_table: ids, probe: echo_probe, remove: echo_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
