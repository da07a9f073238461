// LDD3 chapter 7's jit ("just in time"), its timer and tasklet half:
// reading /dev/jitimer arms a kernel timer that runs JIT_ASYNC_LOOPS times,
// `tdelay` jiffies apart; each run appends a line — the jiffies, the delta,
// whether it ran in interrupt context, and the task it interrupted — to a
// buffer, and the reader sleeps on a wait queue until the last one.
// /dev/jitasklet does the same with a tasklet that reschedules itself.
//
// Unlike LDD3's, the buffer here is shared state guarded by a spinlock, as
// drivers do with data a timer fills: the callbacks run in softirq context
// and take it with spin_lock(); process context must take it with
// spin_lock_bh(), so that the timer cannot run on this CPU while the lock
// is held (and spin on it forever). Nothing in a callback may sleep.

import { EFAULT, ENOMEM, ERESTARTSYS } from "linux/errno";
import type { file, file_operations, Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { in_interrupt, tasklet_schedule, tasklet_setup, tasklet_kill, tasklet_struct } from "linux/interrupt";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_AUTHOR, MODULE_LICENSE, module_exit, module_init, module_param, THIS_MODULE } from "linux/module";
import { scnprintf } from "linux/printk";
import { current } from "linux/sched";
import { kfree, kmalloc } from "linux/slab";
import { spin_lock, spin_lock_bh, spin_lock_init, spin_unlock, spin_unlock_bh, spinlock_t } from "linux/spinlock";
import { add_timer, del_timer_sync, from_timer, get_jiffies, timer_list, timer_setup } from "linux/timer";
import { copy_to_user } from "linux/uaccess";
import { init_waitqueue_head, wait_event_interruptible, wake_up_interruptible, wait_queue_head_t } from "linux/wait";

MODULE_AUTHOR("Alessandro Rubini");
MODULE_LICENSE("Dual BSD/GPL");

const tdelay = module_param("tdelay", "int", 10, 0);
const JIT_ASYNC_LOOPS = 5;
const JIT_BUF = 1024;

/** struct jit_data: the timer and the tasklet are part of it (from_timer() finds it). */
class jit_data extends timer_list {
  readonly tlet = new jit_tasklet(this);
  readonly wait = new wait_queue_head_t();
  /** Guards everything below: the callbacks fill it in softirq context. */
  readonly lock = new spinlock_t();
  prevjiffies = 0;
  buf = 0;
  len = 0;
  loops = 0;
}

class jit_tasklet extends tasklet_struct {
  constructor(readonly data: jit_data) { super(); }
}

/** One line of the table: called with data.lock held. */
function jit_line(data: jit_data, j: number): void {
  data.len += scnprintf(data.buf + data.len, JIT_BUF - data.len, "%9lu  %3li     %i    %6i   %i   %s\n",
    j, j - data.prevjiffies, in_interrupt() ? 1 : 0, current.pid, 0 /* smp_processor_id(): one CPU */, current.comm);
  data.prevjiffies = j;
}

function jit_timer_fn(t: timer_list): void {
  const data = from_timer<jit_data>(t);
  const j = get_jiffies();
  spin_lock(data.lock);                       // softirq context: the plain variant
  jit_line(data, j);
  const more = --data.loops > 0;
  spin_unlock(data.lock);
  if (more) {
    data.expires += tdelay;
    add_timer(data);
  } else {
    wake_up_interruptible(data.wait);
  }
}

function jit_tasklet_fn(t: tasklet_struct): void {
  const data = (t as jit_tasklet).data;
  const j = get_jiffies();
  spin_lock(data.lock);
  jit_line(data, j);
  const more = --data.loops > 0;
  spin_unlock(data.lock);
  if (more) tasklet_schedule(data.tlet);
  else wake_up_interruptible(data.wait);
}

/** The wait's condition, read in process context: _bh, or the timer could interrupt us holding the lock. */
function jit_done(data: jit_data): boolean {
  spin_lock_bh(data.lock);
  const done = data.loops === 0;
  spin_unlock_bh(data.lock);
  return done;
}

function jit_fill(buf: number, count: number, f_pos: Ref<number>, use_timer: boolean): number {
  if (f_pos.value > 0) return 0;             // one table per open, as /proc/jitimer prints it
  const data = new jit_data();
  data.buf = kmalloc(JIT_BUF, GFP_KERNEL);
  if (!data.buf) return -ENOMEM;
  spin_lock_init(data.lock, "&data->lock");
  init_waitqueue_head(data.wait);
  const j = get_jiffies();
  data.len = scnprintf(data.buf, JIT_BUF, "   time   delta  inirq    pid   cpu command\n");
  data.prevjiffies = j;
  spin_lock_bh(data.lock);
  jit_line(data, j);
  data.loops = JIT_ASYNC_LOOPS;
  spin_unlock_bh(data.lock);
  if (use_timer) {
    timer_setup(data, jit_timer_fn, 0);
    data.expires = j + tdelay;
    add_timer(data);
  } else {
    tasklet_setup(data.tlet, jit_tasklet_fn);
    tasklet_schedule(data.tlet);
  }
  if (wait_event_interruptible(data.wait, () => jit_done(data))) {
    // A signal: the callbacks must be stopped before the data goes.
    if (use_timer) del_timer_sync(data);
    else tasklet_kill(data.tlet);
    kfree(data.buf);
    return -ERESTARTSYS;
  }
  const n = Math.min(count, data.len);
  const ret = copy_to_user(buf, data.buf, n) ? -EFAULT : n;
  kfree(data.buf);
  if (ret > 0) f_pos.value += ret;
  return ret;
}

function jitimer_read(_filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  return jit_fill(buf, count, f_pos, true);
}

function jitasklet_read(_filp: file, buf: number, count: number, f_pos: Ref<number>): number {
  return jit_fill(buf, count, f_pos, false);
}

const jitimer_fops: file_operations = { owner: THIS_MODULE, read: jitimer_read };
const jitasklet_fops: file_operations = { owner: THIS_MODULE, read: jitasklet_read };
const jitimer_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "jitimer", fops: jitimer_fops };
const jitasklet_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "jitasklet", fops: jitasklet_fops };

function jit_init(): number {
  const ret = misc_register(jitimer_misc);
  if (ret) return ret;
  const ret2 = misc_register(jitasklet_misc);
  if (ret2) misc_deregister(jitimer_misc);
  return ret2;
}

function jit_cleanup(): void {
  misc_deregister(jitasklet_misc);
  misc_deregister(jitimer_misc);
}

module_init(jit_init);
module_exit(jit_cleanup);
