// scullp with its quanta allocated two pages at a time (order 1) and the
// order check dropped from scullp_mmap(). __get_free_pages() returns a
// non-compound block: only its first page holds a reference, the second has
// _refcount 0. When the fault handler maps that second page, get_page() finds
// nothing to increment — the reason LDD3's scullp refuses to mmap when
// order > 0. Trips PG001.

import { PAGE_SIZE } from "asm/page";
import { Cdev, cdev_add, cdev_del, cdev_init } from "linux/cdev";
import { EBUSY, EFAULT, EINVAL, ENODEV, ENOMEM } from "linux/errno";
import {
  alloc_chrdev_region, MAJOR, MKDEV, O_ACCMODE, O_WRONLY, ref, register_chrdev_region,
  SEEK_CUR, SEEK_END, SEEK_SET, unregister_chrdev_region, type file, type file_operations, type inode, type Ref,
} from "linux/fs";
import { free_pages, GFP_KERNEL, __get_free_pages } from "linux/gfp";
import { get_page, virt_to_page, VM_FAULT_SIGBUS, type vm_area_struct, type vm_fault, type vm_operations_struct } from "linux/mm";
import { MODULE_AUTHOR, MODULE_LICENSE, module_exit, module_init, module_param, THIS_MODULE } from "linux/module";
import { printk, KERN_DEBUG, KERN_NOTICE } from "linux/printk";
import { memset } from "linux/string";
import { copy_from_user, copy_to_user } from "linux/uaccess";

const SCULLP_DEVS = 4;   /* scullp0 through scullp3 */
const SCULLP_ORDER = 1;  /* two pages at a time */
const SCULLP_QSET = 500;

let scullp_major = module_param("scullp_major", "int", 0, 0);
const scullp_devs = module_param("scullp_devs", "int", SCULLP_DEVS, 0);
const scullp_qset = module_param("scullp_qset", "int", SCULLP_QSET, 0);
const scullp_order = module_param("scullp_order", "int", SCULLP_ORDER, 0);
MODULE_AUTHOR("Alessandro Rubini");
MODULE_LICENSE("Dual BSD/GPL");

/** struct scullp_dev: the first list item doubles as the device. */
class ScullpDev {
  /** The quantum set: the logical address of each quantum, 0 for a hole. */
  data: number[] | null = null;
  next: ScullpDev | null = null;
  /** Active mappings: while there are any, the data must not be freed. */
  vmas = 0;
  order = 0;
  qset = 0;
  size = 0;
  readonly cdev = new Cdev();
}

let scullp_devices: ScullpDev[] = [];

/* ---- mmap.c ---- */

function scullp_vma_open(vma: vm_area_struct): void {
  const dev = vma.vm_private_data as ScullpDev;
  dev.vmas++;
  printk(KERN_DEBUG + "scullp: vma open, %d mapping(s)\n", dev.vmas);
}

function scullp_vma_close(vma: vm_area_struct): void {
  const dev = vma.vm_private_data as ScullpDev;
  dev.vmas--;
  printk(KERN_DEBUG + "scullp: vma close, %d mapping(s)\n", dev.vmas);
}

/**
 * The fault method, LDD3's nopage: the page at this offset of the device,
 * with a reference for the page table, which drops it at unmap.
 */
function scullp_vma_fault(vmf: vm_fault): number {
  const dev = vmf.vma.vm_private_data as ScullpDev;
  // Past the end of the data: SIGBUS, as for a file mapped beyond its size.
  if (vmf.pgoff * PAGE_SIZE >= dev.size) return VM_FAULT_SIGBUS;

  // LDD3 walks the list counting pages as quanta, which holds for order 0
  // only; counting quanta and the page inside one keeps the lookup right for
  // any order, so that mmap() alone decides which orders may be mapped.
  const pages_per_quantum = 1 << dev.order;
  let quantum = Math.floor(vmf.pgoff / pages_per_quantum);
  const page_in_quantum = vmf.pgoff % pages_per_quantum;
  let ptr: ScullpDev | null = dev;
  while (ptr && quantum >= dev.qset) {
    ptr = ptr.next;
    quantum -= dev.qset;
  }
  const pageptr = ptr?.data?.[quantum] ?? 0;
  if (!pageptr) return VM_FAULT_SIGBUS; /* a hole: the process gets SIGBUS */

  const page = virt_to_page(pageptr + page_in_quantum * PAGE_SIZE);
  get_page(page); // at an odd offset, the tail page of an order-1 block: _refcount is 0
  vmf.page = page;
  return 0;
}

const scullp_vm_ops: vm_operations_struct = {
  open: scullp_vma_open,
  close: scullp_vma_close,
  fault: scullp_vma_fault,
};

function scullp_mmap(filp: file, vma: vm_area_struct): number {
  // BUG: no check of the order; the fault handler will hand out tail pages.
  // Nothing to map here: the fault handler sets up the page table entries.
  vma.vm_ops = scullp_vm_ops;
  vma.vm_private_data = filp.private_data;
  // The core calls vm_ops->open for copies and splits, never for the first mapping.
  scullp_vma_open(vma);
  return 0;
}

/* ---- main.c ---- */

