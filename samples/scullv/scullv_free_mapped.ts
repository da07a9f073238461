// scullv whose trim forgets the vmas check: opening the device write-only
// vfree()s the quanta even while a process still has them mapped. The pages
// stay in that process's page table, so it goes on reading memory the
// device no longer owns, and its writes land where no read() will find them.
// Trips MM008.

import { PAGE_SIZE } from "asm/page";
import { Cdev, cdev_add, cdev_del, cdev_init } from "linux/cdev";
import { EFAULT, EINVAL, ENODEV, ENOMEM } from "linux/errno";
import {
  alloc_chrdev_region, MAJOR, MKDEV, O_ACCMODE, O_WRONLY, ref, register_chrdev_region,
  SEEK_CUR, SEEK_END, SEEK_SET, unregister_chrdev_region, type file, type file_operations, type inode, type Ref,
} from "linux/fs";
import { get_page, vmalloc_to_page, VM_FAULT_SIGBUS, type vm_area_struct, type vm_fault, type vm_operations_struct } from "linux/mm";
import { MODULE_AUTHOR, MODULE_LICENSE, module_exit, module_init, module_param, THIS_MODULE } from "linux/module";
import { printk, KERN_DEBUG, KERN_NOTICE } from "linux/printk";
import { memset } from "linux/string";
import { copy_from_user, copy_to_user } from "linux/uaccess";
import { vfree, vmalloc } from "linux/vmalloc";

const SCULLV_DEVS = 4;   /* scullv0 through scullv3 */
const SCULLV_ORDER = 4;  /* 16 pages at a time */
const SCULLV_QSET = 500;

let scullv_major = module_param("scullv_major", "int", 0, 0);
const scullv_devs = module_param("scullv_devs", "int", SCULLV_DEVS, 0);
const scullv_qset = module_param("scullv_qset", "int", SCULLV_QSET, 0);
const scullv_order = module_param("scullv_order", "int", SCULLV_ORDER, 0);
MODULE_AUTHOR("Alessandro Rubini");
MODULE_LICENSE("Dual BSD/GPL");

/** struct scullv_dev: the first list item doubles as the device. */
class ScullvDev {
  /** The quantum set: the vmalloc address of each quantum, 0 for a hole. */
  data: number[] | null = null;
  next: ScullvDev | null = null;
  /** Active mappings: while there are any, the data must not be freed. */
  vmas = 0;
  order = 0;
  qset = 0;
  size = 0;
  readonly cdev = new Cdev();
}

let scullv_devices: ScullvDev[] = [];

/* ---- mmap.c ---- */

function scullv_vma_open(vma: vm_area_struct): void {
  const dev = vma.vm_private_data as ScullvDev;
  dev.vmas++;
  printk(KERN_DEBUG + "scullv: vma open, %d mapping(s)\n", dev.vmas);
}

function scullv_vma_close(vma: vm_area_struct): void {
  const dev = vma.vm_private_data as ScullvDev;
  dev.vmas--;
  printk(KERN_DEBUG + "scullv: vma close, %d mapping(s)\n", dev.vmas);
}

/**
 * The fault method, LDD3's nopage: the page at this offset of the device,
 * with a reference for the page table, which drops it at unmap.
 */
function scullv_vma_fault(vmf: vm_fault): number {
  const dev = vmf.vma.vm_private_data as ScullvDev;
  // Past the end of the data: SIGBUS, as for a file mapped beyond its size.
  if (vmf.pgoff * PAGE_SIZE >= dev.size) return VM_FAULT_SIGBUS;

  // LDD3 walks the list counting pages as quanta, which holds for order 0
  // only; scullv's default quantum is 16 pages, so count quanta and the page
  // inside one.
  const pages_per_quantum = 1 << dev.order;
  let quantum = Math.floor(vmf.pgoff / pages_per_quantum);
  const page_in_quantum = vmf.pgoff % pages_per_quantum;
  let ptr: ScullvDev | null = dev;
  while (ptr && quantum >= dev.qset) {
    ptr = ptr.next;
    quantum -= dev.qset;
  }
  const pageptr = ptr?.data?.[quantum] ?? 0;
  if (!pageptr) return VM_FAULT_SIGBUS; /* a hole: the process gets SIGBUS */

  // A vmalloc address is not in the direct map: virt_to_page() would be wrong.
  const page = vmalloc_to_page(pageptr + page_in_quantum * PAGE_SIZE);
  if (!page) return VM_FAULT_SIGBUS;
  get_page(page);
  vmf.page = page;
  return 0;
}

const scullv_vm_ops: vm_operations_struct = {
  open: scullv_vma_open,
  close: scullv_vma_close,
  fault: scullv_vma_fault,
};

function scullv_mmap(filp: file, vma: vm_area_struct): number {
  // Nothing to map here: the fault handler sets up the page table entries,
  // whatever the order, since every page of a vmalloc area has its own count.
  vma.vm_ops = scullv_vm_ops;
  vma.vm_private_data = filp.private_data;
  // The core calls vm_ops->open for copies and splits, never for the first mapping.
  scullv_vma_open(vma);
  return 0;
}

