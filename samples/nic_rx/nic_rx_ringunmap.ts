// nic_rx with the descriptor ring given back the wrong way: the teardown
// "unmaps" the coherent ring with dma_unmap_single() as it does the packet
// buffers. dma-debug reports the wrong function (DMA006) and forgets the
// entry; the ring's pages are never freed.
//
// The receive half of a network driver (LDD3 ch. 15's streaming mappings,
// as ch. 17's drivers use them): a ring of descriptors in coherent memory,
// shared with the card for the driver's lifetime, each pointing at a packet
// buffer mapped DMA_FROM_DEVICE. The card fills buffers and interrupts; the
// handler unmaps each filled buffer, queues it for read() and posts a fresh
// one in its place. /dev/nic_rx hands out one packet per read().

import { dev_err, dev_info } from "linux/device";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, dma_alloc_coherent, dma_map_single, dma_mapping_error,
  dma_set_mask_and_coherent, dma_unmap_single, ref,
} from "linux/dma-mapping";
import { EFAULT, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_ATOMIC, GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_DESCRIPTION, MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver,
  pci_set_master, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { kfree, kmalloc } from "linux/slab";
import { copy_to_user } from "linux/uaccess";
import { DECLARE_WAIT_QUEUE_HEAD, wait_event_interruptible, wake_up_interruptible } from "linux/wait";
import { load16, store16, store32, store64 } from "faultline/ptr";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LDD3 ch. 15/17: a NIC receive ring: coherent descriptors, streaming packet buffers");

// The card's registers and descriptor layout (see sim-core/src/dev/models/nic.ts).
const NIC_CTRL = 0x04, NIC_INT_STATUS = 0x08, NIC_INT_MASK = 0x0c, NIC_INT_ACK = 0x10;
const NIC_RX_RING_LO = 0x40, NIC_RX_RING_HI = 0x44, NIC_RX_RING_SIZE = 0x48, NIC_RX_TAIL = 0x50;
const NIC_CTRL_RX_EN = 0x1, NIC_CTRL_RESET = 0x80000000, NIC_INT_RX = 0x1;
const DESC_SIZE = 16, DESC_ADDR = 0, DESC_LEN = 8, DESC_STATUS = 10;
const DESC_DD = 0x1;

const RING_SIZE = 4;   // descriptors; the card owns at most RING_SIZE - 1 (HEAD == TAIL means none)
const RX_BUF_SIZE = 256;

interface nic_priv {
  pdev: pci_dev;
  bar: number;
  ring: number;          // CPU address of the descriptor ring (coherent)
  ring_dma: number;      // its bus address
  buf: number[];         // per slot: the posted buffer (0: none)
  buf_dma: number[];     // and its mapping
  next_to_clean: number; // the next slot the card will fill
  tail: number;          // the next slot to post a buffer in (what RX_TAIL says)
}

/** Received packets waiting for read(): kmalloc()ed buffers the driver now owns. */
const rxq: Array<{ buf: number; len: number }> = [];
const rx_wait = DECLARE_WAIT_QUEUE_HEAD();
let nic: nic_priv | null = null;

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x4e10), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

function desc(p: nic_priv, i: number): number { return p.ring + i * DESC_SIZE; }

/** Gives slot `tail` a fresh mapped buffer and passes it to the card. */
function nic_post_buffer(p: nic_priv, gfp: number): number {
  const dev = p.pdev.dev, i = p.tail;
  const buf = kmalloc(RX_BUF_SIZE, gfp);
  if (!buf) return -ENOMEM;
  const dma = dma_map_single(dev, buf, RX_BUF_SIZE, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, dma)) {
    kfree(buf);
    return -ENOMEM;
  }
  p.buf[i] = buf;
  p.buf_dma[i] = dma;
  store64(desc(p, i) + DESC_ADDR, dma);
  store16(desc(p, i) + DESC_LEN, RX_BUF_SIZE);
  store16(desc(p, i) + DESC_STATUS, 0);
  p.tail = (i + 1) % RING_SIZE;
  writel(p.tail, p.bar + NIC_RX_TAIL); // the descriptor is complete before the card hears of it
  return 0;
}

