// isa_bounce whose self-test maps a whole 512 KiB sample buffer at once. The
// card cannot reach the buffer, so the mapping must be bounced, and swiotlb
// bounces at most 256 KiB per mapping (128 slots of 2 KiB that must be
// contiguous; dma_max_mapping_size() says so): the map fails with "swiotlb
// buffer is full", DMA019, at dma_map_single() in isa_transfer(). The driver
// checks the handle and probe fails cleanly. Map what one transfer moves
// (the card takes at most 4 KiB per command), or allocate the buffer where
// the card can reach it (GFP_DMA, dma_alloc_coherent()).

import { complete, completion, init_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_single,
  type dma_data_direction,
} from "linux/dma-mapping";
import { EIO, ENODEV, ENOMEM } from "linux/errno";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, virt_to_phys, writel } from "linux/io";
import { MODULE_DESCRIPTION, MODULE_LICENSE, module_exit, module_init } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_get_drvdata, pci_iomap, pci_iounmap,
  pci_register_driver, pci_set_drvdata, pci_set_master, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { kfree, kmalloc, kzalloc } from "linux/slab";
import { memcmp, strscpy } from "linux/string";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: a 24-bit DMA device and buffers above 16 MiB, bounced through swiotlb");

// The card's BAR0 registers (see sim-core/src/dev/models/isa.ts).
const ISA_ADDR = 0x04, ISA_LEN = 0x08, ISA_CMD = 0x0c, ISA_STATUS = 0x10, ISA_INT_ACK = 0x18;
const ISA_CMD_START = 0x1, ISA_CMD_TO_MEM = 0x2, ISA_CMD_IRQ = 0x4;
const ISA_STATUS_DONE = 0x2, ISA_STATUS_ERR = 0x4;
const HZ = 100;

const BUF_SIZE = 512 * 1024; // BUG: more than swiotlb can bounce in one mapping (256 KiB); map one transfer's worth (1024 as before)
const MESSAGE = "PCM samples for a card that only sees the first 16 MiB";

interface isa_priv { pdev: pci_dev; bar: number; done: completion; status: number }

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x15a0), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

function isa_irq(_irq: number, p: isa_priv): number {
  const status = readl(p.bar + ISA_STATUS);
  if (!(status & (ISA_STATUS_DONE | ISA_STATUS_ERR))) return IRQ_NONE;
  writel(status, p.bar + ISA_INT_ACK);
  p.status = status;
  complete(p.done);
  return IRQ_HANDLED;
}

/**
 * One transfer between buf and the card, through a streaming mapping made
 * for just this transfer. The map copies a TO_DEVICE buffer into its bounce
 * slot; the unmap copies a FROM_DEVICE slot back into the buffer.
 */
function isa_transfer(p: isa_priv, buf: number, dir: dma_data_direction): number {
  const dev = p.pdev.dev;
  const handle = dma_map_single(dev, buf, BUF_SIZE, dir);
  if (dma_mapping_error(dev, handle)) {
    dev_err(dev, "cannot map %d bytes at phys %pa for DMA\n", BUF_SIZE, virt_to_phys(buf));
    return -ENOMEM;
  }
  const phys = virt_to_phys(buf);
  dev_info(dev, "%s: buffer at phys %pa, card given bus address %pad%s\n", dir === DMA_TO_DEVICE ? "to card" : "from card",
    phys, handle, handle !== phys ? " (a swiotlb bounce slot)" : "");

  writel(handle, p.bar + ISA_ADDR);
  writel(BUF_SIZE, p.bar + ISA_LEN);
  writel(ISA_CMD_START | ISA_CMD_IRQ | (dir === DMA_FROM_DEVICE ? ISA_CMD_TO_MEM : 0), p.bar + ISA_CMD);
  let ret = 0;
  if (!wait_for_completion_timeout(p.done, HZ) || p.status & ISA_STATUS_ERR) {
    dev_err(dev, "transfer failed (status %#x)\n", p.status);
    ret = -EIO;
  }
  dma_unmap_single(dev, handle, BUF_SIZE, dir);
  return ret;
}

/** Send a buffer to the card and fetch it back into another: a round trip through the bounce pool. */
function isa_selftest(p: isa_priv): number {
  const out = kzalloc(BUF_SIZE, GFP_KERNEL);
  const back = kmalloc(BUF_SIZE, GFP_KERNEL);
  let ret = -ENOMEM;
  if (out && back) {
    strscpy(out, MESSAGE, BUF_SIZE);
    ret = isa_transfer(p, out, DMA_TO_DEVICE) || isa_transfer(p, back, DMA_FROM_DEVICE);
    if (!ret) dev_info(p.pdev.dev, "round trip through the card: %s\n", memcmp(out, back, BUF_SIZE) ? "DIFFERENT" : "identical");
  }
  kfree(back);
  kfree(out);
  return ret;
}

function isa_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  // Without this the kernel would hand the card addresses it cannot drive.
  ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(24));
  if (ret) {
    dev_err(dev, "24-bit DMA not supported\n");
    pci_disable_device(pdev);
    return ret;
  }
  const bar = pci_iomap(pdev, 0, 0);
  if (!bar) {
    pci_disable_device(pdev);
    return -ENODEV;
  }
  const p: isa_priv = { pdev, bar, done: new completion(), status: 0 };
  init_completion(p.done);
  ret = request_irq(pdev.irq, isa_irq, IRQF_SHARED, "isa_bounce", p);
  if (ret) return fail_iomap(p, ret);
  ret = isa_selftest(p);
  if (ret) {
    free_irq(pdev.irq, p);
    return fail_iomap(p, ret);
  }
  pci_set_drvdata(pdev, p);
  return 0;
}

function fail_iomap(p: isa_priv, ret: number): number {
  pci_iounmap(p.pdev, p.bar);
  pci_disable_device(p.pdev);
  return ret;
}

function isa_remove(pdev: pci_dev): void {
  const p = pci_get_drvdata<isa_priv>(pdev);
  free_irq(pdev.irq, p);
  pci_iounmap(pdev, p.bar);
  pci_disable_device(pdev);
}

const isa_driver: pci_driver = { name: "isa_bounce", id_table: ids, probe: isa_probe, remove: isa_remove };

function isa_bounce_init(): number {
  return pci_register_driver(isa_driver);
}

function isa_bounce_exit(): void {
  pci_unregister_driver(isa_driver);
}

module_init(isa_bounce_init);
module_exit(isa_bounce_exit);
