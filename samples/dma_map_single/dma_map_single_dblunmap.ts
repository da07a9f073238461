// dma_map_single with two owners for one mapping: the interrupt handler
// unmaps the buffer as soon as the card reports the transfer done, and
// dma_test() unmaps it again after the wait, as before. The second unmap
// tears down a mapping that no longer exists (with an IOMMU or swiotlb, by
// then possibly someone else's). dma-debug: DMA003 ("tries to free DMA
// memory it has not allocated") at dma_test()'s unmap. Exactly one place
// may unmap.

import { ENODEV, ENOMEM, ETIMEDOUT } from "linux/errno";
import { complete, completion, init_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import { DMA_BIT_MASK, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_single } from "linux/dma-mapping";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, virt_to_phys, writel, writeq } from "linux/io";
import { MODULE_DESCRIPTION, MODULE_LICENSE, module_exit, module_init } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_get_drvdata, pci_iomap, pci_iounmap,
  pci_register_driver, pci_set_drvdata, pci_set_master, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { kfree, kmalloc } from "linux/slab";
import { strlen, strscpy } from "linux/string";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Cooperstein lab / LDD3 ch. 15: dma_map_single() of a kmalloc()ed buffer, read by the edu card");

// The edu card's registers (BAR0) and its DMA engine.
const EDU_DMA_SRC = 0x80, EDU_DMA_DST = 0x88, EDU_DMA_CNT = 0x90, EDU_DMA_CMD = 0x98;
const EDU_IRQ_STATUS = 0x24, EDU_IRQ_ACK = 0x64;
const EDU_DMA_START = 0x1, EDU_DMA_IRQ = 0x4; // direction bit (0x2) clear: RAM → device
/** Where the card's own buffer sits in its address space. */
const EDU_BUFFER = 0x40000;
const HZ = 100;

const BUF_SIZE = 128;
const MESSAGE = "Hello from the CPU: this string went to the device by DMA";

interface edu_priv { pdev: pci_dev; bar: number; done: completion; handle: number }

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

/** The card raised its line: acknowledge what it says happened and wake the waiter. */
function edu_irq(_irq: number, priv: edu_priv): number {
  const status = readl(priv.bar + EDU_IRQ_STATUS);
  if (!status) return IRQ_NONE; // a shared line: not ours
  writel(status, priv.bar + EDU_IRQ_ACK);
  dma_unmap_single(priv.pdev.dev, priv.handle, BUF_SIZE, DMA_TO_DEVICE); // BUG: dma_test() unmaps it too, after the wait: a double unmap (one owner only: drop this one)
  complete(priv.done);
  return IRQ_HANDLED;
}

/** The lab proper: map, let the device read, unmap, free. */
function dma_test(priv: edu_priv): number {
  const dev = priv.pdev.dev;
  const buf = kmalloc(BUF_SIZE, GFP_KERNEL);
  if (!buf) return -ENOMEM;
  // The CPU fills the buffer first: once it is mapped, it belongs to the device.
  strscpy(buf, MESSAGE, BUF_SIZE);
  const len = strlen(buf) + 1;

  const handle = dma_map_single(dev, buf, BUF_SIZE, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, handle)) {
    dev_err(dev, "dma_map_single() failed\n");
    kfree(buf);
    return -ENOMEM;
  }
  priv.handle = handle;
  dev_info(dev, "buffer at phys %pa mapped DMA_TO_DEVICE: bus address %pad, %d bytes\n", virt_to_phys(buf), handle, BUF_SIZE);

  // Program the card: copy len bytes from our bus address into its buffer, interrupt when done.
  writeq(handle, priv.bar + EDU_DMA_SRC);
  writeq(EDU_BUFFER, priv.bar + EDU_DMA_DST);
  writeq(len, priv.bar + EDU_DMA_CNT);
  writeq(EDU_DMA_START | EDU_DMA_IRQ, priv.bar + EDU_DMA_CMD);
  let ret = 0;
  if (!wait_for_completion_timeout(priv.done, HZ)) {
    dev_err(dev, "DMA timed out\n");
    ret = -ETIMEDOUT;
  }

  // Same handle, size and direction as the map: the buffer is the CPU's again.
  dma_unmap_single(dev, handle, BUF_SIZE, DMA_TO_DEVICE);
  if (!ret) dev_info(dev, "device read %d bytes; buffer unmapped\n", len);
  kfree(buf);
  return ret;
}

function edu_probe(pdev: pci_dev, _id: pci_device_id): number {
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
  const priv: edu_priv = { pdev, bar, done: new completion(), handle: 0 };
  init_completion(priv.done);
  ret = request_irq(pdev.irq, edu_irq, IRQF_SHARED, "dma_map_single", priv);
  if (ret) {
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  pci_set_drvdata(pdev, priv);
  return dma_test(priv) || 0;
}

function edu_remove(pdev: pci_dev): void {
  const priv = pci_get_drvdata<edu_priv>(pdev);
  free_irq(pdev.irq, priv);
  pci_iounmap(pdev, priv.bar);
  pci_disable_device(pdev);
}

const edu_driver: pci_driver = { name: "dma_map_single", id_table: ids, probe: edu_probe, remove: edu_remove };

function dma_map_single_init(): number {
  return pci_register_driver(edu_driver);
}

function dma_map_single_exit(): void {
  pci_unregister_driver(edu_driver);
}

module_init(dma_map_single_init);
module_exit(dma_map_single_exit);