/** Every filled descriptor: unmap its buffer, queue it, post a fresh one. */
function nic_irq(_irq: number, p: nic_priv): number {
  const status = readl(p.bar + NIC_INT_STATUS);
  if (!(status & NIC_INT_RX)) return IRQ_NONE;
  writel(status, p.bar + NIC_INT_ACK);
  const dev = p.pdev.dev;
  for (;;) {
    const i = p.next_to_clean, d = desc(p, i);
    if (!(load16(d + DESC_STATUS) & DESC_DD)) break;
    const len = load16(d + DESC_LEN);
    // The unmap ends the device's ownership: from here on the CPU may read the packet.
    dma_unmap_single(dev, p.buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
    rxq.push({ buf: p.buf[i], len });
    p.buf[i] = 0;
    p.next_to_clean = (i + 1) % RING_SIZE;
    if (nic_post_buffer(p, GFP_ATOMIC)) dev_err(dev, "no memory for an RX buffer: the ring shrinks\n");
  }
  wake_up_interruptible(rx_wait);
  return IRQ_HANDLED;
}

/** read(): one packet per call (truncated to count), waiting for one if none has arrived. */
function nic_read(_filp: file, ubuf: number, count: number, _ppos: Ref<number>): number {
  const r = wait_event_interruptible(rx_wait, () => rxq.length > 0);
  if (r) return r;
  const pkt = rxq.shift()!;
  const n = Math.min(count, pkt.len);
  const left = copy_to_user(ubuf, pkt.buf, n);
  kfree(pkt.buf);
  return left ? -EFAULT : n;
}

const nic_fops: file_operations = { owner: THIS_MODULE, read: nic_read };
const nic_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "nic_rx", fops: nic_fops };

/** Stops the card, then gives back every posted buffer and the ring. */
function nic_teardown(p: nic_priv): void {
  writel(NIC_CTRL_RESET, p.bar + NIC_CTRL); // the card lets go of the ring before we free it
  for (let i = 0; i < RING_SIZE; i++) {
    if (!p.buf[i]) continue;
    dma_unmap_single(p.pdev.dev, p.buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
    kfree(p.buf[i]);
    p.buf[i] = 0;
  }
  // BUG: the ring came from dma_alloc_coherent(): it goes back with dma_free_coherent(), not dma_unmap_single()
  dma_unmap_single(p.pdev.dev, p.ring_dma, RING_SIZE * DESC_SIZE, DMA_FROM_DEVICE);
}

function nic_probe(pdev: pci_dev, _id: pci_device_id): number {
  const dev = pdev.dev;
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
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
  const p: nic_priv = { pdev, bar, ring, ring_dma: ring_dma.value, buf: new Array<number>(RING_SIZE).fill(0), buf_dma: new Array<number>(RING_SIZE).fill(0), next_to_clean: 0, tail: 0 };
  for (let i = 0; i < RING_SIZE; i++) store32(desc(p, i) + 12, 0);

  writel(p.ring_dma % 2 ** 32, bar + NIC_RX_RING_LO);
  writel(Math.floor(p.ring_dma / 2 ** 32), bar + NIC_RX_RING_HI);
  writel(RING_SIZE, bar + NIC_RX_RING_SIZE);
  ret = request_irq(pdev.irq, nic_irq, IRQF_SHARED, "nic_rx", p);
  for (let i = 0; !ret && i < RING_SIZE - 1; i++) ret = nic_post_buffer(p, GFP_KERNEL);
  if (!ret) {
    nic = p;
    ret = misc_register(nic_misc);
  }
  if (ret) {
    nic = null;
    free_irq(pdev.irq, p); // (warned about if request_irq() was what failed: a sample keeps it short)
    nic_teardown(p);
    pci_iounmap(pdev, bar);
    pci_disable_device(pdev);
    return ret;
  }
  writel(NIC_INT_RX, bar + NIC_INT_MASK);
  writel(NIC_CTRL_RX_EN, bar + NIC_CTRL);
  dev_info(dev, "RX ring of %d descriptors at %pad, %d buffers of %d bytes posted\n", RING_SIZE, p.ring_dma, RING_SIZE - 1, RX_BUF_SIZE);
  return 0;
}

function nic_remove(pdev: pci_dev): void {
  const p = nic!;
  misc_deregister(nic_misc);
  free_irq(pdev.irq, p);
  nic_teardown(p);
  for (const pkt of rxq.splice(0)) kfree(pkt.buf);
  pci_iounmap(pdev, p.bar);
  pci_disable_device(pdev);
  nic = null;
}

const nic_driver: pci_driver = { name: "nic_rx", id_table: ids, probe: nic_probe, remove: nic_remove };

function nic_rx_init(): number {
  return pci_register_driver(nic_driver);
}

function nic_rx_exit(): void {
  pci_unregister_driver(nic_driver);
}

module_init(nic_rx_init);
module_exit(nic_rx_exit);
