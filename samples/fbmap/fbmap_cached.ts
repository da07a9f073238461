// fbmap with the protection left as it is: mmap() marks the VMA VM_IO |
// VM_PFNMAP but keeps vm_page_prot cacheable, so the fault handler's
// vmf_insert_pfn() maps video memory write-back cached. Pixels then sit in
// the CPU cache instead of reaching the card. Trips MM007 at the first fault.

import { PAGE_SHIFT } from "asm/page";
import { dev_err, dev_info } from "linux/device";
import { EINVAL, ENODEV, ENOTTY } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { readl, writel } from "linux/io";
import { _IO } from "linux/ioctl";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import {
  PFN_DOWN, VM_DONTDUMP, VM_DONTEXPAND, VM_FAULT_SIGBUS, VM_IO, VM_PFNMAP, vm_flags_set, vma_pages, vmf_insert_pfn,
  type vm_area_struct, type vm_fault, type vm_operations_struct,
} from "linux/mm";
import { MODULE_DESCRIPTION, MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import {
  MODULE_DEVICE_TABLE, PCI_DEVICE, pci_disable_device, pci_enable_device, pci_get_drvdata, pci_iomap, pci_iounmap, pci_register_driver,
  pci_release_regions, pci_request_regions, pci_resource_len, pci_resource_start, pci_set_drvdata, pci_unregister_driver,
  type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A frame buffer mapped to user space page by page from a fault handler (vmf_insert_pfn)");

const FB_ID = 0x00, FB_WIDTH = 0x04, FB_HEIGHT = 0x08, FB_BPP = 0x0c, FB_CTRL = 0x14, FB_FLUSH = 0x18, FB_FRAMES = 0x1c;
const FB_CTRL_ENABLE = 0x1;
const FB_MAGIC = 0x46420001;
const FBMAP_PRESENT = _IO("F", 0);

interface fbmap_dev {
  pdev: pci_dev;
  regs: number;
  /** Bus address and size of the video memory (BAR0). */
  vram_start: number;
  vram_len: number;
}

/** The one card this driver drives (its misc device has no per-card state). */
let fb: fbmap_dev | null = null;

/** A page of video memory, inserted where user space touched the mapping. */
function fbmap_fault(vmf: vm_fault): number {
  const dev = vmf.vma.vm_private_data as fbmap_dev;
  // vmf.pgoff already counts from the start of video memory (vm_pgoff included).
  if (vmf.pgoff >= dev.vram_len >> PAGE_SHIFT) return VM_FAULT_SIGBUS;
  return vmf_insert_pfn(vmf.vma, vmf.address, PFN_DOWN(dev.vram_start) + vmf.pgoff);
}

const fbmap_vm_ops: vm_operations_struct = { fault: fbmap_fault };

function fbmap_mmap(_filp: file, vma: vm_area_struct): number {
  const dev = fb;
  if (!dev) return -ENODEV;
  const pages = dev.vram_len >> PAGE_SHIFT;
  // The window user space asked for must lie inside video memory.
  if (vma.vm_pgoff >= pages || vma_pages(vma) > pages - vma.vm_pgoff) return -EINVAL;
  // Device memory: no struct page behind it, never expanded, never in a core dump.
  vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
  vma.vm_private_data = dev;
  // BUG: vm_page_prot stays cacheable: vma.vm_page_prot = pgprot_writecombine(vma.vm_page_prot) (or pgprot_noncached()) belongs here.
  vma.vm_ops = fbmap_vm_ops;
  return 0;
}

function fbmap_ioctl(_filp: file, cmd: number, _arg: number): number {
  const dev = fb;
  if (!dev) return -ENODEV;
  if (cmd !== FBMAP_PRESENT) return -ENOTTY;
  writel(1, dev.regs + FB_FLUSH);
  return readl(dev.regs + FB_FRAMES);
}

const fbmap_fops: file_operations = { owner: THIS_MODULE, mmap: fbmap_mmap, unlocked_ioctl: fbmap_ioctl };
const fbmap_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "fbmap", fops: fbmap_fops };

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0xfb00), { vendor: 0, device: 0 }];
MODULE_DEVICE_TABLE("pci", ids);

function fbmap_probe(pdev: pci_dev, _id: pci_device_id): number {
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  ret = pci_request_regions(pdev, "fbmap");
  if (ret) {
    pci_disable_device(pdev);
    return ret;
  }
  const regs = pci_iomap(pdev, 1, 0);
  if (!regs) {
    ret = -ENODEV;
    pci_release_regions(pdev);
    pci_disable_device(pdev);
    return ret;
  }
  if (readl(regs + FB_ID) !== FB_MAGIC) {
    dev_err(pdev.dev, "not a frame buffer card\n");
    pci_iounmap(pdev, regs);
    pci_release_regions(pdev);
    pci_disable_device(pdev);
    return -ENODEV;
  }
  const dev: fbmap_dev = { pdev, regs, vram_start: pci_resource_start(pdev, 0), vram_len: pci_resource_len(pdev, 0) };
  pci_set_drvdata(pdev, dev);
  fb = dev;
  writel(FB_CTRL_ENABLE, regs + FB_CTRL);
  ret = misc_register(fbmap_misc);
  if (ret) {
    fb = null;
    writel(0, regs + FB_CTRL);
    pci_iounmap(pdev, regs);
    pci_release_regions(pdev);
    pci_disable_device(pdev);
    return ret;
  }
  dev_info(pdev.dev, "%ux%u, %u bpp, %lu KiB of video memory at %pa\n",
    readl(regs + FB_WIDTH), readl(regs + FB_HEIGHT), readl(regs + FB_BPP), dev.vram_len >> 10, dev.vram_start);
  return 0;
}

function fbmap_remove(pdev: pci_dev): void {
  const dev = pci_get_drvdata<fbmap_dev>(pdev);
  misc_deregister(fbmap_misc);
  fb = null;
  writel(0, dev.regs + FB_CTRL);
  pci_iounmap(pdev, dev.regs);
  pci_release_regions(pdev);
  pci_disable_device(pdev);
}

const fbmap_driver: pci_driver = { name: "fbmap", id_table: ids, probe: fbmap_probe, remove: fbmap_remove };

function fbmap_init(): number {
  return pci_register_driver(fbmap_driver);
}

function fbmap_exit(): void {
  pci_unregister_driver(fbmap_driver);
}

module_init(fbmap_init);
module_exit(fbmap_exit);
