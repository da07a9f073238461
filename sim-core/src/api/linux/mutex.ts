// <linux/mutex.h>: sleeping locks. A mutex may be held across calls that
// sleep, but taking one may sleep too, so never under a spinlock, in an
// interrupt handler or a timer (CTX001). lockdep checks them like spinlocks:
// taking one twice (LOCK001), unlocking one not held (LOCK002), returning to
// user space with one held (LOCK003), and lock order (LOCK004).
//
// One task runs at a time here: a mutex held by a task that is itself
// waiting (for a completion, a semaphore) cannot be released while another
// waits for it, so that wait is reported as the deadlock it would be.

import { currentKernel, here } from "../current";

/** struct mutex. `new mutex("&dev->lock")`: unlocked; the name is lockdep's class name (as mutex_init() takes it from its argument). */
export class mutex {
  constructor(
    /** The mutex's name in lockdep-style reports (DEFINE_MUTEX's argument). */
    readonly name?: string) {}
}

function mutexArg(fn: string, v: unknown): mutex {
  if (v instanceof mutex) return v;
  throw new TypeError(`${fn}(): argument 1 must be a struct mutex (new mutex() or DEFINE_MUTEX()), got ${v === null ? "NULL" : typeof v}`);
}

/** void mutex_init(struct mutex *lock): unlocked; mutexes initialised at one site share a lockdep class. */
export function mutex_init(lock: mutex, name?: string): void {
  const k = currentKernel();
  k.locking.init(mutexArg("mutex_init", lock), "mutex", name ?? lock.name, here(k));
}

/** DEFINE_MUTEX(name): a static, unlocked mutex. */
export function DEFINE_MUTEX(name: string): mutex {
  return new mutex(String(name));
}

/** void mutex_destroy(struct mutex *lock): a held mutex cannot be destroyed (DEBUG_LOCKS_WARN_ON(mutex_is_locked(lock))). */
export function mutex_destroy(lock: mutex): void {
  const k = currentKernel();
  if (k.locking.isLocked(mutexArg("mutex_destroy", lock))) k.warn("DEBUG_LOCKS_WARN_ON(mutex_is_locked(lock))", here(k));
}

function lock(fn: string, m: unknown): void {
  const k = currentKernel(), stack = here(k);
  const l = mutexArg(fn, m);
  k.mightSleep(fn, stack);
  k.locking.acquire(l, "mutex", fn, stack);
}

/**
 * void mutex_lock(struct mutex *lock): may sleep (CTX001 in atomic context); taking it twice deadlocks (LOCK001).
 *
 * Rules: CTX001 (sleeping in atomic context); LOCK001 (recursive locking); LOCK003 (lock held on return); LOCK004 (inconsistent lock order).
 */
export function mutex_lock(m: mutex): void { lock("mutex_lock", m); }

/**
 * int mutex_lock_interruptible(struct mutex *lock): 0 when taken, -EINTR
 * when a signal ended the wait (the caller must then not unlock). No signal
 * reaches a task here while it waits, so it returns 0 or deadlocks as
 * mutex_lock() would.
 */
export function mutex_lock_interruptible(m: mutex): number {
  lock("mutex_lock_interruptible", m);
  return 0;
}

/** int mutex_lock_killable(struct mutex *lock): as mutex_lock_interruptible(), for fatal signals only. */
export function mutex_lock_killable(m: mutex): number {
  lock("mutex_lock_killable", m);
  return 0;
}

/** int mutex_trylock(struct mutex *lock): 1 when taken, 0 when held (never sleeps; not for interrupt context). */
export function mutex_trylock(m: mutex): number {
  const k = currentKernel();
  const l = mutexArg("mutex_trylock", m);
  if (k.irqs.depth > 0) k.warn("DEBUG_LOCKS_WARN_ON(in_interrupt()): mutex_trylock() in interrupt context", here(k));
  return k.locking.acquire(l, "mutex", "mutex_trylock", here(k), { trylock: true }) ? 1 : 0;
}

/**
 * void mutex_unlock(struct mutex *lock): only by the task that holds it (LOCK002 otherwise).
 *
 * Rules: LOCK002 (unlock of a lock not held).
 */
export function mutex_unlock(m: mutex): void {
  const k = currentKernel();
  k.locking.release(mutexArg("mutex_unlock", m), "mutex", "mutex_unlock", here(k));
}

/** bool mutex_is_locked(struct mutex *lock). */
export function mutex_is_locked(m: mutex): boolean {
  return currentKernel().locking.isLocked(mutexArg("mutex_is_locked", m));
}

/** lockdep_assert_held(lock): WARN unless the lock is held. */
export function lockdep_assert_held(l: mutex | { name?: string }): void {
  const k = currentKernel();
  if (!k.locking.isLocked(l as object)) k.warn("WARNING: lockdep_assert_held() of a lock that is not held", here(k));
}
