// <linux/workqueue.h> and <linux/jiffies.h>: deferring work, in virtual time.

import type { Deferred } from "../../kernel/sched";
import { currentKernel, intArg } from "../current";

export const HZ = 250;
const NS_PER_JIFFY = 1e9 / HZ;

export class work_struct {
  func: ((work: work_struct) => void) | null = null;
  /** @internal */ pending: Deferred | null = null;
}

export class delayed_work extends work_struct {}

export function INIT_WORK(work: work_struct, func: (work: work_struct) => void): void {
  work.func = func;
  work.pending = null;
}

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

/** schedule_work(): runs func on a kworker as soon as the scenario waits. */
export function schedule_work(work: work_struct): boolean {
  return queue(work, 0);
}

export function schedule_delayed_work(dwork: delayed_work, delay: number): boolean {
  return queue(dwork, intArg("schedule_delayed_work", 2, delay) * NS_PER_JIFFY);
}

export function cancel_work_sync(work: work_struct): boolean {
  const p = work.pending;
  if (!p || p.cancelled) return false;
  p.cancelled = true;
  work.pending = null;
  return true;
}

export const cancel_delayed_work_sync = cancel_work_sync;

/** flush_work(): runs the work now if it is queued. */
export function flush_work(work: work_struct): boolean {
  const k = currentKernel();
  const p = work.pending;
  if (!p || p.cancelled) return false;
  k.sched.runUntil(() => work.pending !== p);
  return true;
}

export function msecs_to_jiffies(m: number): number { return Math.ceil((intArg("msecs_to_jiffies", 1, m) * HZ) / 1000); }
export function usecs_to_jiffies(u: number): number { return Math.ceil((intArg("usecs_to_jiffies", 1, u) * HZ) / 1e6); }

/** jiffies, from virtual time (starting where Linux starts it, 5 minutes before wrap). */
export function get_jiffies(): number {
  return (4294892296 + Math.floor(currentKernel().clock.now / NS_PER_JIFFY)) % 2 ** 32;
}
