// isa_dma whose buffer comes from __get_free_pages(GFP_KERNEL, 0), without
// GFP_DMA. The page is ordinary memory, here above 16 MiB, where the 8237's
// 24 address bits do not reach: set_dma_addr() keeps the low 24 bits and
// the channel would move the bytes to or from someone else's memory. The
// simulator reports the programming, DMA018 at set_dma_addr(), and refuses
// to arm the channel, so the transfer fails with -EIO instead. ISA DMA
// buffers come from ZONE_DMA: GFP_DMA, or dma_alloc_coherent() with a 24-bit
// coherent mask.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import { EFAULT, EIO, ENODEV, ENOMEM } from "linux/errno";
import { fixed_size_llseek, type file, type file_operations, type Ref } from "linux/fs";
import { GFP_KERNEL, __get_free_pages, free_pages } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, virt_to_phys, writel } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_DESCRIPTION, MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { copy_from_user, copy_to_user } from "linux/uaccess";
import {
  DMA_MODE_READ, DMA_MODE_WRITE, claim_dma_lock, clear_dma_ff, disable_dma, enable_dma, free_dma, get_dma_residue,
  release_dma_lock, request_dma, set_dma_addr, set_dma_count, set_dma_mode,
} from "asm/dma";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: ISA DMA through the 8237 controller: request_dma(), the channel programmed under claim_dma_lock()");

// The card's BAR0 registers (see sim-core/src/dev/models/isa.ts).
const ISA_LEN = 0x08, ISA_CMD = 0x0c, ISA_STATUS = 0x10, ISA_CHANNEL = 0x14, ISA_INT_ACK = 0x18;
const ISA_CMD_START = 0x1, ISA_CMD_TO_MEM = 0x2, ISA_CMD_IRQ = 0x4, ISA_CMD_CHANNEL = 0x8;
const ISA_STATUS_DONE = 0x2, ISA_STATUS_ERR = 0x4;
const ISA_BUFFER_SIZE = 4096;
const HZ = 100;

/** An 8-bit channel (0-3; 4 is the cascade, 5-7 move 16-bit words), as a sound card's jumpers would set. */
const ISA_DMA_CHANNEL = 1;

interface isa_dev {
  pdev: pci_dev;
  bar: number;
  done: completion;
  status: number;
  /** One page of GFP_DMA memory: what the channel reads and writes. */
  buf: number;
  /** How much of the card's buffer write() has filled: read() stops there. */
  len: number;
}

let isa: isa_dev | null = null;

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x15a0), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

function isa_irq(_irq: number, d: isa_dev): number {
  const status = readl(d.bar + ISA_STATUS);
  if (!(status & (ISA_STATUS_DONE | ISA_STATUS_ERR))) return IRQ_NONE;
  writel(status, d.bar + ISA_INT_ACK);
  d.status = status;
  complete(d.done);
  return IRQ_HANDLED;
}

/** LDD3's dad_dma_prepare(): the channel is programmed with the DMA lock held, and disabled while it is. */
function isa_dma_prepare(channel: number, mode: number, buf: number, count: number): void {
  const flags = claim_dma_lock();
  disable_dma(channel);
  clear_dma_ff(channel);
  set_dma_mode(channel, mode);
  set_dma_addr(channel, virt_to_phys(buf)); // a physical address: the controller knows nothing of virtual memory
  set_dma_count(channel, count);
  enable_dma(channel);
  release_dma_lock(flags);
}

/** LDD3's dad_dma_isdone(): the residue is what the channel did not move. */
function isa_dma_residue(channel: number): number {
  const flags = claim_dma_lock();
  const residue = get_dma_residue(channel);
  release_dma_lock(flags);
  return residue;
}

/** One transfer of count bytes between d.buf and the card, through the channel. */
function isa_transfer(d: isa_dev, count: number, to_mem: boolean): number {
  const dev = d.pdev.dev;
  // DMA_MODE_READ: the device is read, memory written; DMA_MODE_WRITE the other way.
  isa_dma_prepare(ISA_DMA_CHANNEL, to_mem ? DMA_MODE_READ : DMA_MODE_WRITE, d.buf, count);
  reinit_completion(d.done);
  writel(ISA_DMA_CHANNEL, d.bar + ISA_CHANNEL);
  writel(count, d.bar + ISA_LEN);
  writel(ISA_CMD_START | ISA_CMD_IRQ | ISA_CMD_CHANNEL | (to_mem ? ISA_CMD_TO_MEM : 0), d.bar + ISA_CMD);
  if (!wait_for_completion_timeout(d.done, HZ) || d.status & ISA_STATUS_ERR) {
    dev_err(dev, "DMA%d transfer of %zu bytes failed (status %#x)\n", ISA_DMA_CHANNEL, count, d.status);
    return -EIO;
  }
  const residue = isa_dma_residue(ISA_DMA_CHANNEL);
  if (residue) {
    dev_err(dev, "DMA%d stopped with %d of %zu bytes left\n", ISA_DMA_CHANNEL, residue, count);
    return -EIO;
  }
  return 0;
}

