// mydriver: a PCI DMA driver for QEMU's edu card (LDD3 chapter 15, "DMA for
// PCI devices"). /dev/mydriver is a window onto the card's 4 KiB buffer and
// every byte crosses the bus by DMA: write() stages the data in a coherent
// buffer for the card to fetch; read() has the card store into a streaming
// buffer mapped DMA_FROM_DEVICE, syncs it for the CPU, then copies it out.

import { complete, completion, init_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, dma_alloc_coherent, dma_free_coherent, dma_map_single, dma_mapping_error, dma_set_coherent_mask,
  dma_set_mask, dma_sync_single_for_cpu, dma_sync_single_for_device, dma_unmap_single, ref,
} from "linux/dma-mapping";
import { EFAULT, EIO, ENODEV, ENOMEM, ENOSPC } from "linux/errno";
import { fixed_size_llseek, type file, type file_operations, type Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_DESCRIPTION, MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver,
  pci_set_drvdata, pci_set_master, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { kfree, kmalloc } from "linux/slab";
import { copy_from_user, copy_to_user } from "linux/uaccess";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: a PCI DMA driver for the edu card, a char device whose bytes travel by DMA");

// edu's BAR0 registers and its DMA engine (as QEMU's hw/misc/edu.c defines them).
const EDU_IRQ_STATUS = 0x24, EDU_IRQ_ACK = 0x64;
const EDU_DMA_SRC = 0x80, EDU_DMA_DST = 0x88, EDU_DMA_CNT = 0x90, EDU_DMA_CMD = 0x98;
const EDU_DMA_START = 0x1, EDU_DMA_TO_RAM = 0x2, EDU_DMA_IRQ = 0x4;
/** The card's buffer, in the card's own address space. */
const EDU_BUFFER = 0x40000, EDU_BUFFER_SIZE = 4096;
const HZ = 100;

interface edu_dev {
  pdev: pci_dev;
  bar: number;
  done: completion;
  /** The read side: a kmalloc()ed buffer mapped DMA_FROM_DEVICE for as long as the device is bound. */
  rx_buf: number;
  rx_handle: number;
  /** The write side: the coherent buffer of the transfer in flight (0 when none). */
  tx_buf: number;
  tx_handle: number;
  tx_size: number;
  /** How far the card's buffer has been written: reads stop there. */
  len: number;
}

let edu: edu_dev | null = null;

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

function edu_irq(_irq: number, d: edu_dev): number {
  const status = readl(d.bar + EDU_IRQ_STATUS);
  if (!status) return IRQ_NONE;
  writel(status, d.bar + EDU_IRQ_ACK);
  complete(d.done);
  return IRQ_HANDLED;
}

/** One transfer: program the engine, sleep until its interrupt. */
function edu_transfer(d: edu_dev, src: number, dst: number, count: number, to_ram: boolean): number {
  writeq(src, d.bar + EDU_DMA_SRC);
  writeq(dst, d.bar + EDU_DMA_DST);
  writeq(count, d.bar + EDU_DMA_CNT);
  writeq(EDU_DMA_START | EDU_DMA_IRQ | (to_ram ? EDU_DMA_TO_RAM : 0), d.bar + EDU_DMA_CMD);
  if (!wait_for_completion_timeout(d.done, HZ)) {
    dev_err(d.pdev.dev, "DMA of %zu bytes timed out\n", count);
    return -EIO;
  }
  return 0;
}

/** write(): user → coherent buffer → (DMA) → card. */
function edu_write(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const d = edu!, dev = d.pdev.dev, pos = ppos.value;
  if (pos >= EDU_BUFFER_SIZE) return -ENOSPC;
  count = Math.min(count, EDU_BUFFER_SIZE - pos);
  if (count === 0) return 0;

  const handle = ref(0);
  d.tx_buf = dma_alloc_coherent(dev, count, handle, GFP_KERNEL);
  if (!d.tx_buf) return -ENOMEM;
  d.tx_handle = handle.value;
  d.tx_size = count;
  let ret = copy_from_user(d.tx_buf, buf, count) ? -EFAULT : 0;
  if (!ret) ret = edu_transfer(d, d.tx_handle, EDU_BUFFER + pos, count, false);
  // Coherent memory needs no sync: the card saw the bytes as soon as they were written.
  dma_free_coherent(dev, d.tx_size, d.tx_buf, d.tx_handle);
  d.tx_buf = 0;
  if (ret) return ret;

  dev_info(dev, "write: %zu bytes at %lld sent by DMA from coherent buffer %pad\n", count, pos, handle.value);
  ppos.value = pos + count;
  d.len = Math.max(d.len, ppos.value);
  return count;
}

/** read(): card → (DMA) → streaming buffer → user. */
function edu_read(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const d = edu!, dev = d.pdev.dev, pos = ppos.value;
  if (pos >= d.len) return 0;
  count = Math.min(count, d.len - pos);

  // The buffer is the device's (it was mapped, or handed back below): the card may write it.
  const ret = edu_transfer(d, EDU_BUFFER + pos, d.rx_handle, count, true);
  if (ret) return ret;
  // Take it back before the CPU looks: on a non-coherent machine this invalidates the stale cache lines.
  dma_sync_single_for_cpu(dev, d.rx_handle, EDU_BUFFER_SIZE, DMA_FROM_DEVICE);
  const left = copy_to_user(buf, d.rx_buf, count);
  // And hand it to the device again for the next read.
  dma_sync_single_for_device(dev, d.rx_handle, EDU_BUFFER_SIZE, DMA_FROM_DEVICE);
  if (left) return -EFAULT;

  dev_info(dev, "read: %zu bytes at %lld received by DMA into %pad\n", count, pos, d.rx_handle);
  ppos.value = pos + count;
  return count;
}

function edu_llseek(filp: file, offset: number, whence: number): number {
  return fixed_size_llseek(filp, offset, whence, EDU_BUFFER_SIZE);
}

const edu_fops: file_operations = { owner: THIS_MODULE, read: edu_read, write: edu_write, llseek: edu_llseek };
const edu_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "mydriver", fops: edu_fops };

