// Sixteen 256-byte record slots in the edu card's buffer, written and read
// back by DMA through blocks of a dma_pool. Everything probe takes is
// managed: pcim_enable_device(), pcim_iomap(), a devm_kcalloc()'d table of
// slot lengths, devm_request_irq(), and the pool itself, destroyed by a
// devm_add_action_or_reset() action. So probe's error paths just return,
// and remove() only unregisters the misc device: the rest is released,
// newest first, when the driver unbinds.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import { devm_add_action_or_reset, devm_kcalloc } from "linux/device";
import { DMA_BIT_MASK, dma_set_mask_and_coherent, ref } from "linux/dma-mapping";
import { dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free, type dma_pool } from "linux/dmapool";
import { EFAULT, EINTR, EINVAL, EIO, ENODATA, ENOMEM } from "linux/errno";
import { fixed_size_llseek, type file, type file_operations, type Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, devm_request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock_interruptible, mutex_unlock } from "linux/mutex";
import {
  PCI_DEVICE, pci_register_driver, pci_set_master, pci_unregister_driver, pcim_enable_device, pcim_iomap,
  type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { copy_from_user, copy_to_user } from "linux/uaccess";
import { load16, store16 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const SLOTS = 16, REC = 256, CARD_BUF = 0x40000, HZ = 100;
const REG = { STATUS: 0x24, ACK: 0x64, SRC: 0x80, DST: 0x88, CNT: 0x90, CMD: 0x98 };
const CMD_START = 0x1, CMD_TO_RAM = 0x2, CMD_IRQ = 0x4;

interface Rec { pdev: pci_dev; regs: number; pool: dma_pool; lens: number; next: number; done: completion }
let rec: Rec | null = null;
const lock = DEFINE_MUTEX("devm_pool");

function rec_irq(_irq: number, r: Rec): number {
  const st = readl(r.regs + REG.STATUS);
  if (!st) return IRQ_NONE;
  writel(st, r.regs + REG.ACK);
  complete(r.done);
  return IRQ_HANDLED;
}

function xfer(r: Rec, bus: number, slot: number, len: number, to_ram: boolean): number {
  reinit_completion(r.done);
  const card = CARD_BUF + slot * REC;
  writeq(to_ram ? card : bus, r.regs + REG.SRC);
  writeq(to_ram ? bus : card, r.regs + REG.DST);
  writeq(len, r.regs + REG.CNT);
  writeq(CMD_START | CMD_IRQ | (to_ram ? CMD_TO_RAM : 0), r.regs + REG.CMD);
  return wait_for_completion_timeout(r.done, HZ) ? 0 : -EIO;
}

/** Each write() is one record in the next slot. */
function rec_write(_f: file, ubuf: number, count: number, _p: Ref<number>): number {
  const r = rec!;
  if (count === 0 || count > REC) return -EINVAL;
  if (mutex_lock_interruptible(lock)) return -EINTR;
  const bus = ref(0);
  const blk = dma_pool_alloc(r.pool, GFP_KERNEL, bus);
  let ret = blk ? 0 : -ENOMEM;
  if (blk && copy_from_user(blk, ubuf, count)) ret = -EFAULT;
  const slot = r.next;
  if (!ret) ret = xfer(r, bus.value, slot, count, false);
  if (!ret) { store16(r.lens + slot * 2, count); r.next = (slot + 1) % SLOTS; }
  if (blk) dma_pool_free(r.pool, blk, bus.value);
  mutex_unlock(lock);
  return ret || count;
}

/** read() at offset n * 256: the record in slot n. */
function rec_read(_f: file, ubuf: number, count: number, ppos: Ref<number>): number {
  const r = rec!;
  const slot = Math.floor(ppos.value / REC);
  if (slot >= SLOTS) return 0;
  if (mutex_lock_interruptible(lock)) return -EINTR;
  const len = Math.min(load16(r.lens + slot * 2), count);
  let ret = len ? 0 : -ENODATA;
  const bus = ref(0);
  const blk = ret ? 0 : dma_pool_alloc(r.pool, GFP_KERNEL, bus);
  if (!ret && !blk) ret = -ENOMEM;
  if (!ret) ret = xfer(r, bus.value, slot, len, true);
  if (!ret && copy_to_user(ubuf, blk, len)) ret = -EFAULT;
  if (blk) dma_pool_free(r.pool, blk, bus.value);
  mutex_unlock(lock);
  if (ret) return ret;
  ppos.value = (slot + 1) * REC;
  return len;
}

function rec_llseek(f: file, off: number, whence: number): number {
  return fixed_size_llseek(f, off, whence, SLOTS * REC);
}

const fops: file_operations = { owner: THIS_MODULE, read: rec_read, write: rec_write, llseek: rec_llseek };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "devmpool", fops };

function release_pool(pool: dma_pool): void {
  dma_pool_destroy(pool);
}

function rec_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  let err = pcim_enable_device(pdev);
  if (err) return err;
  pci_set_master(pdev);
  err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(28));
  if (err) return err;
  const regs = pcim_iomap(pdev, 0, 0);
  if (!regs) return -ENOMEM;
  const lens = devm_kcalloc(dev, SLOTS, 2, GFP_KERNEL);
  if (!lens) return -ENOMEM;
  const pool = dma_pool_create("devmpool", dev, REC, 64, 0);
  if (!pool) return -ENOMEM;
  // From here the pool is the device's: the action destroys it at unbind, or now if it cannot be added.
  err = devm_add_action_or_reset(dev, release_pool, pool);
  if (err) return err;
  const r: Rec = { pdev, regs, pool, lens, next: 0, done: new completion() };
  init_completion(r.done);
  err = devm_request_irq(dev, pdev.irq, rec_irq, IRQF_SHARED, "devmpool", r);
  if (err) return err;
  rec = r;
  err = misc_register(misc);
  if (err) rec = null;
  return err;
}

function rec_remove(_pdev: pci_dev): void {
  misc_deregister(misc);
  rec = null;
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "devmpool", id_table: ids, probe: rec_probe, remove: rec_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
