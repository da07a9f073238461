// The memory-mapping half of the UIO core (drivers/uio/uio.c: uio_mmap(),
// uio_find_mem_index(), uio_mmap_physical(), uio_mmap_logical(),
// uio_vma_fault()) with a uio_pci_generic-style PCI driver for the edu card
// that exposes three regions, user space choosing one by mmap offset
// N * PAGE_SIZE: mem[0] the card's BAR 0 (UIO_MEM_PHYS, remapped uncached),
// mem[1] two logical pages from kzalloc() (UIO_MEM_LOGICAL) and
// mem[2] a vmalloc_user() area (UIO_MEM_VIRTUAL), both faulted in page by
// page with a reference taken for the page table.

import { EINVAL, ENODEV, ENOMEM } from "linux/errno";
import type { file, file_operations, inode } from "linux/fs";
import { GFP_KERNEL, __GFP_ZERO, __get_free_pages, free_pages } from "linux/gfp";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import {
  PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PHYS_PFN, VM_DONTDUMP, VM_DONTEXPAND, VM_FAULT_SIGBUS, get_page, pgprot_noncached, remap_pfn_range,
  virt_to_page, vm_flags_set, vma_pages, type page, type vm_area_struct, type vm_fault, type vm_operations_struct,
} from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock } from "linux/mutex";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_register_driver, pci_resource_len, pci_resource_start,
  pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver,
} from "linux/pci";
import { vfree, vmalloc_to_page, vmalloc_user } from "linux/vmalloc";
import { store32 } from "faultline/ptr";

MODULE_LICENSE("GPL v2");

const MAX_UIO_MAPS = 5;
const UIO_MEM_NONE = 0, UIO_MEM_PHYS = 1, UIO_MEM_LOGICAL = 2, UIO_MEM_VIRTUAL = 3;

interface uio_mem { name: string; addr: number; size: number; memtype: number }
interface uio_info { name: string; version: string; mem: uio_mem[] }
interface uio_device { info: uio_info | null }

const info_lock = DEFINE_MUTEX("uio_info_lock");

// ---------------------------------------------------------------- drivers/uio/uio.c

function uio_find_mem_index(vma: vm_area_struct): number {
  const idev = vma.vm_private_data as uio_device;
  if (vma.vm_pgoff < MAX_UIO_MAPS) {
    if (idev.info!.mem[vma.vm_pgoff].size === 0) return -1;
    return vma.vm_pgoff;
  }
  return -1;
}

function uio_vma_fault(vmf: vm_fault): number {
  const idev = vmf.vma.vm_private_data as uio_device;
  let ret = 0;

  mutex_lock(info_lock);
  out: {
    if (!idev.info) { ret = VM_FAULT_SIGBUS; break out; }
    const mi = uio_find_mem_index(vmf.vma);
    if (mi < 0) { ret = VM_FAULT_SIGBUS; break out; }
    // We need to subtract mi because userspace uses offset = N*PAGE_SIZE to use mem[N].
    const offset = (vmf.pgoff - mi) << PAGE_SHIFT;
    const addr = idev.info.mem[mi].addr + offset;
    let pg: page;
    if (idev.info.mem[mi].memtype === UIO_MEM_LOGICAL) pg = virt_to_page(addr);
    else pg = vmalloc_to_page(addr)!;
    get_page(pg); // REPORTED: VM_BUG_ON_PAGE() on the tail page's zero refcount
    vmf.page = pg;
  }
  mutex_unlock(info_lock);
  return ret;
}

const uio_logical_vm_ops: vm_operations_struct = { fault: uio_vma_fault };

function uio_mmap_logical(vma: vm_area_struct): number {
  vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
  vma.vm_ops = uio_logical_vm_ops;
  return 0;
}

const uio_physical_vm_ops: vm_operations_struct = {};

function uio_mmap_physical(vma: vm_area_struct): number {
  const idev = vma.vm_private_data as uio_device;
  const mi = uio_find_mem_index(vma);
  if (mi < 0) return -EINVAL;
  const mem = idev.info!.mem[mi];

  if (mem.addr & ~PAGE_MASK) return -ENODEV;
  if (vma.vm_end - vma.vm_start > mem.size) return -EINVAL;

  vma.vm_ops = uio_physical_vm_ops;
  if (mem.memtype === UIO_MEM_PHYS) vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot);

  // Not vm_iomap_memory(): vm_pgoff is the map index, not a page offset into the region.
  // PHYS_PFN(), not mem.addr >> PAGE_SHIFT: JavaScript's >> is a signed 32-bit shift.
  return remap_pfn_range(vma, vma.vm_start, PHYS_PFN(mem.addr), vma.vm_end - vma.vm_start, vma.vm_page_prot);
}

