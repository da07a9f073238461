// Per-open sessions, each with a kref, a periodic timer that counts ticks,
// and a wait queue read() sleeps on. A global registry of sessions is kept
// under a mutex (process context only); the tick counters are shared with
// the timer (softirq), so process context takes their spinlock with _bh.

import { ENOMEM, ENOTTY, EFAULT } from "linux/errno";
import type { file, file_operations, inode, Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { _IOR } from "linux/ioctl";
import { kref, kref_get, kref_init, kref_put } from "linux/kref";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock } from "linux/mutex";
import { snprintf } from "linux/printk";
import { kfree, kzalloc } from "linux/slab";
import { spin_lock_bh, spin_lock_init, spin_unlock_bh, spinlock_t } from "linux/spinlock";
import { del_timer_sync, from_timer, get_jiffies, mod_timer, timer_list, timer_setup } from "linux/timer";
import { copy_to_user, put_user } from "linux/uaccess";
import { DECLARE_WAIT_QUEUE_HEAD, wait_event_interruptible, wake_up_interruptible } from "linux/wait";

MODULE_LICENSE("GPL");

const TICK = 25; // jiffies
const SESS_COUNT = _IOR(0x53, 1, 4);

class session extends timer_list {
  ref = new kref();
  lock = new spinlock_t();
  ticks = 0;
  id = 0;
  text = 0;
}

const registry: session[] = [];
const registry_lock = DEFINE_MUTEX("sess_registry");
const tick_wait = DECLARE_WAIT_QUEUE_HEAD();
let next_id = 1;

function session_free(r: kref): void {
  const s = registry.find((x) => x.ref === r) ?? orphan.find((x) => x.ref === r)!;
  kfree(s.text);
  orphan.splice(orphan.indexOf(s), 1);
}
/** Sessions out of the registry whose last reference is still held somewhere. */
const orphan: session[] = [];

function tick(t: timer_list): void {
  const s = from_timer<session>(t);
  mutex_lock(registry_lock); // BUG: a timer runs in softirq context and must not sleep: the tick counter's spinlock is enough
  const n = ++s.ticks;
  mutex_unlock(registry_lock);
  wake_up_interruptible(tick_wait);
  if (n < 5) mod_timer(s, get_jiffies() + TICK);
}

function ticks_of(s: session): number {
  spin_lock_bh(s.lock);
  const n = s.ticks;
  spin_unlock_bh(s.lock);
  return n;
}

function sess_open(_i: inode, f: file): number {
  const s = new session();
  s.text = kzalloc(64, GFP_KERNEL);
  if (!s.text) return -ENOMEM;
  kref_init(s.ref);
  spin_lock_init(s.lock);
  timer_setup(s, tick, 0);
  mutex_lock(registry_lock);
  s.id = next_id++;
  registry.push(s);
  mutex_unlock(registry_lock);
  f.private_data = s;
  mod_timer(s, get_jiffies() + TICK);
  return 0;
}

function sess_release(_i: inode, f: file): number {
  const s = f.private_data as session;
  del_timer_sync(s);
  mutex_lock(registry_lock);
  registry.splice(registry.indexOf(s), 1);
  orphan.push(s);
  mutex_unlock(registry_lock);
  kref_put(s.ref, session_free);
  return 0;
}

function sess_read(f: file, ubuf: number, count: number, _p: Ref<number>): number {
  const s = f.private_data as session;
  const err = wait_event_interruptible(tick_wait, () => ticks_of(s) >= 3);
  if (err) return err;
  const len = snprintf(s.text, 64, "session %d: %d ticks\n", s.id, ticks_of(s));
  const n = Math.min(len, count);
  return copy_to_user(ubuf, s.text, n) ? -EFAULT : n;
}

/** How many sessions have ticked at least once: each looked at with a reference of its own. */
function sess_ioctl(_f: file, cmd: number, arg: number): number {
  if (cmd !== SESS_COUNT) return -ENOTTY;
  mutex_lock(registry_lock);
  const held = registry.slice();
  for (const s of held) kref_get(s.ref);
  mutex_unlock(registry_lock);
  let live = 0;
  for (const s of held) {
    if (ticks_of(s) > 0) live++;
    kref_put(s.ref, session_free);
  }
  return put_user(live, arg, 4);
}

const fops: file_operations = { owner: THIS_MODULE, open: sess_open, release: sess_release, read: sess_read, unlocked_ioctl: sess_ioctl };
const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "sessions", fops };

module_init(() => misc_register(misc));
module_exit(() => misc_deregister(misc));
