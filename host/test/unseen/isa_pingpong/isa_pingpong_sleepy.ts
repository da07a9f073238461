// A recorder on an ISA card: two GFP_DMA period buffers used in turn. While
// the 8237 channel fills one, read() copies the other out to the user. The
// channel is programmed with the DMA lock held (interrupts off) and never
// waited for under it.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err } from "linux/device";
import { EFAULT, EIO, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, inode, Ref } from "linux/fs";
import { GFP_DMA, GFP_KERNEL, __get_free_page, free_page } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, virt_to_phys, writel } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_unregister_driver,
  type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { copy_to_user } from "linux/uaccess";
import {
  DMA_MODE_READ, claim_dma_lock, clear_dma_ff, disable_dma, enable_dma, free_dma, get_dma_residue, release_dma_lock,
  request_dma, set_dma_addr, set_dma_count, set_dma_mode,
} from "asm/dma";

MODULE_LICENSE("GPL");

const CHAN = 3;
const PERIOD = 512;
const R_LEN = 0x08, R_CMD = 0x0c, R_STATUS = 0x10, R_CHANNEL = 0x14, R_ACK = 0x18;
const CMD_GO = 0x1 | 0x2 | 0x4 | 0x8; // start, card → memory, interrupt, through the channel
const ST_DONE = 0x2, ST_ERR = 0x4;

const rec = {
  pdev: null as pci_dev | null,
  io: 0,
  bufs: [0, 0],
  filling: -1,       // the buffer the channel is filling, -1: none
  status: 0,
  done: new completion(),
};

function rec_irq(_irq: number, _id: unknown): number {
  const st = readl(rec.io + R_STATUS);
  if (!(st & (ST_DONE | ST_ERR))) return IRQ_NONE;
  writel(st, rec.io + R_ACK);
  rec.status = st;
  complete(rec.done);
  return IRQ_HANDLED;
}

/** Points the channel at buffer `which` and lets the card start; returns at once. */
function start_period(which: number): void {
  const flags = claim_dma_lock();
  disable_dma(CHAN);
  clear_dma_ff(CHAN);
  set_dma_mode(CHAN, DMA_MODE_READ);
  set_dma_addr(CHAN, virt_to_phys(rec.bufs[which]));
  set_dma_count(CHAN, PERIOD);
  enable_dma(CHAN);
  release_dma_lock(flags);
  reinit_completion(rec.done);
  rec.filling = which;
  writel(CHAN, rec.io + R_CHANNEL);
  writel(PERIOD, rec.io + R_LEN);
  writel(CMD_GO, rec.io + R_CMD);
}

/** Waits for the period in flight; the buffer it filled, or a negative errno. */
function finish_period(): number {
  const which = rec.filling;
  if (which < 0) return -EIO;
  rec.filling = -1;
  const flags = claim_dma_lock();
  const ok = wait_for_completion_timeout(rec.done, 100); // BUG: sleeps with the DMA lock held and interrupts off: wait first, then claim_dma_lock() for the residue
  const left = get_dma_residue(CHAN);
  release_dma_lock(flags);
  if (!ok || (rec.status & ST_ERR)) return -EIO;
  return left ? -EIO : which;
}

function rec_read(_f: file, ubuf: number, count: number, _p: Ref<number>): number {
  if (count < PERIOD) return -EIO;
  if (rec.filling < 0) start_period(0);
  const ready = finish_period();
  if (ready < 0) {
    dev_err(rec.pdev!.dev, "period lost\n");
    return ready;
  }
  start_period(ready ^ 1); // the card fills the other buffer while we copy this one
  return copy_to_user(ubuf, rec.bufs[ready], PERIOD) ? -EFAULT : PERIOD;
}

function rec_release(_i: inode, _f: file): number {
  if (rec.filling >= 0) finish_period();
  return 0;
}

const fops: file_operations = { owner: THIS_MODULE, read: rec_read, release: rec_release };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "pingpong", fops };

function rec_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  out_disable: {
    rec.io = pci_iomap(pdev, 0, 0);
    if (!rec.io) { err = -ENODEV; break out_disable; }
    out_unmap: {
      out_pages: {
        for (let i = 0; i < 2; i++) {
          rec.bufs[i] = __get_free_page(GFP_KERNEL | GFP_DMA);
          if (!rec.bufs[i]) { err = -ENOMEM; break out_pages; }
        }
        init_completion(rec.done);
        err = request_irq(pdev.irq, rec_irq, IRQF_SHARED, "pingpong", rec);
        if (err) break out_pages;
        out_irq: {
          err = request_dma(CHAN, "pingpong");
          if (err) break out_irq;
          rec.pdev = pdev;
          err = misc_register(misc);
          if (!err) return 0;
          free_dma(CHAN);
        }
        free_irq(pdev.irq, rec);
      }
      for (let i = 0; i < 2; i++) if (rec.bufs[i]) free_page(rec.bufs[i]);
      rec.bufs = [0, 0];
    }
    pci_iounmap(pdev, rec.io);
  }
  pci_disable_device(pdev);
  return err;
}

function rec_remove(pdev: pci_dev): void {
  misc_deregister(misc);
  free_dma(CHAN);
  free_irq(pdev.irq, rec);
  for (const b of rec.bufs) free_page(b);
  pci_iounmap(pdev, rec.io);
  pci_disable_device(pdev);
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x15a0), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "pingpong", id_table: ids, probe: rec_probe, remove: rec_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
