// LDD3 chapter 3 (and 5, 6)'s scull: a memory-backed character device whose
// data lives in a list of quantum sets, each an array of `qset` quanta of
// `quantum` bytes from kmalloc(). Every access to a device holds its
// semaphore (sema_init(&dev->sem, 1), down_interruptible(), up()): the lock
// a reader or writer may sleep under, since copy_to_user()/copy_from_user()
// and kmalloc(GFP_KERNEL) all may sleep. The ioctls are LDD3's quantum
// commands, numbered with _IO/_IOR/_IOW and checked with _IOC_TYPE/_IOC_NR.

import { Cdev, cdev_add, cdev_del, cdev_init } from "linux/cdev";
import { EFAULT, ENOMEM, ENOTTY, EPERM, ERESTARTSYS } from "linux/errno";
import {
  alloc_chrdev_region, MAJOR, MKDEV, O_ACCMODE, O_WRONLY, ref, SEEK_CUR, SEEK_END, SEEK_SET, unregister_chrdev_region,
  type file, type file_operations, type inode, type Ref,
} from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { _IO, _IOC_NR, _IOC_TYPE, _IOR, _IOW } from "linux/ioctl";
import { MODULE_AUTHOR, MODULE_LICENSE, module_exit, module_init, module_param, THIS_MODULE } from "linux/module";
import { KERN_NOTICE, printk } from "linux/printk";
import { down_interruptible, sema_init, semaphore, up } from "linux/semaphore";
import { kfree, kmalloc } from "linux/slab";
import { memset } from "linux/string";
import { access_ok, copy_from_user, copy_to_user, get_user, put_user } from "linux/uaccess";

MODULE_AUTHOR("Alessandro Rubini, Jonathan Corbet");
MODULE_LICENSE("Dual BSD/GPL");

const SCULL_NR_DEVS = 2;
const SCULL_QUANTUM = 4000;
const SCULL_QSET = 1000;

let scull_major = module_param("scull_major", "int", 0, 0);
const scull_nr_devs = module_param("scull_nr_devs", "int", SCULL_NR_DEVS, 0);
let scull_quantum = module_param("scull_quantum", "int", SCULL_QUANTUM, 0);
const scull_qset = module_param("scull_qset", "int", SCULL_QSET, 0);

/* scull.h: the ioctl commands, magic 'k' as LDD3 picked it. */
const SCULL_IOC_MAGIC = "k";
const SCULL_IOCRESET = _IO(SCULL_IOC_MAGIC, 0);
const SCULL_IOCSQUANTUM = _IOW(SCULL_IOC_MAGIC, 1, 4);  /* set through a pointer */
const SCULL_IOCTQUANTUM = _IO(SCULL_IOC_MAGIC, 3);      /* "tell": set by value */
const SCULL_IOCGQUANTUM = _IOR(SCULL_IOC_MAGIC, 5, 4);  /* get through a pointer */
const SCULL_IOCQQUANTUM = _IO(SCULL_IOC_MAGIC, 7);      /* "query": the return value */
const SCULL_IOC_MAXNR = 7;

/** struct scull_qset: quantum pointers (0 for a hole), and the next set. */
interface scull_qset { data: number[] | null; next: scull_qset | null }

/** struct scull_dev. */
interface scull_dev {
  data: scull_qset | null;
  quantum: number;
  qset: number;
  size: number;
  /** Mutual exclusion: down_interruptible() before touching anything above. */
  sem: semaphore;
  cdev: Cdev;
}

let scull_devices: scull_dev[] = [];

/** scull_trim(): free everything; called with the semaphore held (or at unload). */
function scull_trim(dev: scull_dev): void {
  for (let dptr = dev.data; dptr; dptr = dptr.next) {
    if (dptr.data) for (const q of dptr.data) kfree(q);
    dptr.data = null;
  }
  dev.size = 0;
  dev.quantum = scull_quantum;
  dev.qset = scull_qset;
  dev.data = null;
}

function scull_open(inode: inode, filp: file): number {
  const dev = scull_devices.find((d) => d.cdev === inode.i_cdev)!;  // container_of(inode->i_cdev, ...)
  filp.private_data = dev;
  // Opened write-only: trim the device to length 0.
  if ((filp.f_flags & O_ACCMODE) === O_WRONLY) {
    if (down_interruptible(dev.sem)) return -ERESTARTSYS;
    scull_trim(dev);
    up(dev.sem);
  }
  return 0;
}

function scull_release(_inode: inode, _filp: file): number { return 0; }

/** scull_follow(): the n-th quantum set, creating the sets on the way. */
function scull_follow(dev: scull_dev, n: number): scull_qset | null {
  if (!dev.data) dev.data = { data: null, next: null };
  let qs = dev.data;
  while (n--) {
    if (!qs.next) qs.next = { data: null, next: null };
    qs = qs.next;
  }
  return qs;
}

