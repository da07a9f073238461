// <linux/timer.h> (and <linux/jiffies.h>'s comparisons): kernel timers.
// A timer's callback runs in softirq context when the virtual clock reaches
// its expiry (jiffies, HZ=250) and softirqs are allowed: it must not sleep
// (CTX001), and data it shares with process context needs spin_lock_bh()
// there. A timer still pending when its module unloads is reported as
// debugobjects does ("ODEBUG: free active … timer_list").
//
// C embeds the timer_list in its own struct and gets back to it with
// from_timer(); here the struct extends timer_list:
//
//   class jit_data extends timer_list { count = 0; }
//   function jit_fn(t: timer_list): void { const d = from_timer<jit_data>(t); ... }

import { armSoftirq, disarm, isArmed, jiffiesNow, nsUntil, type PendingTimer } from "../../kernel/timers";
import { currentKernel, here, intArg } from "../current";

/** timer_setup() flag: the timer may wait for the CPU's next wake-up rather than wake it. */
export const TIMER_DEFERRABLE = 0x00080000, /** timer_setup() flag: the timer runs on the CPU that armed it. */ TIMER_PINNED = 0x00200000, /** timer_setup() flag: the callback runs with interrupts disabled, so del_timer_sync() may be called from an interrupt handler. */ TIMER_IRQSAFE = 0x00400000;

/** struct timer_list. */
export class timer_list {
  /** Absolute expiry, in jiffies. */
  expires = 0;
  /** timer->function: runs in softirq context when the timer expires; must not sleep (CTX001). */
  function: ((t: timer_list) => void) | null = null;
  /** timer->flags: TIMER_* flags given to timer_setup(). */
  flags = 0;
}

/** What each timer has armed: kept here, not on the timer, so nothing a driver holds leads to the kernel's queue. */
const armedOf = new WeakMap<timer_list, PendingTimer>();

function timerArg(fn: string, v: unknown): timer_list {
  if (v instanceof timer_list) return v;
  throw new TypeError(`${fn}(): argument 1 must be a struct timer_list (new timer_list() or a class extending it), got ${v === null ? "NULL" : typeof v}`);
}

/**
 * void timer_setup(struct timer_list *timer, void (*callback)(struct timer_list *), unsigned int flags).
 * The callback runs in softirq context: it must not sleep.
 *
 * Rules: CTX001 (sleeping in atomic context) in the callback; LOCK003 (a lock leaked by the callback); LOCK005 (a lock it shares with process context needs spin_lock_bh() there).
 */
export function timer_setup(timer: timer_list, callback: (t: timer_list) => void, flags: number): void {
  const t = timerArg("timer_setup", timer);
  if (typeof callback !== "function") throw new TypeError("timer_setup(): argument 2 must be the callback function");
  const k = currentKernel();
  if (isArmed(k, armedOf.get(t))) k.warn("ODEBUG: init active (active state 0) object type: timer_list: timer_setup() of a pending timer", here(k));
  t.function = callback;
  t.flags = intArg("timer_setup", 3, flags);
}

/** from_timer(var, timer, field): the struct the timer is part of (here: the timer itself, as a subclass). */
export function from_timer<T extends timer_list>(timer: timer_list): T {
  return timerArg("from_timer", timer) as T;
}

function arm(fn: string, t: timer_list, expires: number): number {
  const k = currentKernel();
  const cb = t.function;
  if (!cb) throw new TypeError(`${fn}(): the timer_list was never timer_setup()`);
  const was = disarm(k, armedOf.get(t)) ? 1 : 0;
  t.expires = expires;
  armedOf.set(t, armSoftirq(k, "timer_list", cb.name || "timer_fn", nsUntil(k, expires), "timer", () => {
    armedOf.delete(t);
    cb(t);
  }));
  return was;
}

/** int mod_timer(struct timer_list *timer, unsigned long expires): (re)arms it for jiffies `expires`; 1 if it was pending. */
export function mod_timer(timer: timer_list, expires: number): number {
  return arm("mod_timer", timerArg("mod_timer", timer), intArg("mod_timer", 2, expires));
}

/** void add_timer(struct timer_list *timer): arms it at timer->expires; a pending timer is a BUG. */
export function add_timer(timer: timer_list): void {
  const t = timerArg("add_timer", timer);
  const k = currentKernel();
  if (isArmed(k, armedOf.get(t))) k.bug(here(k));
  arm("add_timer", t, t.expires);
}

/** int timer_pending(const struct timer_list *timer). */
export function timer_pending(timer: timer_list): number {
  return isArmed(currentKernel(), armedOf.get(timerArg("timer_pending", timer))) ? 1 : 0;
}

/** int del_timer(struct timer_list *timer) (timer_delete()): disarms; 1 if it was pending. A callback running on another CPU may still be running. */
export function del_timer(timer: timer_list): number {
  const t = timerArg("del_timer", timer);
  const was = disarm(currentKernel(), armedOf.get(t));
  armedOf.delete(t);
  return was ? 1 : 0;
}

/**
 * int del_timer_sync(struct timer_list *timer) (timer_delete_sync()):
 * disarms and waits for a running callback. Called from the callback
 * itself, or from interrupt context, it would wait forever (WARN_ON(in_irq())).
 */
export function del_timer_sync(timer: timer_list): number {
  const k = currentKernel();
  if (k.irqs.depth > 0) k.warn("WARNING: del_timer_sync() in hard interrupt context: it could wait forever for a callback that cannot finish", here(k));
  return del_timer(timer);
}

/**
 * ```c
 * int timer_delete(struct timer_list *timer)
 * ```
 * The current name of del_timer(): deactivates the timer; 1 if it was pending. A callback already running may still be running.
 *
 * Rules: MEM002 (use after free).
 */
export const timer_delete = del_timer;
/**
 * ```c
 * int timer_delete_sync(struct timer_list *timer)
 * ```
 * The current name of del_timer_sync(): deactivates the timer and waits for a running callback, before freeing what it uses. Not from the timer's own callback or with a lock the callback takes.
 *
 * Rules: MEM002 (use after free); LOCK004 (inconsistent lock order (ABBA)).
 */
export const timer_delete_sync = del_timer_sync;

/** int timer_shutdown_sync(struct timer_list *timer): del_timer_sync(), and later mod_timer() calls are ignored. */
export function timer_shutdown_sync(timer: timer_list): number {
  const t = timerArg("timer_shutdown_sync", timer);
  const r = del_timer_sync(t);
  t.function = null;
  return r;
}

/**
 * ```c
 * extern unsigned long volatile jiffies
 * ```
 * jiffies: the tick count, HZ=250.
 */
export function get_jiffies(): number { return jiffiesNow(currentKernel()); }

/** time_after(a, b): a is later than b, across the 32-bit wrap. */
export function time_after(a: number, b: number): boolean { return ((b - a) | 0) < 0; }
/**
 * ```c
 * #define time_before(a, b) time_after(b, a)
 * ```
 * True when jiffies value a is before b, correct across the wrap of jiffies.
 */
export function time_before(a: number, b: number): boolean { return time_after(b, a); }
/**
 * ```c
 * #define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
 * ```
 * True when jiffies value a is at or after b, correct across the wrap.
 */
export function time_after_eq(a: number, b: number): boolean { return ((a - b) | 0) >= 0; }
/**
 * ```c
 * #define time_before_eq(a, b) time_after_eq(b, a)
 * ```
 * True when jiffies value a is at or before b, correct across the wrap.
 */
export function time_before_eq(a: number, b: number): boolean { return time_after_eq(b, a); }
