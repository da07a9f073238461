// nic_tx that gives the card the physical address of each segment
// (sg_phys(), page_to_phys(sg_page(sg)) in C) instead of its bus address
// (sg_dma_address()). Without an IOMMU the two are equal and the bug hides;
// this card sits behind one, its bus addresses are IOVAs, and no mapping
// covers the physical address: the IOMMU blocks the card's read (a DMAR
// fault, DMA024) and the card sends all-ones instead of the frame.

import { complete, completion, init_completion, reinit_completion, wait_for_completion_timeout } from "linux/completion";
import { dev_err, dev_info } from "linux/device";
import {
  DMA_BIT_MASK, DMA_TO_DEVICE, dma_alloc_coherent, dma_free_coherent, dma_map_sg, dma_set_mask_and_coherent,
  dma_set_max_seg_size, dma_sync_sg_for_cpu, dma_sync_sg_for_device, dma_unmap_sg, ref,
} from "linux/dma-mapping";
import { EFAULT, EINVAL, EIO, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL, __free_pages, alloc_pages } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SIZE, page_address, type page } from "linux/mm";
import { MODULE_DESCRIPTION, MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver,
  pci_set_master, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { for_each_sg, sg_dma_address, sg_dma_len, sg_init_table, sg_phys, sg_set_page, type scatterlist } from "linux/scatterlist";
import { memset } from "linux/string";
import { copy_from_user } from "linux/uaccess";
import { load16, store16, store64 } from "faultline/ptr";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: scatter/gather: a NIC transmit path from scattered pages, merged by the IOMMU");

// The card's registers and descriptor layout (see sim-core/src/dev/models/nic.ts).
const NIC_CTRL = 0x04, NIC_INT_STATUS = 0x08, NIC_INT_MASK = 0x0c, NIC_INT_ACK = 0x10;
const NIC_TX_RING_LO = 0x20, NIC_TX_RING_HI = 0x24, NIC_TX_RING_SIZE = 0x28, NIC_TX_TAIL = 0x30;
const NIC_CTRL_TX_EN = 0x2, NIC_CTRL_RESET = 0x80000000, NIC_INT_TX = 0x2;
const DESC_SIZE = 16, DESC_ADDR = 0, DESC_LEN = 8, DESC_STATUS = 10;
const DESC_DD = 0x1;
/** A descriptor's length field is 16 bits: no DMA segment may be longer. */
const NIC_MAX_SEG = 0xffff;
const HZ = 100;

const RING_SIZE = 8;
/** The TX buffer: TX_CHUNKS allocations of 2^TX_CHUNK_ORDER pages each, one sg entry per allocation. */
const TX_CHUNK_ORDER = 0, TX_CHUNKS = 16;
const TX_CHUNK = PAGE_SIZE << TX_CHUNK_ORDER;
const TX_BYTES = TX_CHUNKS * TX_CHUNK;
/** Ethernet's minimum frame: shorter ones are padded, and the padding goes on the wire. */
const ETH_ZLEN = 60;

interface nic_priv {
  pdev: pci_dev;
  bar: number;
  ring: number;          // CPU address of the TX descriptor ring (coherent)
  ring_dma: number;
  chunks: page[];        // the TX buffer's allocations
  sgl: scatterlist[];
  nents: number;         // entries in sgl: what dma_map_sg(), the syncs and dma_unmap_sg() take
  count: number;         // DMA segments dma_map_sg() made of them: what the descriptors take
  tail: number;          // next descriptor to fill
  clean: number;         // next descriptor the card will complete
  done: completion;
}

let nic: nic_priv | null = null;

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x4e10), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

function desc(p: nic_priv, i: number): number { return p.ring + i * DESC_SIZE; }

/** TX done: reclaim the descriptors the card has completed; wake write() when all are. */
function nic_irq(_irq: number, p: nic_priv): number {
  const status = readl(p.bar + NIC_INT_STATUS);
  if (!(status & NIC_INT_TX)) return IRQ_NONE;
  writel(status, p.bar + NIC_INT_ACK);
  while (p.clean !== p.tail && load16(desc(p, p.clean) + DESC_STATUS) & DESC_DD) p.clean = (p.clean + 1) % RING_SIZE;
  if (p.clean === p.tail) complete(p.done);
  return IRQ_HANDLED;
}

/** write(): one frame. The user's bytes go into the TX buffer, then one descriptor per DMA segment they occupy. */
function nic_write(_filp: file, ubuf: number, count: number, _ppos: Ref<number>): number {
  const p = nic!, dev = p.pdev.dev;
  if (count > TX_BYTES) return -EINVAL; // more than the TX buffer holds
  const len = Math.max(count, ETH_ZLEN);

  // The buffer was the device's: take it back before the CPU writes it.
  dma_sync_sg_for_cpu(dev, p.sgl, p.nents, DMA_TO_DEVICE);
  let left = 0;
  for (let off = 0, i = 0; off < count && !left; off += TX_CHUNK, i++) {
    left = copy_from_user(page_address(p.chunks[i]), ubuf + off, Math.min(TX_CHUNK, count - off));
  }
  // A short frame is padded to the minimum: with zeros, not with whatever the pages held before.
  if (count < ETH_ZLEN) memset(page_address(p.chunks[0]) + count, 0, ETH_ZLEN - count);
  // And hand it back, so the device sees what the CPU wrote.
  dma_sync_sg_for_device(dev, p.sgl, p.nents, DMA_TO_DEVICE);
  if (left) return -EFAULT;

  // One descriptor per DMA segment the frame covers (sg_dma_*: the bus side of the mapping).
  let posted = 0, rest = len;
  for (const sg of for_each_sg(p.sgl, p.count)) {
    if (rest === 0) break;
    const n = Math.min(rest, sg_dma_len(sg));
    const d = desc(p, p.tail);
    store64(d + DESC_ADDR, sg_phys(sg)); // BUG: a physical address, not the bus address the mapping gave: use sg_dma_address(sg)
    store16(d + DESC_LEN, n);
    store16(d + DESC_STATUS, 0);
    p.tail = (p.tail + 1) % RING_SIZE;
    rest -= n;
    posted++;
  }
  reinit_completion(p.done);
  writel(p.tail, p.bar + NIC_TX_TAIL); // the descriptors are complete before the card hears of them
  if (!wait_for_completion_timeout(p.done, HZ)) {
    dev_err(dev, "TX of %zu bytes timed out\n", len);
    return -EIO;
  }
  dev_info(dev, "sent a %zu-byte frame in %d descriptor%s\n", len, posted, posted === 1 ? "" : "s");
  return count;
}