function scullp_trim(dev: ScullpDev): number {
  // User space still sees these pages; freeing them now would pull the
  // memory out from under a live mapping.
  if (dev.vmas) return -EBUSY;

  for (let dptr: ScullpDev | null = dev; dptr; dptr = dptr.next) {
    if (dptr.data) {
      for (const q of dptr.data) if (q) free_pages(q, dptr.order);
      dptr.data = null;
    }
  }
  dev.size = 0;
  dev.qset = scullp_qset;
  dev.order = scullp_order;
  dev.next = null;
  return 0;
}

function scullp_open(inode: inode, filp: file): number {
  // container_of(inode->i_cdev, struct scullp_dev, cdev)
  const dev = scullp_devices.find((d) => d.cdev === inode.i_cdev);
  if (!dev) return -ENODEV;

  // Opening write-only truncates, as with a file (the result is ignored, as in LDD3).
  if ((filp.f_flags & O_ACCMODE) === O_WRONLY) scullp_trim(dev);

  filp.private_data = dev;
  return 0;
}

function scullp_release(_inode: inode, _filp: file): number {
  return 0;
}

/** The n-th list item, created on the way if missing. */
function scullp_follow(dev: ScullpDev, n: number): ScullpDev {
  while (n--) {
    if (!dev.next) {
      dev.next = new ScullpDev();
      dev.next.order = dev.order;
      dev.next.qset = dev.qset;
    }
    dev = dev.next;
  }
  return dev;
}

function scullp_read(filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  const dev = filp.private_data as ScullpDev;
  const quantum = PAGE_SIZE << dev.order;
  const qset = dev.qset;
  const itemsize = quantum * qset;

  if (f_pos.value > dev.size) return 0;
  if (f_pos.value + count > dev.size) count = dev.size - f_pos.value;
  const item = Math.floor(f_pos.value / itemsize);
  const rest = f_pos.value % itemsize;
  const s_pos = Math.floor(rest / quantum), q_pos = rest % quantum;

  const dptr = scullp_follow(dev, item);
  if (!dptr.data || !dptr.data[s_pos]) return 0; /* don't fill holes */
  if (count > quantum - q_pos) count = quantum - q_pos; /* read only up to the end of this quantum */

  if (copy_to_user(buf, dptr.data[s_pos] + q_pos, count)) return -EFAULT;
  f_pos.value += count;
  return count;
}

function scullp_write(filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  const dev = filp.private_data as ScullpDev;
  const quantum = PAGE_SIZE << dev.order;
  const qset = dev.qset;
  const itemsize = quantum * qset;

  const item = Math.floor(f_pos.value / itemsize);
  const rest = f_pos.value % itemsize;
  const s_pos = Math.floor(rest / quantum), q_pos = rest % quantum;

  const dptr = scullp_follow(dev, item);
  if (!dptr.data) dptr.data = new Array<number>(qset).fill(0);
  // Here's the allocation of a single quantum.
  if (!dptr.data[s_pos]) {
    const q = __get_free_pages(GFP_KERNEL, dptr.order);
    if (!q) return -ENOMEM;
    // A read of the unwritten part of a quantum must not show old kernel data.
    memset(q, 0, PAGE_SIZE << dptr.order);
    dptr.data[s_pos] = q;
  }
  if (count > quantum - q_pos) count = quantum - q_pos; /* write only up to the end of this quantum */
  if (copy_from_user(dptr.data[s_pos] + q_pos, buf, count)) return -EFAULT;
  f_pos.value += count;

  if (dev.size < f_pos.value) dev.size = f_pos.value;
  return count;
}

function scullp_llseek(filp: file, off: number, whence: number): number {
  const dev = filp.private_data as ScullpDev;
  let newpos: number;
  switch (whence) {
    case SEEK_SET: newpos = off; break;
    case SEEK_CUR: newpos = filp.f_pos + off; break;
    case SEEK_END: newpos = dev.size + off; break;
    default: return -EINVAL;
  }
  if (newpos < 0) return -EINVAL;
  filp.f_pos = newpos;
  return newpos;
}

const scullp_fops: file_operations = {
  owner: THIS_MODULE,
  llseek: scullp_llseek,
  read: scullp_read,
  write: scullp_write,
  mmap: scullp_mmap,
  open: scullp_open,
  release: scullp_release,
};

function scullp_setup_cdev(dev: ScullpDev, index: number): void {
  const devno = MKDEV(scullp_major, index);
  cdev_init(dev.cdev, scullp_fops);
  const err = cdev_add(dev.cdev, devno, 1);
  if (err) printk(KERN_NOTICE + "Error %d adding scullp%d", err, index);
}

function scullp_init(): number {
  const dev = ref(MKDEV(scullp_major, 0));
  let result: number;
  if (scullp_major) result = register_chrdev_region(dev.value, scullp_devs, "scullp");
  else {
    result = alloc_chrdev_region(dev, 0, scullp_devs, "scullp");
    scullp_major = MAJOR(dev.value);
  }
  if (result < 0) return result;

  scullp_devices = [];
  for (let i = 0; i < scullp_devs; i++) {
    const d = new ScullpDev();
    d.order = scullp_order;
    d.qset = scullp_qset;
    scullp_devices.push(d);
    scullp_setup_cdev(d, i);
  }
  return 0;
}

function scullp_cleanup(): void {
  for (const d of scullp_devices) {
    cdev_del(d.cdev);
    scullp_trim(d);
  }
  scullp_devices = [];
  unregister_chrdev_region(MKDEV(scullp_major, 0), scullp_devs);
}

module_init(scullp_init);
module_exit(scullp_cleanup);
