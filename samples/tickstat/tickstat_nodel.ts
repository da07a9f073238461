// tickstat with its exit function one call short: it unregisters the device
// but leaves the sampling timer alone. The timer re-arms itself on every
// tick, so it is pending at every moment; when the module unloads, the timer
// (and its callback) go with it while still queued, and debugobjects reports
// the active timer_list being freed. Trips MEM009 at rmmod.

import { store_bytes } from "faultline/ptr";
import { EFAULT, EINVAL, ENOMEM, ENOTTY, ERESTARTSYS } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { _IO, _IOC_NR, _IOC_TYPE } from "linux/ioctl";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { DEFINE_MUTEX, mutex_lock, mutex_lock_interruptible, mutex_unlock } from "linux/mutex";
import { kfree, kmalloc } from "linux/slab";
import { DEFINE_SPINLOCK, spin_lock, spin_lock_bh, spin_unlock, spin_unlock_bh } from "linux/spinlock";
import { get_jiffies, mod_timer, timer_list, timer_setup } from "linux/timer";
import { copy_to_user } from "linux/uaccess";
import { init_waitqueue_head, wait_event_interruptible, wait_queue_head_t, wake_up_interruptible } from "linux/wait";

MODULE_LICENSE("GPL");

const TICKSTAT_MAGIC = "t";
const TICKSTAT_RESET = _IO(TICKSTAT_MAGIC, 0);       /* clear the history */
const TICKSTAT_PERIOD = _IO(TICKSTAT_MAGIC, 1);      /* set the period, in jiffies, by value */
const HIST = 8, LINE = 24;

const cfg_lock = DEFINE_MUTEX("cfg_lock");
const hist_lock = DEFINE_MUTEX("hist_lock");
const stats_lock = DEFINE_SPINLOCK("stats_lock");

/* under cfg_lock */
let period = 5;
/* under hist_lock */
const hist: number[] = [];
/* under stats_lock */
let ticks = 0, events = 0;

const tick_wait = new wait_queue_head_t();
const sampler = new timer_list();

function tickstat_sample(t: timer_list): void {
  spin_lock(stats_lock);                 /* softirq context */
  ticks++;
  events += 3;                           /* what the "device" counted this tick */
  spin_unlock(stats_lock);
  wake_up_interruptible(tick_wait);
  mod_timer(t, get_jiffies() + period);  /* a racy read of period is harmless: the next tick uses the new one */
}

function ticks_now(): number {
  spin_lock_bh(stats_lock);
  const n = ticks;
  spin_unlock_bh(stats_lock);
  return n;
}

/** read(): waits for the next sample, appends it to the history, returns the history as text. */
function tickstat_read(_filp: file, buf: number, count: number, _f_pos: Ref<number>): number {
  if (mutex_lock_interruptible(cfg_lock)) return -ERESTARTSYS;
  const p = period;
  mutex_lock(hist_lock);
  if (count < LINE) {
    mutex_unlock(hist_lock);
    mutex_unlock(cfg_lock);
    return -EINVAL;                      /* not even one line fits */
  }
  const last = ticks_now();
  if (wait_event_interruptible(tick_wait, () => ticks_now() !== last)) {
    mutex_unlock(hist_lock);
    mutex_unlock(cfg_lock);
    return -ERESTARTSYS;
  }
  spin_lock_bh(stats_lock);
  const sample = events;
  spin_unlock_bh(stats_lock);
  hist.push(sample);
  if (hist.length > HIST) hist.shift();
  const text = hist.map((e, i) => `sample ${String(i).padStart(2)}: ${String(e).padStart(5)} /${String(p).padStart(2)}j\n`).join("").slice(0, count);
  mutex_unlock(hist_lock);
  mutex_unlock(cfg_lock);
  // No lock held across the copy: it may fault in the user's page and sleep.
  const bytes = new TextEncoder().encode(text);
  const kbuf = kmalloc(bytes.length, GFP_KERNEL);
  if (!kbuf) return -ENOMEM;
  store_bytes(kbuf, bytes);
  const left = copy_to_user(buf, kbuf, bytes.length);
  kfree(kbuf);
  return left ? -EFAULT : bytes.length;
}

function tickstat_ioctl(_filp: file, cmd: number, arg: number): number {
  if (_IOC_TYPE(cmd) !== TICKSTAT_MAGIC.charCodeAt(0)) return -ENOTTY;
  switch (_IOC_NR(cmd)) {
    case _IOC_NR(TICKSTAT_RESET):
      mutex_lock(cfg_lock);
      mutex_lock(hist_lock);
      hist.length = 0;
      mutex_unlock(hist_lock);
      mutex_unlock(cfg_lock);
      return 0;
    case _IOC_NR(TICKSTAT_PERIOD):
      if (arg < 1 || arg > 250) return -EINVAL;
      mutex_lock(cfg_lock);
      period = arg;
      mutex_unlock(cfg_lock);
      return 0;
    default:
      return -ENOTTY;
  }
}

const tickstat_fops: file_operations = { owner: THIS_MODULE, read: tickstat_read, unlocked_ioctl: tickstat_ioctl };
const tickstat_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "tickstat", fops: tickstat_fops };

function tickstat_init(): number {
  init_waitqueue_head(tick_wait);
  timer_setup(sampler, tickstat_sample, 0);
  const ret = misc_register(tickstat_misc);
  if (ret) return ret;
  mod_timer(sampler, get_jiffies() + period);
  return 0;
}

function tickstat_exit(): void {
  misc_deregister(tickstat_misc);
  // BUG: the sampler is still pending (it re-arms itself every tick); del_timer_sync(sampler) (or timer_shutdown_sync()) belongs here.
}

module_init(tickstat_init);
module_exit(tickstat_exit);
