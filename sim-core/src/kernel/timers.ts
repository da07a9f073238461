// Kernel timers (struct timer_list) and tasklets in virtual time: both run
// as softirqs, after the clock reaches them and only while softirqs are
// allowed (see locking.ts). Each kernel keeps the ones pending per module so
// that unloading a module with one still armed is reported as
// debugobjects reports freeing an active timer.

import type { Kernel } from "../kernel";
import type { Deferred } from "./sched";
import type { Module } from "./module";
import type { CapturedStack } from "./stack";
import { NS_PER_JIFFY } from "./wait";

export interface PendingTimer {
  readonly kind: "timer_list" | "tasklet_struct";
  /** The callback's name, debugobjects' "hint". */
  readonly hint: string;
  readonly module: Module | null;
  deferred: Deferred;
  /** Where it was armed (mod_timer(), add_timer()): the report's location when it is still armed at unload. */
  readonly armedAt: CapturedStack | undefined;
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
  const p: PendingTimer = { kind, hint, module, deferred: undefined as unknown as Deferred, armedAt: k.stacks.record() };
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
 * code that is no longer there. A timer_list is debugobjects' report (MEM009:
 * freeing the module frees an active object, and timer_fixup_free() deletes
 * it); a tasklet, which debugobjects does not track, is a warning. Then it is
 * disarmed.
 */
export function reportArmedAtUnload(k: Kernel, m: Module): void {
  for (const p of [...pendingOf(k)]) {
    if (p.module !== m) continue;
    if (p.kind === "timer_list") reportActiveTimer(k, m, p);
    else k.warn(`ODEBUG: free active (active state 0) object type: ${p.kind} hint: ${p.hint} [${m.name}] (unloaded with this tasklet still scheduled: tasklet_kill() it in the exit path)`, undefined);
    disarm(k, p);
  }
}

/** Objects reported so far, per kernel: what %p prints for each is a hash of a distinct address. */
const reportedObjects = new WeakMap<Kernel, number>();

function reportActiveTimer(k: Kernel, m: Module, p: PendingTimer): void {
  const armed = p.armedAt?.top;
  const fix = k.fixSites.forLeak(m, p.armedAt?.driverFrames ?? [], "the del_timer_sync() (or timer_shutdown_sync()) of this timer");
  // debugobjects prints the object's address hashed (%p); the simulated timer has none of its own.
  const n = (reportedObjects.get(k) ?? 0) + 1;
  reportedObjects.set(k, n);
  const object = k.format("%p", [0xffffffffc0800000 + 0x1000 * n]);
  k.violation({
    rule: "MEM009",
    params: { kind: p.kind, hint: p.hint },
    report: [
      "------------[ cut here ]------------",
      `ODEBUG: free active (active state 0) object: ${object} object type: ${p.kind} hint: ${p.hint} [${m.name}]`,
      `WARNING: CPU: 0 PID: ${k.current.pid} at lib/debugobjects.c:514 debug_print_object`,
      "Call Trace:",
      " debug_check_no_obj_freed",
      " free_module",
      " __do_sys_delete_module",
      "---[ end trace 0000000000000000 ]---",
      ...(armed ? [`(armed at ${k.stacks.formatFrame(armed)}; ${fix ? `${fix.fn}() returns` : "the module unloaded"} without del_timer_sync())`] : []),
    ],
    stack: p.armedAt,
    ...(fix ? { fix } : {}),
  });
}
