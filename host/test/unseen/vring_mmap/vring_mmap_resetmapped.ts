// A virtio-flavoured request ring in coherent memory, shared three ways: the
// driver, the card (edu's DMA engine), and the user program, which maps it
// with mmap() (dma_mmap_coherent()). The program writes a request into the
// "avail" half, kicks with an ioctl, and finds the card's answer in the
// "used" half without a copy. The ring may be reset (reallocated) only while
// nobody has it mapped: the VMA's open/close keep the count.

import { completion, complete, init_completion, wait_for_completion_timeout } from "linux/completion";
import {
  DMA_BIT_MASK, dma_alloc_coherent, dma_free_coherent, dma_mmap_coherent, dma_set_mask_and_coherent, ref,
} from "linux/dma-mapping";
import { EINVAL, EIO, ENODEV, ENOMEM, ENOTTY } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, request_irq } from "linux/interrupt";
import { readl, writel, writeq } from "linux/io";
import { _IO, _IOR } from "linux/ioctl";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SIZE, type vm_area_struct, type vm_operations_struct } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock } from "linux/mutex";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_set_master,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { pr_info } from "linux/printk";
import { put_user } from "linux/uaccess";
import { load32 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const VR_MAGIC = 0x76;
const VR_KICK = _IO(VR_MAGIC, 1);
const VR_RESET = _IO(VR_MAGIC, 2);
const VR_GEN = _IOR(VR_MAGIC, 3, 4);
const RING_BYTES = 2 * PAGE_SIZE;
const USED_OFF = PAGE_SIZE;
const CARD_MEM = 0x40000;

type Ring = { cpu: number; bus: number; gen: number };

function makeVring(pdev: pci_dev, mmio: number) {
  const lock = DEFINE_MUTEX("vr_lock");
  const irq_done = new completion();
  init_completion(irq_done);
  let ring: Ring | null = null;
  let mappers = 0;
  let generation = 0;

  const alloc = (): number => {
    const h = ref(0);
    const cpu = dma_alloc_coherent(pdev.dev, RING_BYTES, h, GFP_KERNEL);
    if (!cpu) return -ENOMEM;
    ring = { cpu, bus: h.value, gen: ++generation };
    return 0;
  };
  const release = (): void => {
    if (!ring) return;
    dma_free_coherent(pdev.dev, RING_BYTES, ring.cpu, ring.bus);
    ring = null;
  };
  const engine = (src: number, dst: number, n: number, toRam: boolean): number => {
    writeq(src, mmio + 0x80);
    writeq(dst, mmio + 0x88);
    writeq(n, mmio + 0x90);
    writeq(0x1 | 0x4 | (toRam ? 0x2 : 0), mmio + 0x98);
    return wait_for_completion_timeout(irq_done, 100) ? 0 : -EIO;
  };

  const vm_ops: vm_operations_struct = {
    open: () => { mutex_lock(lock); mappers++; mutex_unlock(lock); },
    close: () => { mutex_lock(lock); mappers--; mutex_unlock(lock); },
  };

  return {
    irq(_n: number): number {
      const st = readl(mmio + 0x24);
      if (!st) return IRQ_NONE;
      writel(st, mmio + 0x64);
      complete(irq_done);
      return IRQ_HANDLED;
    },
    mmap(_f: file, vma: vm_area_struct): number {
      mutex_lock(lock);
      try {
        if (!ring) return -ENODEV;
        // dma_mmap_coherent() refuses a window that does not fit; its answer is ours.
        const err = dma_mmap_coherent(pdev.dev, vma, ring.cpu, ring.bus, RING_BYTES);
        if (err) return err;
        vma.vm_ops = vm_ops;
        mappers++;
        return 0;
      } finally {
        mutex_unlock(lock);
      }
    },
    ioctl(_f: file, cmd: number, arg: number): number {
      mutex_lock(lock);
      let ret = 0;
      switch (cmd) {
        case VR_KICK: {
          if (!ring) { ret = -ENODEV; break; }
          const len = load32(ring.cpu);
          if (len === 0 || len > PAGE_SIZE - 4) { ret = -EINVAL; break; }
          ret = engine(ring.bus + 4, CARD_MEM, len, false) || engine(CARD_MEM, ring.bus + USED_OFF, len, true);
          if (!ret) ret = len;
          break;
        }
        case VR_RESET:
          release(); // BUG: frees the ring while user space may still have it mapped: refuse with -EBUSY while mappers > 0
          ret = alloc();
          break;
        case VR_GEN:
          ret = put_user(ring ? ring.gen : 0, arg, 4);
          break;
        default:
          ret = -ENOTTY;
      }
      mutex_unlock(lock);
      return ret;
    },
    alloc,
    release,
  };
}

let vr: ReturnType<typeof makeVring> | null = null;
let vr_pdev: pci_dev | null = null;
let vr_mmio = 0;

const fops: file_operations = {
  owner: THIS_MODULE,
  mmap: (f, vma) => vr!.mmap(f, vma),
  unlocked_ioctl: (f, cmd, arg) => vr!.ioctl(f, cmd, arg),
};
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "vring", fops };

function vr_irq(irq: number, _dev: unknown): number {
  return vr ? vr.irq(irq) : IRQ_NONE;
}

function vr_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  pci_set_master(pdev);
  err = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28));
  if (err) { pci_disable_device(pdev); return err; }
  const mmio = pci_iomap(pdev, 0, 0);
  if (!mmio) { pci_disable_device(pdev); return -ENODEV; }
  const v = makeVring(pdev, mmio);
  err = v.alloc();
  if (err) {
    pci_iounmap(pdev, mmio);
    pci_disable_device(pdev);
    return err;
  }
  vr = v; vr_pdev = pdev; vr_mmio = mmio;
  err = request_irq(pdev.irq, vr_irq, IRQF_SHARED, "vring", v);
  if (!err) err = misc_register(misc);
  else { v.release(); }
  if (err) {
    vr = null;
    pci_iounmap(pdev, mmio);
    pci_disable_device(pdev);
    return err;
  }
  pr_info("vring: %d-byte ring shared with the card and user space\n", RING_BYTES);
  return 0;
}

function vr_remove(pdev: pci_dev): void {
  misc_deregister(misc);
  free_irq(pdev.irq, vr);
  vr!.release();
  pci_iounmap(pdev, vr_mmio);
  pci_disable_device(pdev);
  vr = null; vr_pdev = null;
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "vring", id_table: ids, probe: vr_probe, remove: vr_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => { pci_unregister_driver(drv); void vr_pdev; });