function scull_read(filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  const dev = filp.private_data as scull_dev;
  const quantum = dev.quantum, qset = dev.qset, itemsize = quantum * qset;
  let retval = 0;
  if (down_interruptible(dev.sem)) return -ERESTARTSYS;
  out: {
    if (f_pos.value >= dev.size) break out;
    if (f_pos.value + count > dev.size) count = dev.size - f_pos.value;
    const item = Math.floor(f_pos.value / itemsize), rest = f_pos.value % itemsize;
    const s_pos = Math.floor(rest / quantum), q_pos = rest % quantum;
    const dptr = scull_follow(dev, item);
    if (!dptr || !dptr.data || !dptr.data[s_pos]) break out;  /* don't fill holes */
    if (count > quantum - q_pos) count = quantum - q_pos;      /* read only up to the end of this quantum */
    if (copy_to_user(buf, dptr.data[s_pos] + q_pos, count)) {
      retval = -EFAULT;
      break out;
    }
    f_pos.value += count;
    retval = count;
  }
  up(dev.sem);
  return retval;
}

function scull_write(filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  const dev = filp.private_data as scull_dev;
  const quantum = dev.quantum, qset = dev.qset, itemsize = quantum * qset;
  let retval = -ENOMEM;
  if (down_interruptible(dev.sem)) return -ERESTARTSYS;
  out: {
    const item = Math.floor(f_pos.value / itemsize), rest = f_pos.value % itemsize;
    const s_pos = Math.floor(rest / quantum), q_pos = rest % quantum;
    const dptr = scull_follow(dev, item);
    if (!dptr) break out;
    if (!dptr.data) dptr.data = new Array<number>(qset).fill(0);
    if (!dptr.data[s_pos]) {
      dptr.data[s_pos] = kmalloc(quantum, GFP_KERNEL);  // may sleep: fine under a semaphore
      if (!dptr.data[s_pos]) break out;
      memset(dptr.data[s_pos], 0, quantum);
    }
    if (count > quantum - q_pos) count = quantum - q_pos;  /* write only up to the end of this quantum */
    if (copy_from_user(dptr.data[s_pos] + q_pos, buf, count)) {
      retval = -EFAULT;
      break out;
    }
    f_pos.value += count;
    retval = count;
    if (dev.size < f_pos.value) dev.size = f_pos.value;
  }
  up(dev.sem);
  return retval;
}

function scull_ioctl(filp: file, cmd: number, arg: number): number {
  // Wrong magic or number: not ours (-ENOTTY, "inappropriate ioctl for device").
  if (_IOC_TYPE(cmd) !== SCULL_IOC_MAGIC.charCodeAt(0) || _IOC_NR(cmd) > SCULL_IOC_MAXNR) return -ENOTTY;
  const dev = filp.private_data as scull_dev;
  const val = ref<number | bigint>(0);
  switch (cmd) {
    case SCULL_IOCRESET:
      scull_quantum = SCULL_QUANTUM;
      return 0;
    case SCULL_IOCSQUANTUM:
      if (!access_ok(arg, 4)) return -EFAULT;
      if (get_user(val, arg)) return -EFAULT;
      scull_quantum = Number(val.value);
      return 0;
    case SCULL_IOCTQUANTUM:
      scull_quantum = arg;
      return 0;
    case SCULL_IOCGQUANTUM:
      return put_user(scull_quantum, arg) ? -EFAULT : 0;
    case SCULL_IOCQQUANTUM:
      return dev.quantum;
    default:
      return -ENOTTY;
  }
}

function scull_llseek(filp: file, off: number, whence: number): number {
  const dev = filp.private_data as scull_dev;
  let newpos: number;
  switch (whence) {
    case SEEK_SET: newpos = off; break;
    case SEEK_CUR: newpos = filp.f_pos + off; break;
    case SEEK_END: newpos = dev.size + off; break;
    default: return -EPERM;
  }
  if (newpos < 0) return -EPERM;
  filp.f_pos = newpos;
  return newpos;
}

const scull_fops: file_operations = {
  owner: THIS_MODULE, llseek: scull_llseek, read: scull_read, write: scull_write, unlocked_ioctl: scull_ioctl,
  open: scull_open, release: scull_release,
};

function scull_cleanup_module(): void {
  for (const dev of scull_devices) {
    scull_trim(dev);
    cdev_del(dev.cdev);
  }
  scull_devices = [];
  unregister_chrdev_region(MKDEV(scull_major, 0), scull_nr_devs);
}

function scull_init_module(): number {
  const devno = ref(0);
  const result = alloc_chrdev_region(devno, 0, scull_nr_devs, "scull");
  if (result < 0) {
    printk(KERN_NOTICE + "scull: can't get major %d\n", scull_major);
    return result;
  }
  scull_major = MAJOR(devno.value);
  for (let i = 0; i < scull_nr_devs; i++) {
    const dev: scull_dev = { data: null, quantum: scull_quantum, qset: scull_qset, size: 0, sem: new semaphore(), cdev: new Cdev() };
    sema_init(dev.sem, 1);
    cdev_init(dev.cdev, scull_fops);
    const err = cdev_add(dev.cdev, MKDEV(scull_major, i), 1);
    if (err) printk(KERN_NOTICE + "Error %d adding scull%d", err, i);
    scull_devices.push(dev);
  }
  return 0;
}

module_init(scull_init_module);
module_exit(scull_cleanup_module);