/** write(): user → buffer → (channel) → card. Each write() replaces the card's samples, from its start. */
function isa_write(_filp: file, ubuf: number, count: number, ppos: Ref<number>): number {
  const d = isa!;
  count = Math.min(count, ISA_BUFFER_SIZE);
  if (count === 0) return 0;
  if (copy_from_user(d.buf, ubuf, count)) return -EFAULT;
  const ret = isa_transfer(d, count, false);
  if (ret) return ret;
  dev_info(d.pdev.dev, "write: %zu bytes to the card through DMA%d from phys %pa\n", count, ISA_DMA_CHANNEL, virt_to_phys(d.buf));
  d.len = count;
  ppos.value = count;
  return count;
}

/** read(): card → (channel) → buffer → user, from the file position. */
function isa_read(_filp: file, ubuf: number, count: number, ppos: Ref<number>): number {
  const d = isa!, pos = ppos.value;
  if (pos >= d.len) return 0;
  count = Math.min(count, d.len - pos);
  // A transfer starts at the beginning of the card's buffer: fetch up to the end of what was asked.
  const ret = isa_transfer(d, pos + count, true);
  if (ret) return ret;
  if (copy_to_user(ubuf, d.buf + pos, count)) return -EFAULT;
  dev_info(d.pdev.dev, "read: %zu bytes from the card through DMA%d into phys %pa\n", count, ISA_DMA_CHANNEL, virt_to_phys(d.buf));
  ppos.value = pos + count;
  return count;
}

function isa_llseek(filp: file, offset: number, whence: number): number {
  return fixed_size_llseek(filp, offset, whence, ISA_BUFFER_SIZE);
}

const isa_fops: file_operations = { owner: THIS_MODULE, read: isa_read, write: isa_write, llseek: isa_llseek };
const isa_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "isa_dma", fops: isa_fops };

function isa_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  // No pci_set_master() and no DMA mask: the card never addresses memory itself, the 8237 does.
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  const bar = pci_iomap(pdev, 0, 0);
  if (!bar) {
    pci_disable_device(pdev);
    return -ENODEV;
  }
  // Below 16 MiB (ZONE_DMA) and page-aligned: inside the controller's reach, never across 64 KiB.
  const buf = __get_free_pages(GFP_KERNEL, 0); // BUG: no GFP_DMA: the page may lie above the 16 MiB the controller can address
  if (!buf) {
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return -ENOMEM;
  }
  const d: isa_dev = { pdev, bar, done: new completion(), status: 0, buf, len: 0 };
  init_completion(d.done);
  // The interrupt line first, then the channel (LDD3's order), and both released in reverse.
  ret = request_irq(pdev.irq, isa_irq, IRQF_SHARED, "isa_dma", d);
  if (!ret) {
    ret = request_dma(ISA_DMA_CHANNEL, "isa_dma");
    if (ret) free_irq(pdev.irq, d);
  }
  if (!ret) {
    isa = d;
    ret = misc_register(isa_misc);
    if (ret) {
      isa = null;
      free_dma(ISA_DMA_CHANNEL);
      free_irq(pdev.irq, d);
    }
  }
  if (ret) {
    free_pages(buf, 0);
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  dev_info(dev, "isa_dma: irq %d, DMA channel %d, buffer at phys %pa\n", pdev.irq, ISA_DMA_CHANNEL, virt_to_phys(buf));
  return 0;
}

function isa_remove(pdev: pci_dev): void {
  const d = isa!;
  misc_deregister(isa_misc);
  free_dma(ISA_DMA_CHANNEL);
  free_irq(pdev.irq, d);
  free_pages(d.buf, 0);
  pci_iounmap(pdev, d.bar);
  pci_disable_device(pdev);
  isa = null;
}

const isa_driver: pci_driver = { name: "isa_dma", id_table: ids, probe: isa_probe, remove: isa_remove };

function isa_dma_init(): number {
  return pci_register_driver(isa_driver);
}

function isa_dma_exit(): void {
  pci_unregister_driver(isa_driver);
}

module_init(isa_dma_init);
module_exit(isa_dma_exit);