const nic_fops: file_operations = { owner: THIS_MODULE, write: nic_write };
const nic_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "nic_tx", fops: nic_fops };

/** The TX buffer: its allocations, the scatterlist over them, and the mapping. */
function nic_tx_buffer(p: nic_priv): number {
  const dev = p.pdev.dev;
  for (let i = 0; i < TX_CHUNKS; i++) {
    const pg = alloc_pages(GFP_KERNEL, TX_CHUNK_ORDER);
    if (!pg) return -ENOMEM;
    p.chunks.push(pg);
  }
  sg_init_table(p.sgl, TX_CHUNKS);
  for (let i = 0; i < TX_CHUNKS; i++) sg_set_page(p.sgl[i], p.chunks[i], TX_CHUNK, 0);
  p.nents = TX_CHUNKS;
  p.count = dma_map_sg(dev, p.sgl, p.nents, DMA_TO_DEVICE);
  if (!p.count) return -ENOMEM;
  dev_info(dev, "TX buffer: nents %d (%d bytes each), mapped as DMA segments: %d\n", p.nents, TX_CHUNK, p.count);
  for (const [i, sg] of for_each_sg(p.sgl, p.count).entries()) dev_info(dev, "  segment %d: bus address %pad, %u bytes\n", i, sg_dma_address(sg), sg_dma_len(sg));
  return 0;
}

function nic_tx_buffer_free(p: nic_priv): void {
  if (p.count) dma_unmap_sg(p.pdev.dev, p.sgl, p.nents, DMA_TO_DEVICE);
  p.count = 0;
  for (const pg of p.chunks.splice(0)) __free_pages(pg, TX_CHUNK_ORDER);
}

function nic_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
  // Tell the DMA layer what a descriptor can carry, so that no segment it builds is longer.
  if (!ret) ret = dma_set_max_seg_size(dev, NIC_MAX_SEG);
  const bar = ret ? 0 : pci_iomap(pdev, 0, 0);
  if (!bar) {
    pci_disable_device(pdev);
    return ret || -ENODEV;
  }
  const ring_dma = ref(0);
  const ring = dma_alloc_coherent(dev, RING_SIZE * DESC_SIZE, ring_dma, GFP_KERNEL);
  if (!ring) {
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return -ENOMEM;
  }
  const p: nic_priv = {
    pdev, bar, ring, ring_dma: ring_dma.value, chunks: [], sgl: [], nents: 0, count: 0, tail: 0, clean: 0, done: new completion(),
  };
  init_completion(p.done);
  ret = nic_tx_buffer(p);
  if (!ret) {
    writel(p.ring_dma % 2 ** 32, bar + NIC_TX_RING_LO);
    writel(Math.floor(p.ring_dma / 2 ** 32), bar + NIC_TX_RING_HI);
    writel(RING_SIZE, bar + NIC_TX_RING_SIZE);
    ret = request_irq(pdev.irq, nic_irq, IRQF_SHARED, "nic_tx", p);
  }
  if (!ret) {
    nic = p;
    ret = misc_register(nic_misc);
    if (ret) {
      nic = null;
      free_irq(pdev.irq, p);
    }
  }
  if (ret) {
    nic_tx_buffer_free(p);
    dma_free_coherent(dev, RING_SIZE * DESC_SIZE, ring, p.ring_dma);
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  writel(NIC_INT_TX, bar + NIC_INT_MASK);
  writel(NIC_CTRL_TX_EN, bar + NIC_CTRL);
  dev_info(dev, "TX ring of %d descriptors at %pad\n", RING_SIZE, p.ring_dma);
  return 0;
}

function nic_remove(pdev: pci_dev): void {
  const p = nic!;
  misc_deregister(nic_misc);
  free_irq(pdev.irq, p);
  writel(NIC_CTRL_RESET, p.bar + NIC_CTRL); // the card lets go of the ring and the buffer first
  nic_tx_buffer_free(p);
  dma_free_coherent(pdev.dev, RING_SIZE * DESC_SIZE, p.ring, p.ring_dma);
  pci_iounmap(pdev, p.bar);
  pci_disable_device(pdev);
  nic = null;
}

const nic_driver: pci_driver = { name: "nic_tx", id_table: ids, probe: nic_probe, remove: nic_remove };

function nic_tx_init(): number {
  return pci_register_driver(nic_driver);
}

function nic_tx_exit(): void {
  pci_unregister_driver(nic_driver);
}

module_init(nic_tx_init);
module_exit(nic_tx_exit);
