// A "window" onto part of a frame buffer: the mmap offset selects a band of
// rows, and the pages are supplied lazily by a fault handler with
// vmf_insert_pfn() under an uncached protection (video memory is device
// memory). The fault handler finds its band through vm_private_data.

import { EINVAL, ENODEV } from "linux/errno";
import type { file, file_operations } from "linux/fs";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import {
  PAGE_SIZE, PFN_DOWN, VM_DONTEXPAND, VM_FAULT_SIGBUS, VM_IO, VM_PFNMAP, pgprot_noncached, vm_flags_set, vmf_insert_pfn,
  type vm_area_struct, type vm_fault, type vm_operations_struct,
} from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_register_driver, pci_request_regions, pci_release_regions,
  pci_resource_len, pci_resource_start, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";

MODULE_LICENSE("GPL");

const STRIDE = 2560;
type Band = { base_pfn: number; pages: number };
let vram = { start: 0, len: 0 };

function bandFault(vmf: vm_fault): number {
  const band = vmf.vma.vm_private_data as Band;
  const idx = (vmf.address - vmf.vma.vm_start) / PAGE_SIZE;
  if (idx >= band.pages) return VM_FAULT_SIGBUS;
  return vmf_insert_pfn(vmf.vma, vmf.address, band.base_pfn + idx);
}

const band_ops: vm_operations_struct = { fault: bandFault };

function fbw_mmap(_f: file, vma: vm_area_struct): number {
  const first = vma.vm_pgoff * PAGE_SIZE;
  const len = vma.vm_end - vma.vm_start;
  if (!vram.len || first >= vram.len || len > vram.len - first) return -EINVAL;
  vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND);
  vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot);
  vma.vm_private_data = { base_pfn: PFN_DOWN(vram.start + first), pages: len / PAGE_SIZE } satisfies Band;
  vma.vm_ops = band_ops;
  return 0;
}

const fops: file_operations = { owner: THIS_MODULE, mmap: fbw_mmap };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "fbwin", fops };

function fbw_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  err = pci_request_regions(pdev, "fbwin");
  if (err) { pci_disable_device(pdev); return err; }
  vram = { start: pci_resource_start(pdev, 0), len: pci_resource_len(pdev, 0) };
  if (!vram.len) err = -ENODEV;
  else err = misc_register(misc);
  if (err) {
    vram = { start: 0, len: 0 };
    pci_release_regions(pdev);
    pci_disable_device(pdev);
  }
  return err;
}

function fbw_remove(pdev: pci_dev): void {
  misc_deregister(misc);
  vram = { start: 0, len: 0 };
  pci_release_regions(pdev);
  pci_disable_device(pdev);
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0xfb00), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "fbwin", id_table: ids, probe: fbw_probe, remove: fbw_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
void STRIDE;
