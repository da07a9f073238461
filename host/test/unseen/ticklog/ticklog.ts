// A log user space reads through mmap(): two pages of vmalloc_user()
// memory mapped with remap_vmalloc_range(), appended to from two sides. A
// jit-style timer adds a tick entry every few jiffies in softirq context
// (spin_lock()); write() adds a note. Notes are staged through one shared
// kmalloc() buffer, so writers take a semaphore around the copy from user
// space (it may sleep), and only the append itself runs under the
// spinlock, with spin_lock_bh() so the timer cannot interrupt it.

import { EFAULT, EINTR, EINVAL, ENOMEM, ENOSPC } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SIZE, type vm_area_struct } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_SEMAPHORE, down_interruptible, up } from "linux/semaphore";
import { kfree, kmalloc } from "linux/slab";
import { DEFINE_SPINLOCK, spin_lock, spin_lock_bh, spin_unlock, spin_unlock_bh } from "linux/spinlock";
import { memcpy } from "linux/string";
import { del_timer_sync, get_jiffies, mod_timer, timer_list, timer_setup } from "linux/timer";
import { copy_from_user } from "linux/uaccess";
import { remap_vmalloc_range, vfree, vmalloc_user } from "linux/vmalloc";
import { load32, store32 } from "faultline/ptr";

MODULE_LICENSE("GPL");

const LOG_SIZE = 2 * PAGE_SIZE, HDR = 64, ENT = 32, PAYLOAD = ENT - 8;
const MAX_ENT = (LOG_SIZE - HDR) / ENT;
const KIND_TICK = 1, KIND_NOTE = 2, PERIOD = 5, MAX_TICKS = 8;

let log = 0;       // header: u32 entries; then ENT-byte entries {u32 kind, u32 len or jiffies, payload}
let staging = 0;   // one note on its way in: the semaphore's
let ticks = 0;
const sem = DEFINE_SEMAPHORE("ticklog_sem", 1);
const lock = DEFINE_SPINLOCK("ticklog_lock");
const tick = new timer_list();

/** The next free entry, or 0 when the log is full. Caller holds lock. */
function slot(): number {
  const n = load32(log);
  if (n >= MAX_ENT) return 0;
  store32(log, n + 1);
  return log + HDR + n * ENT;
}

function tick_fn(t: timer_list): void {
  spin_lock(lock);
  const e = slot();
  if (e) { store32(e, KIND_TICK); store32(e + 4, get_jiffies()); }
  spin_unlock(lock);
  if (++ticks < MAX_TICKS) mod_timer(t, get_jiffies() + PERIOD);
}

function tl_write(_f: file, ubuf: number, count: number, _p: Ref<number>): number {
  if (count === 0 || count > PAYLOAD) return -EINVAL;
  if (down_interruptible(sem)) return -EINTR;
  let ret = copy_from_user(staging, ubuf, count) ? -EFAULT : count;
  if (ret > 0) {
    spin_lock_bh(lock);
    const e = slot();
    if (e) { store32(e, KIND_NOTE); store32(e + 4, count); memcpy(e + 8, staging, count); }
    spin_unlock_bh(lock);
    if (!e) ret = -ENOSPC;
  }
  up(sem);
  return ret;
}

function tl_mmap(_f: file, vma: vm_area_struct): number {
  // remap_vmalloc_range() refuses a window past the end of the buffer itself.
  return remap_vmalloc_range(vma, log, vma.vm_pgoff);
}

const fops: file_operations = { owner: THIS_MODULE, write: tl_write, mmap: tl_mmap };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "ticklog", fops };

function tl_init(): number {
  log = vmalloc_user(LOG_SIZE);
  if (!log) return -ENOMEM;
  staging = kmalloc(PAYLOAD, GFP_KERNEL);
  if (!staging) { vfree(log); return -ENOMEM; }
  const err = misc_register(misc);
  if (err) { kfree(staging); vfree(log); return err; }
  timer_setup(tick, tick_fn, 0);
  mod_timer(tick, get_jiffies() + PERIOD);
  return 0;
}

function tl_exit(): void {
  misc_deregister(misc);
  del_timer_sync(tick);
  kfree(staging);
  vfree(log);
}

module_init(tl_init);
module_exit(tl_exit);
