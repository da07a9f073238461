// edu_pool whose write() wipes the record out of its block once the card has
// it ("no log data should linger in DMA memory"). But by the time write()
// wakes up, the interrupt handler has already given the block back to the
// pool: the wipe is a write after free. The pool (with slab debugging)
// poisons free blocks and checks the poison when it hands a block out
// again, so the next dma_pool_alloc() finds it overwritten: DMA021
// ("dma_pool_alloc edu_pool, ... (corrupted)"), once for each record after
// the first. Wipe the block before dma_pool_free(), in the handler.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import { DMA_BIT_MASK, dma_set_mask_and_coherent, ref } from "linux/dma-mapping";
import { dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free, type dma_pool } from "linux/dmapool";
import { EFAULT, EIO, ENODEV, ENOMEM, ENOSPC } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_DESCRIPTION, MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver,
  pci_set_master, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { memset } from "linux/string";
import { copy_from_user } from "linux/uaccess";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: a dma_pool of small coherent blocks, freed from the interrupt handler");

// edu's BAR0 registers and its DMA engine (see sim-core/src/dev/models/edu.ts).
const EDU_IRQ_STATUS = 0x24, EDU_IRQ_ACK = 0x64;
const EDU_DMA_SRC = 0x80, EDU_DMA_DST = 0x88, EDU_DMA_CNT = 0x90, EDU_DMA_CMD = 0x98;
const EDU_DMA_START = 0x1, EDU_DMA_IRQ = 0x4; // direction bit clear: RAM → card
const EDU_BUFFER = 0x40000, EDU_BUFFER_SIZE = 4096;
const HZ = 100;

/** The pool's blocks: one record each, 64-byte aligned (a cache line). */
const RECORD_MAX = 256, RECORD_ALIGN = 64;

interface edu_log {
  pdev: pci_dev;
  bar: number;
  done: completion;
  pool: dma_pool;
  /** The block of the transfer in flight (0: none); the interrupt handler frees it. */
  block: number;
  block_dma: number;
  /** Bytes of the card's buffer used by the log. */
  len: number;
}

let edu: edu_log | null = null;

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

/** The card has fetched the record: the block goes back to the pool right here, in interrupt context. */
function edu_irq(_irq: number, d: edu_log): number {
  const status = readl(d.bar + EDU_IRQ_STATUS);
  if (!status) return IRQ_NONE;
  writel(status, d.bar + EDU_IRQ_ACK);
  if (d.block) {
    dma_pool_free(d.pool, d.block, d.block_dma);
    d.block = 0;
  }
  complete(d.done);
  return IRQ_HANDLED;
}

/** write(): one record, appended to the log on the card. */
function edu_write(_filp: file, buf: number, count: number, _ppos: Ref<number>): number {
  const d = edu!, dev = d.pdev.dev;
  if (d.len >= EDU_BUFFER_SIZE) return -ENOSPC; // the log is full
  count = Math.min(count, RECORD_MAX, EDU_BUFFER_SIZE - d.len);
  if (count === 0) return 0;

  const handle = ref(0);
  const block = dma_pool_alloc(d.pool, GFP_KERNEL, handle);
  if (!block) return -ENOMEM;
  if (copy_from_user(block, buf, count)) {
    dma_pool_free(d.pool, block, handle.value);
    return -EFAULT;
  }
  // Coherent memory: the card sees the record as written, no sync needed. From here the handler owns the block.
  d.block = block;
  d.block_dma = handle.value;
  reinit_completion(d.done);
  writeq(handle.value, d.bar + EDU_DMA_SRC);
  writeq(EDU_BUFFER + d.len, d.bar + EDU_DMA_DST);
  writeq(count, d.bar + EDU_DMA_CNT);
  writeq(EDU_DMA_START | EDU_DMA_IRQ, d.bar + EDU_DMA_CMD);
  if (!wait_for_completion_timeout(d.done, HZ)) {
    dev_err(dev, "DMA of a %zu-byte record timed out\n", count);
    return -EIO;
  }
  memset(block, 0, count); // BUG: the handler has already dma_pool_free()d the block: wipe it there, before the free
  dev_info(dev, "record of %zu bytes at %d, from pool block %pad\n", count, d.len, handle.value);
  d.len += count;
  return count;
}

const edu_fops: file_operations = { owner: THIS_MODULE, write: edu_write };
const edu_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "edu_pool", fops: edu_fops };

function edu_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(28));
  const bar = ret ? 0 : pci_iomap(pdev, 0, 0);
  if (!bar) {
    pci_disable_device(pdev);
    return ret || -ENODEV;
  }
  const pool = dma_pool_create("edu_pool", dev, RECORD_MAX, RECORD_ALIGN, 0);
  if (!pool) {
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return -ENOMEM;
  }
  const d: edu_log = { pdev, bar, done: new completion(), pool, block: 0, block_dma: 0, len: 0 };
  init_completion(d.done);
  ret = request_irq(pdev.irq, edu_irq, IRQF_SHARED, "edu_pool", d);
  if (!ret) {
    edu = d;
    ret = misc_register(edu_misc);
    if (ret) {
      edu = null;
      free_irq(pdev.irq, d);
    }
  }
  if (ret) {
    dma_pool_destroy(pool);
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  dev_info(dev, "edu_pool: blocks of %d bytes, %d-byte aligned\n", RECORD_MAX, RECORD_ALIGN);
  return 0;
}

function edu_remove(pdev: pci_dev): void {
  const d = edu!;
  misc_deregister(edu_misc);
  free_irq(pdev.irq, d);
  dma_pool_destroy(d.pool); // every block is back: the handler freed each one
  pci_iounmap(pdev, d.bar);
  pci_disable_device(pdev);
  edu = null;
}

const edu_driver: pci_driver = { name: "edu_pool", id_table: ids, probe: edu_probe, remove: edu_remove };

function edu_pool_init(): number {
  return pci_register_driver(edu_driver);
}

function edu_pool_exit(): void {
  pci_unregister_driver(edu_driver);
}

module_init(edu_pool_init);
module_exit(edu_pool_exit);