/* ---- main.c ---- */

function scullv_trim(dev: ScullvDev): number {
  // BUG: no check of dev->vmas; the quanta are freed even while mapped.
  for (let dptr: ScullvDev | null = dev; dptr; dptr = dptr.next) {
    if (dptr.data) {
      for (const q of dptr.data) if (q) vfree(q);
      dptr.data = null;
    }
  }
  dev.size = 0;
  dev.qset = scullv_qset;
  dev.order = scullv_order;
  dev.next = null;
  return 0;
}

function scullv_open(inode: inode, filp: file): number {
  // container_of(inode->i_cdev, struct scullv_dev, cdev)
  const dev = scullv_devices.find((d) => d.cdev === inode.i_cdev);
  if (!dev) return -ENODEV;

  // Opening write-only truncates, as with a file (the result is ignored, as in LDD3).
  if ((filp.f_flags & O_ACCMODE) === O_WRONLY) scullv_trim(dev);

  filp.private_data = dev;
  return 0;
}

function scullv_release(_inode: inode, _filp: file): number {
  return 0;
}

/** The n-th list item, created on the way if missing. */
function scullv_follow(dev: ScullvDev, n: number): ScullvDev {
  while (n--) {
    if (!dev.next) {
      dev.next = new ScullvDev();
      dev.next.order = dev.order;
      dev.next.qset = dev.qset;
    }
    dev = dev.next;
  }
  return dev;
}

function scullv_read(filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  const dev = filp.private_data as ScullvDev;
  const quantum = PAGE_SIZE << dev.order;
  const qset = dev.qset;
  const itemsize = quantum * qset;

  if (f_pos.value > dev.size) return 0;
  if (f_pos.value + count > dev.size) count = dev.size - f_pos.value;
  const item = Math.floor(f_pos.value / itemsize);
  const rest = f_pos.value % itemsize;
  const s_pos = Math.floor(rest / quantum), q_pos = rest % quantum;

  const dptr = scullv_follow(dev, item);
  if (!dptr.data || !dptr.data[s_pos]) return 0; /* don't fill holes */
  if (count > quantum - q_pos) count = quantum - q_pos; /* read only up to the end of this quantum */

  if (copy_to_user(buf, dptr.data[s_pos] + q_pos, count)) return -EFAULT;
  f_pos.value += count;
  return count;
}

function scullv_write(filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  const dev = filp.private_data as ScullvDev;
  const quantum = PAGE_SIZE << dev.order;
  const qset = dev.qset;
  const itemsize = quantum * qset;

  const item = Math.floor(f_pos.value / itemsize);
  const rest = f_pos.value % itemsize;
  const s_pos = Math.floor(rest / quantum), q_pos = rest % quantum;

  const dptr = scullv_follow(dev, item);
  if (!dptr.data) dptr.data = new Array<number>(qset).fill(0);
  // Here's the allocation of a single quantum.
  if (!dptr.data[s_pos]) {
    const q = vmalloc(PAGE_SIZE << dptr.order);
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

function scullv_llseek(filp: file, off: number, whence: number): number {
  const dev = filp.private_data as ScullvDev;
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

const scullv_fops: file_operations = {
  owner: THIS_MODULE,
  llseek: scullv_llseek,
  read: scullv_read,
  write: scullv_write,
  mmap: scullv_mmap,
  open: scullv_open,
  release: scullv_release,
};

function scullv_setup_cdev(dev: ScullvDev, index: number): void {
  const devno = MKDEV(scullv_major, index);
  cdev_init(dev.cdev, scullv_fops);
  const err = cdev_add(dev.cdev, devno, 1);
  if (err) printk(KERN_NOTICE + "Error %d adding scullv%d", err, index);
}

function scullv_init(): number {
  const dev = ref(MKDEV(scullv_major, 0));
  let result: number;
  if (scullv_major) result = register_chrdev_region(dev.value, scullv_devs, "scullv");
  else {
    result = alloc_chrdev_region(dev, 0, scullv_devs, "scullv");
    scullv_major = MAJOR(dev.value);
  }
  if (result < 0) return result;

  scullv_devices = [];
  for (let i = 0; i < scullv_devs; i++) {
    const d = new ScullvDev();
    d.order = scullv_order;
    d.qset = scullv_qset;
    scullv_devices.push(d);
    scullv_setup_cdev(d, i);
  }
  return 0;
}

function scullv_cleanup(): void {
  for (const d of scullv_devices) {
    cdev_del(d.cdev);
    scullv_trim(d);
  }
  scullv_devices = [];
  unregister_chrdev_region(MKDEV(scullv_major, 0), scullv_devs);
}

module_init(scullv_init);
module_exit(scullv_cleanup);
