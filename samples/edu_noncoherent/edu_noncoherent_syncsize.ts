// edu_noncoherent whose read() takes rx_buf back with a sync the size of
// the card's 4 KiB buffer instead of the 1 KiB that was mapped. A sync is
// cache maintenance over the range it is given: on a non-coherent machine
// invalidating past the end of the mapping throws away cache lines of
// whatever memory follows (and the CPU's unwritten data in them). dma-debug:
// DMA010 ("syncs DMA memory outside allocated range") at the sync, on each
// read(). Sync within the mapping: its size, or a range inside it.

import { complete, completion, init_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent,
  dma_sync_single_for_cpu, dma_sync_single_for_device, dma_unmap_single, ref, type dma_data_direction,
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
import { kfree, kzalloc } from "linux/slab";
import { copy_from_user, copy_to_user } from "linux/uaccess";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: streaming DMA on a non-coherent device: the syncs that move data across the CPU cache");

// edu's BAR0 registers and its DMA engine (see sim-core/src/dev/models/edu.ts).
const EDU_IRQ_STATUS = 0x24, EDU_IRQ_ACK = 0x64;
const EDU_DMA_SRC = 0x80, EDU_DMA_DST = 0x88, EDU_DMA_CNT = 0x90, EDU_DMA_CMD = 0x98;
const EDU_DMA_START = 0x1, EDU_DMA_TO_RAM = 0x2, EDU_DMA_IRQ = 0x4;
/** The card's buffer, in the card's own address space. */
const EDU_BUFFER = 0x40000, EDU_BUFFER_SIZE = 4096;
const HZ = 100;

/** Each of the driver's two buffers; one read() or write() moves at most this much. */
const NC_BUF_SIZE = 1024;

interface edu_dev {
  pdev: pci_dev;
  bar: number;
  done: completion;
  /** The write side: CPU → card. Mapped DMA_TO_DEVICE while the device is bound. */
  tx_buf: number;
  tx_handle: number;
  /** The read side: card → CPU. Mapped DMA_FROM_DEVICE while the device is bound. */
  rx_buf: number;
  rx_handle: number;
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
function edu_dma(d: edu_dev, src: number, dst: number, count: number, to_ram: boolean): number {
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

/** write(): user → tx_buf → (sync, DMA) → card. */
function edu_write(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const d = edu!, dev = d.pdev.dev, pos = ppos.value;
  if (pos >= EDU_BUFFER_SIZE) return -ENOSPC;
  count = Math.min(count, NC_BUF_SIZE, EDU_BUFFER_SIZE - pos);
  if (count === 0) return 0;

  // The buffer is the device's: take it back before the CPU writes it.
  dma_sync_single_for_cpu(dev, d.tx_handle, NC_BUF_SIZE, DMA_TO_DEVICE);
  const left = copy_from_user(d.tx_buf, buf, count);
  // The CPU's bytes are in its cache, not yet in memory: write them back and give the buffer to the device.
  dma_sync_single_for_device(dev, d.tx_handle, NC_BUF_SIZE, DMA_TO_DEVICE);
  if (left) return -EFAULT;
  const ret = edu_dma(d, d.tx_handle, EDU_BUFFER + pos, count, false);
  if (ret) return ret;

  dev_info(dev, "write: %zu bytes at %lld sent by DMA from %pad\n", count, pos, d.tx_handle);
  ppos.value = pos + count;
  d.len = Math.max(d.len, ppos.value);
  return count;
}

/** read(): card → (DMA, sync) → rx_buf → user. */
function edu_read(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const d = edu!, dev = d.pdev.dev, pos = ppos.value;
  if (pos >= d.len) return 0;
  count = Math.min(count, NC_BUF_SIZE, d.len - pos);

  const ret = edu_dma(d, EDU_BUFFER + pos, d.rx_handle, count, true);
  if (ret) return ret;
  // The card wrote memory; the CPU's cache may still hold the old lines (an earlier read filled them): drop them.
  dma_sync_single_for_cpu(dev, d.rx_handle, EDU_BUFFER_SIZE, DMA_FROM_DEVICE); // BUG: the card's buffer size, not the mapping's (NC_BUF_SIZE)
  const left = copy_to_user(buf, d.rx_buf, count);
  // Hand it back to the device for the next read.
  dma_sync_single_for_device(dev, d.rx_handle, NC_BUF_SIZE, DMA_FROM_DEVICE);
  if (left) return -EFAULT;

  dev_info(dev, "read: %zu bytes at %lld received by DMA into %pad\n", count, pos, d.rx_handle);
  ppos.value = pos + count;
  return count;
}

function edu_llseek(filp: file, offset: number, whence: number): number {
  return fixed_size_llseek(filp, offset, whence, EDU_BUFFER_SIZE);
}

const edu_fops: file_operations = { owner: THIS_MODULE, read: edu_read, write: edu_write, llseek: edu_llseek };
const edu_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "edu_nc", fops: edu_fops };

/** A zeroed buffer, mapped for the device's lifetime; 0 on failure. */
function edu_map_buffer(d: edu_dev, dir: dma_data_direction, handle: Ref<number>): number {
  const dev = d.pdev.dev;
  const buf = kzalloc(NC_BUF_SIZE, GFP_KERNEL);
  if (!buf) return 0;
  handle.value = dma_map_single(dev, buf, NC_BUF_SIZE, dir);
  if (dma_mapping_error(dev, handle.value)) {
    kfree(buf);
    return 0;
  }
  return buf;
}

function edu_unmap_buffers(d: edu_dev): void {
  const dev = d.pdev.dev;
  if (d.rx_buf) dma_unmap_single(dev, d.rx_handle, NC_BUF_SIZE, DMA_FROM_DEVICE);
  kfree(d.rx_buf);
  if (d.tx_buf) dma_unmap_single(dev, d.tx_handle, NC_BUF_SIZE, DMA_TO_DEVICE);
  kfree(d.tx_buf);
}

function edu_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(28));
  const bar = ret ? 0 : pci_iomap(pdev, 0, 0);
  if (!bar) {
    dev_err(dev, "no usable DMA configuration or BAR\n");
    pci_disable_device(pdev);
    return ret || -ENODEV;
  }
  const d: edu_dev = { pdev, bar, done: new completion(), tx_buf: 0, tx_handle: 0, rx_buf: 0, rx_handle: 0, len: 0 };
  init_completion(d.done);
  const tx = ref(0), rx = ref(0);
  d.tx_buf = edu_map_buffer(d, DMA_TO_DEVICE, tx);
  d.tx_handle = tx.value;
  d.rx_buf = d.tx_buf ? edu_map_buffer(d, DMA_FROM_DEVICE, rx) : 0;
  d.rx_handle = rx.value;
  ret = d.rx_buf ? request_irq(pdev.irq, edu_irq, IRQF_SHARED, "edu_nc", d) : -ENOMEM;
  if (!ret) {
    edu = d;
    ret = misc_register(edu_misc);
    if (ret) {
      edu = null;
      free_irq(pdev.irq, d);
    }
  }
  if (ret) {
    edu_unmap_buffers(d);
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  pci_set_drvdata(pdev, d);
  dev_info(dev, "edu_nc: tx buffer at %pad (DMA_TO_DEVICE), rx buffer at %pad (DMA_FROM_DEVICE)\n", d.tx_handle, d.rx_handle);
  return 0;
}

function edu_remove(pdev: pci_dev): void {
  const d = edu!;
  misc_deregister(edu_misc);
  free_irq(pdev.irq, d);
  edu_unmap_buffers(d);
  pci_iounmap(pdev, d.bar);
  pci_disable_device(pdev);
  edu = null;
}

const edu_driver: pci_driver = { name: "edu_nc", id_table: ids, probe: edu_probe, remove: edu_remove };

function edu_noncoherent_init(): number {
  return pci_register_driver(edu_driver);
}

function edu_noncoherent_exit(): void {
  pci_unregister_driver(edu_driver);
}

module_init(edu_noncoherent_init);
module_exit(edu_noncoherent_exit);
