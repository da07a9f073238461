// Kernel timers (struct timer_list) and tasklets in virtual time: both run
// as softirqs, after the clock reaches them and only while softirqs are
// allowed (see locking.ts). Each kernel keeps the ones pending per module so
// that unloading a module with one still armed is reported as
// debugobjects reports freeing an active timer.

import type { Kernel } from "../kernel";
import type { Deferred } from "./sched";
import type { Module } from "./module";
import { NS_PER_JIFFY } from "./wait";

export interface PendingTimer {
  readonly kind: "timer_list" | "tasklet_struct";
  /** The callback's name, debugobjects' "hint". */
  readonly hint: string;
  readonly module: Module | null;
  deferred: Deferred;
}

const perKernel = new WeakMap<Kernel, Set<PendingTimer>>();

function pendingOf(k: Kernel): Set<PendingTimer> {
  let s = perKernel.get(k);
  if (!s) perKernel.set(k, (s = new Set()));
  return s;
}

/** jiffies now: HZ=250, starting five minutes before the 32-bit wrap, as Linux does. */
export function jiffiesNow(k: Kernel): number {
  return (4294892296 + Math.floor(k.clock.now / NS_PER_JIFFY)) % 2 ** 32;
}

/** Nanoseconds from now until jiffies `expires` (time_after() arithmetic: a past value is due now). */
export function nsUntil(k: Kernel, expires: number): number {
  const delta = ((expires - jiffiesNow(k)) | 0);
  return delta <= 0 ? 0 : delta * NS_PER_JIFFY - (k.clock.now % NS_PER_JIFFY);
}

/**
 * Arms a softirq callback `delayNs` from now. `run` is called in softirq
 * context, through callDriver as `what` ("timer" or "tasklet"), charged to
 * the module that armed it.
 */
export function armSoftirq(k: Kernel, kind: PendingTimer["kind"], hint: string, delayNs: number, what: string, run: () => void): PendingTimer {
  const module = k.currentModule;
  const set = pendingOf(k);
  const p: PendingTimer = { kind, hint, module, deferred: undefined as unknown as Deferred };
  p.deferred = k.sched.defer(delayNs, `${what} ${hint}`, () => {
    set.delete(p);
    k.locking.softirq(() => k.callDriver(module, what, run));
  });
  set.add(p);
  return p;
}

/** Disarms; true when it was still pending. */
export function disarm(k: Kernel, p: PendingTimer | null | undefined): boolean {
  if (!p || p.deferred.cancelled || !pendingOf(k).has(p)) return false;
  p.deferred.cancelled = true;
  pendingOf(k).delete(p);
  return true;
}

export function isArmed(k: Kernel, p: PendingTimer | null | undefined): boolean {
  return !!p && !p.deferred.cancelled && pendingOf(k).has(p);
}

/**
 * At module unload: every timer or tasklet the module left armed would run
 * code that is no longer there. debugobjects' report, then it is disarmed.
 */
export function reportArmedAtUnload(k: Kernel, m: Module): void {
  for (const p of [...pendingOf(k)]) {
    if (p.module !== m) continue;
    k.warn(`ODEBUG: free active (active state 0) object type: ${p.kind} hint: ${p.hint} [${m.name}] (unloaded with this ${p.kind === "timer_list" ? "timer still pending: del_timer_sync()" : "tasklet still scheduled: tasklet_kill()"} it in the exit path)`, undefined);
    disarm(k, p);
  }
}