function edu_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  // The card drives 28 address lines: say so, for streaming and coherent DMA both.
  ret = dma_set_mask(dev, DMA_BIT_MASK(28)) || dma_set_coherent_mask(dev, DMA_BIT_MASK(28));
  if (ret) {
    dev_err(dev, "28-bit DMA not supported\n");
    pci_disable_device(pdev);
    return ret;
  }
  const bar = pci_iomap(pdev, 0, 0);
  if (!bar) {
    ret = -ENODEV;
    pci_disable_device(pdev);
    return ret;
  }
  const d: edu_dev = { pdev, bar, done: new completion(), rx_buf: 0, rx_handle: 0, tx_buf: 0, tx_handle: 0, tx_size: 0, len: 0 };
  init_completion(d.done);

  d.rx_buf = kmalloc(EDU_BUFFER_SIZE, GFP_KERNEL);
  if (!d.rx_buf) { ret = -ENOMEM; return fail_iomap(d); }
  d.rx_handle = dma_map_single(dev, d.rx_buf, EDU_BUFFER_SIZE, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, d.rx_handle)) { ret = -ENOMEM; return fail_rxbuf(d, ret); }

  ret = request_irq(pdev.irq, edu_irq, IRQF_SHARED, "mydriver", d);
  if (ret) return fail_rxmap(d, ret);
  edu = d;
  ret = misc_register(edu_misc);
  if (ret) {
    edu = null;
    free_irq(pdev.irq, d);
    return fail_rxmap(d, ret);
  }
  pci_set_drvdata(pdev, d);
  dev_info(dev, "mydriver: irq %d, rx buffer mapped at %pad\n", pdev.irq, d.rx_handle);
  return 0;
}

// The error path unwinds in the reverse order of probe().
function fail_rxmap(d: edu_dev, ret: number): number {
  dma_unmap_single(d.pdev.dev, d.rx_handle, EDU_BUFFER_SIZE, DMA_FROM_DEVICE);
  return fail_rxbuf(d, ret);
}
function fail_rxbuf(d: edu_dev, ret: number): number {
  kfree(d.rx_buf);
  return fail_iomap(d, ret);
}
function fail_iomap(d: edu_dev, ret = -ENOMEM): number {
  pci_iounmap(d.pdev, d.bar);
  pci_disable_device(d.pdev);
  return ret;
}

function edu_remove(pdev: pci_dev): void {
  const d = edu!;
  misc_deregister(edu_misc);
  free_irq(pdev.irq, d);
  dma_unmap_single(pdev.dev, d.rx_handle, EDU_BUFFER_SIZE, DMA_FROM_DEVICE);
  kfree(d.rx_buf);
  pci_iounmap(pdev, d.bar);
  pci_disable_device(pdev);
  edu = null;
}

const edu_driver: pci_driver = { name: "mydriver", id_table: ids, probe: edu_probe, remove: edu_remove };

function mydriver_init(): number {
  return pci_register_driver(edu_driver);
}

function mydriver_exit(): void {
  pci_unregister_driver(edu_driver);
}

module_init(mydriver_init);
module_exit(mydriver_exit);
