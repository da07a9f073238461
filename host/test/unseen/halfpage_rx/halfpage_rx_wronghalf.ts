// igb/ixgbe-style receive: one page per ring slot, mapped once for the
// driver's lifetime, split in two 2 KiB halves. The card fills one half while
// the CPU still holds the other; each half changes hands on its own with
// dma_sync_single_range_for_cpu()/_for_device(). Packets are copied out of
// the half the CPU owns and queued for read().

import { dev_warn } from "linux/device";
import {
  DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_page, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_page,
  dma_alloc_coherent, dma_free_coherent, dma_sync_single_range_for_cpu, dma_sync_single_range_for_device, ref,
} from "linux/dma-mapping";
import { EAGAIN, EFAULT, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_ATOMIC, GFP_KERNEL, alloc_page, __free_page } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel } from "linux/io";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { page_address, PAGE_SIZE, type page } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { kfree, kmalloc } from "linux/slab";
import { DEFINE_SPINLOCK, spin_lock_irqsave, spin_unlock_irqrestore } from "linux/spinlock";
import { memcpy } from "linux/string";
import { copy_to_user } from "linux/uaccess";
import { load16, store16, store32, store64 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const REG = { CTRL: 0x04, ISR: 0x08, IMR: 0x0c, IACK: 0x10, RDBAL: 0x40, RDBAH: 0x44, RDLEN: 0x48, RDT: 0x50 } as const;
const CTRL_RXEN = 1, CTRL_RST = 0x80000000, INT_RXDONE = 1;
const DESC_BYTES = 16, DD = 1;
const NDESC = 4;
const HALF = PAGE_SIZE / 2;

class RxSlot {
  constructor(public pg: page, public dma: number, public off = 0) {}
}

class RxRing {
  slots: Array<RxSlot | null> = new Array<RxSlot | null>(NDESC).fill(null);
  desc = 0;
  desc_dma = 0;
  ntc = 0;   // next to clean
  ntu = 0;   // next to use
  constructor(readonly pdev: pci_dev, readonly hw: number) {}

  descAt(i: number): number { return this.desc + i * DESC_BYTES; }

  /** Points slot i's descriptor at its current half and gives that half to the card. */
  arm(i: number): void {
    const s = this.slots[i]!;
    dma_sync_single_range_for_device(this.pdev.dev, s.dma, s.off, HALF, DMA_FROM_DEVICE);
    store64(this.descAt(i), s.dma + s.off);
    store16(this.descAt(i) + 8, HALF);
    store16(this.descAt(i) + 10, 0);
    this.ntu = (i + 1) % NDESC;
    writel(this.ntu, this.hw + REG.RDT);
  }
}

const queue: Array<{ data: number; len: number }> = [];
const qlock = DEFINE_SPINLOCK("hp_qlock");
let ring: RxRing | null = null;

function slot_alloc(r: RxRing): RxSlot | null {
  const pg = alloc_page(GFP_KERNEL);
  if (!pg) return null;
  const dma = dma_map_page(r.pdev.dev, pg, 0, PAGE_SIZE, DMA_FROM_DEVICE);
  if (dma_mapping_error(r.pdev.dev, dma)) {
    __free_page(pg);
    return null;
  }
  return new RxSlot(pg, dma);
}

function slot_release(r: RxRing, s: RxSlot): void {
  dma_unmap_page(r.pdev.dev, s.dma, PAGE_SIZE, DMA_FROM_DEVICE);
  __free_page(s.pg);
}

function clean_rx(r: RxRing): number {
  let done = 0;
  while (true) {
    const i = r.ntc, d = r.descAt(i);
    if ((load16(d + 10) & DD) === 0) return done;
    const len = load16(d + 8);
    const s = r.slots[i]!;
    // Only this half comes back to the CPU; the other one may still be the card's.
    dma_sync_single_range_for_cpu(r.pdev.dev, s.dma, 0, len, DMA_FROM_DEVICE); // BUG: syncs from the start of the page, not the half the card filled
    const copy = kmalloc(len, GFP_ATOMIC);
    if (copy) {
      memcpy(copy, page_address(s.pg) + s.off, len); // REPORTED: the read of the half the sync did not cover
      const flags = spin_lock_irqsave(qlock);
      queue.push({ data: copy, len });
      spin_unlock_irqrestore(qlock, flags);
    } else {
      dev_warn(r.pdev.dev, "dropping a %u-byte packet\n", len);
    }
    s.off ^= HALF; // flip: the card gets the other half next
    r.ntc = (i + 1) % NDESC;
    // Reuse the page at next-to-use, as igb_reuse_rx_page() does: the slots trade places.
    const j = r.ntu;
    r.slots[i] = r.slots[j];
    r.slots[j] = s;
    r.arm(j);
    done++;
  }
}

function hp_isr(_irq: number, r: RxRing): number {
  const isr = readl(r.hw + REG.ISR);
  if (!(isr & INT_RXDONE)) return IRQ_NONE;
  writel(isr, r.hw + REG.IACK);
  clean_rx(r);
  return IRQ_HANDLED;
}

function hp_read(_f: file, ubuf: number, count: number, _pos: Ref<number>): number {
  const flags = spin_lock_irqsave(qlock);
  const pkt = queue.shift();
  spin_unlock_irqrestore(qlock, flags);
  if (!pkt) return -EAGAIN;
  const n = Math.min(pkt.len, count);
  const left = copy_to_user(ubuf, pkt.data, n);
  kfree(pkt.data);
  return left ? -EFAULT : n;
}

const hp_fops: file_operations = { owner: THIS_MODULE, read: hp_read };
const hp_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hprx", fops: hp_fops };

function ring_free(r: RxRing): void {
  for (const s of r.slots) if (s) slot_release(r, s);
  r.slots.fill(null);
  if (r.desc) dma_free_coherent(r.pdev.dev, NDESC * DESC_BYTES, r.desc, r.desc_dma);
  r.desc = 0;
}

function hp_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  pci_set_master(pdev);
  let hw = 0;
  let r: RxRing | null = null;
  setup: {
    err = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(64));
    if (err) break setup;
    hw = pci_iomap(pdev, 0, 0);
    if (!hw) { err = -ENODEV; break setup; }
    r = new RxRing(pdev, hw);
    const h = ref(0);
    r.desc = dma_alloc_coherent(pdev.dev, NDESC * DESC_BYTES, h, GFP_KERNEL);
    r.desc_dma = h.value;
    if (!r.desc) { err = -ENOMEM; break setup; }
    for (let i = 0; i < NDESC; i++) store32(r.descAt(i) + 12, 0);
    for (let i = 0; i < NDESC; i++) {
      r.slots[i] = slot_alloc(r);
      if (!r.slots[i]) { err = -ENOMEM; break setup; }
    }
    writel(r.desc_dma % 2 ** 32, hw + REG.RDBAL);
    writel(Math.floor(r.desc_dma / 2 ** 32), hw + REG.RDBAH);
    writel(NDESC, hw + REG.RDLEN);
    err = request_irq(pdev.irq, hp_isr, IRQF_SHARED, "hprx", r);
    if (err) break setup;
    ring = r;
    err = misc_register(hp_misc);
    if (err) { ring = null; free_irq(pdev.irq, r); break setup; }
    for (let i = 0; i < NDESC - 1; i++) r.arm(i);
    writel(INT_RXDONE, hw + REG.IMR);
    writel(CTRL_RXEN, hw + REG.CTRL);
    return 0;
  }
  if (r) ring_free(r);
  if (hw) pci_iounmap(pdev, hw);
  pci_disable_device(pdev);
  return err;
}

function hp_remove(pdev: pci_dev): void {
  const r = ring!;
  misc_deregister(hp_misc);
  writel(CTRL_RST, r.hw + REG.CTRL);
  free_irq(pdev.irq, r);
  ring_free(r);
  for (const p of queue.splice(0)) kfree(p.data);
  pci_iounmap(pdev, r.hw);
  pci_disable_device(pdev);
  ring = null;
}

const hp_ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x4e10), { vendor: 0, device: 0 }];
const hp_driver: pci_driver = { name: "hprx", id_table: hp_ids, probe: hp_probe, remove: hp_remove };

module_init(() => pci_register_driver(hp_driver));
module_exit(() => pci_unregister_driver(hp_driver));
