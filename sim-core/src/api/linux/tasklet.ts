// Tasklets (<linux/interrupt.h>): deferred work in softirq context, the
// bottom half LDD3 schedules from an interrupt handler. A scheduled
// tasklet runs once however often it is scheduled before it runs; it must
// not sleep (CTX001). tasklet_kill() in the exit path, or the module
// unloads with it scheduled (debugobjects' report).

import { armSoftirq, disarm, isArmed, type PendingTimer } from "../../kernel/timers";
import { currentKernel, here } from "../current";

/** struct tasklet_struct. */
export class tasklet_struct {
  /** t->callback: runs in softirq context; must not sleep (CTX001). */
  callback: ((t: tasklet_struct) => void) | null = null;
  /** Nesting of tasklet_disable(): a disabled tasklet stays scheduled and runs at tasklet_enable(). */
  count = 0;
}

/** Kept beside the tasklet, not on it: nothing a driver holds leads to the kernel's queue. */
const armedOf = new WeakMap<tasklet_struct, PendingTimer>();
const heldWhileDisabled = new WeakSet<tasklet_struct>();

function taskletArg(fn: string, v: unknown): tasklet_struct {
  if (v instanceof tasklet_struct) return v;
  throw new TypeError(`${fn}(): argument 1 must be a struct tasklet_struct (new tasklet_struct()), got ${v === null ? "NULL" : typeof v}`);
}

/**
 * void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *)). The callback runs in softirq context.
 *
 * Rules: CTX001 (sleeping in atomic context) in the callback; LOCK005 (a lock shared with process context needs spin_lock_bh() there).
 */
export function tasklet_setup(t: tasklet_struct, callback: (t: tasklet_struct) => void): void {
  const ts = taskletArg("tasklet_setup", t);
  if (typeof callback !== "function") throw new TypeError("tasklet_setup(): argument 2 must be the callback function");
  ts.callback = callback;
  ts.count = 0;
}

/** from_tasklet(var, t, field): the struct the tasklet is part of (a subclass of tasklet_struct here). */
export function from_tasklet<T extends tasklet_struct>(t: tasklet_struct): T {
  return taskletArg("from_tasklet", t) as T;
}

/** void tasklet_schedule(struct tasklet_struct *t): runs it soon in softirq context; already scheduled, nothing changes. */
export function tasklet_schedule(t: tasklet_struct): void {
  const ts = taskletArg("tasklet_schedule", t);
  const k = currentKernel();
  const cb = ts.callback;
  if (!cb) throw new TypeError("tasklet_schedule(): the tasklet_struct was never tasklet_setup()");
  if (isArmed(k, armedOf.get(ts))) return;
  armedOf.set(ts, armSoftirq(k, "tasklet_struct", cb.name || "tasklet_fn", 0, "tasklet", () => {
    armedOf.delete(ts);
    if (ts.count > 0) {
      heldWhileDisabled.add(ts);
      return;
    }
    cb(ts);
  }));
}

/**
 * ```c
 * void tasklet_hi_schedule(struct tasklet_struct *t)
 * ```
 * As tasklet_schedule(), on the high-priority softirq. The callback runs in softirq context: it must not sleep.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export const tasklet_hi_schedule = tasklet_schedule;

/** void tasklet_disable(struct tasklet_struct *t). */
export function tasklet_disable(t: tasklet_struct): void { taskletArg("tasklet_disable", t).count++; }

/** void tasklet_enable(struct tasklet_struct *t): a run held off while disabled happens now. */
export function tasklet_enable(t: tasklet_struct): void {
  const ts = taskletArg("tasklet_enable", t);
  if (ts.count > 0) ts.count--;
  if (ts.count === 0 && heldWhileDisabled.has(ts)) {
    heldWhileDisabled.delete(ts);
    tasklet_schedule(ts);
  }
}

/** void tasklet_kill(struct tasklet_struct *t): unschedules it; may sleep (not in interrupt context). */
export function tasklet_kill(t: tasklet_struct): void {
  const ts = taskletArg("tasklet_kill", t);
  const k = currentKernel();
  if (k.irqs.depth > 0) k.warn("WARNING: tasklet_kill() in interrupt context", here(k));
  disarm(k, armedOf.get(ts));
  armedOf.delete(ts);
  heldWhileDisabled.delete(ts);
}
