// <linux/workqueue.h> and <linux/jiffies.h>: deferring work, in virtual time.

import type { Deferred } from "../../kernel/sched";
import { currentKernel, intArg } from "../current";

/**
 * ```c
 * #define HZ CONFIG_HZ
 * ```
 * Timer ticks (jiffies) per second: 250 here, a common CONFIG_HZ. Convert with msecs_to_jiffies() rather than assuming a value.
 */
export const HZ = 250;
const NS_PER_JIFFY = 1e9 / HZ;

export class work_struct {
  /** work->func: the work_func_t that runs in process context (a kworker); it may sleep. */
  func: ((work: work_struct) => void) | null = null;
  /** @internal */ pending: Deferred | null = null;
}

export class delayed_work extends work_struct {}

/**
 * ```c
 * #define INIT_WORK(_work, _func) …
 * ```
 * Initialises a work item to run func(work) on a kworker when scheduled. Work runs in process context (it may sleep).
 */
export function INIT_WORK(work: work_struct, func: (work: work_struct) => void): void {
  work.func = func;
  work.pending = null;
}

/**
 * ```c
 * #define INIT_DELAYED_WORK(_work, _func) …
 * ```
 * Initialises a delayed work item (schedule_delayed_work()).
 */
export const INIT_DELAYED_WORK = INIT_WORK;

function queue(work: work_struct, delayNs: number): boolean {
  const k = currentKernel();
  if (work.pending && !work.pending.cancelled) return false;
  const fn = work.func;
  if (!fn) throw new TypeError("schedule_work(): the work_struct was never INIT_WORK()ed");
  const module = k.currentModule;
  work.pending = k.sched.defer(delayNs, fn.name || "work", () => {
    work.pending = null;
    k.withCurrent(k.kworker, () => k.callDriver(module, "work", () => fn(work)));
  });
  return true;
}

/**
 * ```c
 * static inline bool schedule_work(struct work_struct *work)
 * ```
 * schedule_work(): runs func on a kworker as soon as the scenario waits.
 */
export function schedule_work(work: work_struct): boolean {
  return queue(work, 0);
}

/**
 * ```c
 * static inline bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay)
 * ```
 * Queues the work to run after delay jiffies; false when it was already queued.
 */
export function schedule_delayed_work(dwork: delayed_work, delay: number): boolean {
  return queue(dwork, intArg("schedule_delayed_work", 2, delay) * NS_PER_JIFFY);
}

/**
 * ```c
 * bool cancel_work_sync(struct work_struct *work)
 * ```
 * Cancels the work and waits for a running instance to finish: in module_exit and remove(), before freeing what the work uses. May sleep.
 *
 * Rules: CTX001 (sleeping in atomic context); MEM002 (use after free).
 */
export function cancel_work_sync(work: work_struct): boolean {
  const p = work.pending;
  if (!p || p.cancelled) return false;
  p.cancelled = true;
  work.pending = null;
  return true;
}

/**
 * ```c
 * bool cancel_delayed_work_sync(struct delayed_work *dwork)
 * ```
 * Cancels a delayed work item and waits for it to finish. May sleep.
 *
 * Rules: CTX001 (sleeping in atomic context); MEM002 (use after free).
 */
export const cancel_delayed_work_sync = cancel_work_sync;

/**
 * ```c
 * bool flush_work(struct work_struct *work)
 * ```
 * flush_work(): runs the work now if it is queued.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function flush_work(work: work_struct): boolean {
  const k = currentKernel();
  const p = work.pending;
  if (!p || p.cancelled) return false;
  k.sched.runUntil(() => work.pending !== p);
  return true;
}

/**
 * ```c
 * unsigned long msecs_to_jiffies(const unsigned int m)
 * ```
 * Milliseconds to jiffies, rounded up.
 */
export function msecs_to_jiffies(m: number): number { return Math.ceil((intArg("msecs_to_jiffies", 1, m) * HZ) / 1000); }
/**
 * ```c
 * unsigned long usecs_to_jiffies(const unsigned int u)
 * ```
 * Microseconds to jiffies, rounded up.
 */
export function usecs_to_jiffies(u: number): number { return Math.ceil((intArg("usecs_to_jiffies", 1, u) * HZ) / 1e6); }

/**
 * ```c
 * extern unsigned long volatile jiffies
 * ```
 * jiffies, from virtual time (starting where Linux starts it, 5 minutes before wrap).
 */
export function get_jiffies(): number {
  return (4294892296 + Math.floor(currentKernel().clock.now / NS_PER_JIFFY)) % 2 ** 32;
}