function uio_mmap(filep: file, vma: vm_area_struct): number {
  const idev = filep.private_data as uio_device;
  let ret = 0;

  if (vma.vm_end < vma.vm_start) return -EINVAL;
  vma.vm_private_data = idev;

  mutex_lock(info_lock);
  out: {
    if (!idev.info) { ret = -EINVAL; break out; }
    const mi = uio_find_mem_index(vma);
    if (mi < 0) { ret = -EINVAL; break out; }
    const mem = idev.info.mem[mi];
    const requested_pages = vma_pages(vma);
    const actual_pages = ((mem.addr & ~PAGE_MASK) + mem.size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    if (requested_pages > actual_pages) { ret = -EINVAL; break out; }

    switch (mem.memtype) {
      case UIO_MEM_PHYS:
        ret = uio_mmap_physical(vma);
        break;
      case UIO_MEM_LOGICAL:
      case UIO_MEM_VIRTUAL:
        ret = uio_mmap_logical(vma);
        break;
      default:
        ret = -EINVAL;
    }
  }
  mutex_unlock(info_lock);
  return ret;
}

const idev: uio_device = { info: null };

function uio_open(_inode: inode, filep: file): number {
  filep.private_data = idev;
  return 0;
}

const uio_fops: file_operations = { owner: THIS_MODULE, open: uio_open, mmap: uio_mmap };
const uio_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "uio0", fops: uio_fops };

// ---------------------------------------------------------------- the edu driver

const SHM_ORDER = 1, RING_SIZE = 2 * PAGE_SIZE;

function free_mem(info: uio_info): void {
  if (info.mem[1].addr) free_pages(info.mem[1].addr, SHM_ORDER);
  if (info.mem[2].addr) vfree(info.mem[2].addr);
}

function edu_uio_probe(pdev: pci_dev, _id: pci_device_id): number {
  let err = pci_enable_device(pdev);
  if (err) return err;
  const info: uio_info = {
    name: "edu_uio", version: "0.1",
    mem: Array.from({ length: MAX_UIO_MAPS }, () => ({ name: "", addr: 0, size: 0, memtype: UIO_MEM_NONE })),
  };
  err_free: {
    info.mem[0] = { name: "bar0", addr: pci_resource_start(pdev, 0), size: pci_resource_len(pdev, 0), memtype: UIO_MEM_PHYS };
    const shm = __get_free_pages(GFP_KERNEL | __GFP_ZERO, SHM_ORDER); // BUG: not compound: the second page has no reference of its own for uio_vma_fault()'s get_page(); kzalloc() or __GFP_COMP
    if (!shm) { err = -ENOMEM; break err_free; }
    info.mem[1] = { name: "shm", addr: shm, size: PAGE_SIZE << SHM_ORDER, memtype: UIO_MEM_LOGICAL };
    const ring = vmalloc_user(RING_SIZE);
    if (!ring) { err = -ENOMEM; break err_free; }
    info.mem[2] = { name: "ring", addr: ring, size: RING_SIZE, memtype: UIO_MEM_VIRTUAL };
    // What user space finds there before it writes anything.
    store32(shm + PAGE_SIZE, 0x5348_4d31);
    store32(ring + PAGE_SIZE, 0x5249_4e47);
    idev.info = info;
    err = misc_register(uio_misc);
    if (!err) return 0;
    idev.info = null;
  }
  free_mem(info);
  pci_disable_device(pdev);
  return err;
}

function edu_uio_remove(pdev: pci_dev): void {
  misc_deregister(uio_misc);
  mutex_lock(info_lock);
  const info = idev.info!;
  idev.info = null;
  mutex_unlock(info_lock);
  free_mem(info);
  pci_disable_device(pdev);
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "edu_uio", id_table: ids, probe: edu_uio_probe, remove: edu_uio_remove };
module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
