// <linux/spinlock.h>, with <linux/irqflags.h> and <linux/bottom_half.h>:
// spinlocks and the CPU's interrupt and softirq switches.
//
// The machine has one CPU, so a spinlock never waits for another CPU: taking
// one that is already held deadlocks (LOCK001). While a lock is held the
// holder is atomic — sleeping there is CTX001 — and with the _irq/_irqsave
// variants interrupts really are off: a device's interrupt raised meanwhile
// is delivered at the unlock. The _bh variants hold off timers and tasklets.
//
// C hands flags to spin_lock_irqsave() as a macro argument; here the flags
// come back as the return value:
//
//   const flags = spin_lock_irqsave(dev.lock);
//   ...
//   spin_unlock_irqrestore(dev.lock, flags);

import { currentKernel, here, intArg } from "../current";

/** X86_EFLAGS_IF: the bit of the saved flags that says interrupts were on. */
const X86_EFLAGS_IF = 0x200;
/** The rest of a typical saved EFLAGS (reserved bit 1, ZF, PF). */
const EFLAGS_BASE = 0x46;

/**
 * spinlock_t. `new spinlock_t()` is an unlocked lock (as a zeroed struct or
 * __SPIN_LOCK_UNLOCKED()); give it a name for lockdep's reports, as C's
 * spin_lock_init() takes the name of its argument.
 */
export class spinlock_t {
  constructor(
    /** The lock's name in lockdep-style reports (DEFINE_SPINLOCK's argument). */
    readonly name?: string) {}
}

function lockArg(fn: string, v: unknown): spinlock_t {
  if (v instanceof spinlock_t) return v;
  throw new TypeError(`${fn}(): argument 1 must be a spinlock_t (new spinlock_t() or DEFINE_SPINLOCK()), got ${v === null ? "NULL" : typeof v}`);
}

/**
 * void spin_lock_init(spinlock_t *lock): an unlocked lock. Locks
 * initialised at one call site share a lockdep class, named after `name`
 * (C uses the text of the argument, e.g. "&dev->lock") or the site.
 */
export function spin_lock_init(lock: spinlock_t, name?: string): void {
  const k = currentKernel();
  k.locking.init(lockArg("spin_lock_init", lock), "spinlock", name ?? lock.name, here(k));
}

/** DEFINE_SPINLOCK(name): a static, unlocked spinlock whose lockdep class is `name`. */
export function DEFINE_SPINLOCK(name: string): spinlock_t {
  return new spinlock_t(String(name));
}

/**
 * void spin_lock(spinlock_t *lock): takes the lock; the holder must not sleep (CTX001) or take it again (LOCK001).
 *
 * Rules: LOCK001 (recursive locking); LOCK003 (lock held on return); LOCK004 (inconsistent lock order); LOCK005 (lock taken in interrupt context and with interrupts enabled); CTX001 (sleeping in atomic context) while held.
 */
export function spin_lock(lock: spinlock_t): void {
  const k = currentKernel();
  k.locking.acquire(lockArg("spin_lock", lock), "spinlock", "spin_lock", here(k));
}

/**
 * void spin_unlock(spinlock_t *lock): releases it; a lock not held is LOCK002.
 *
 * Rules: LOCK002 (unlock of a lock not held).
 */
export function spin_unlock(lock: spinlock_t): void {
  const k = currentKernel();
  k.locking.release(lockArg("spin_unlock", lock), "spinlock", "spin_unlock", here(k));
}

/** int spin_trylock(spinlock_t *lock): 1 when taken, 0 when already held (never waits). */
export function spin_trylock(lock: spinlock_t): number {
  const k = currentKernel();
  return k.locking.acquire(lockArg("spin_trylock", lock), "spinlock", "spin_trylock", here(k), { trylock: true }) ? 1 : 0;
}

/**
 * spin_lock_irqsave(lock, flags): interrupts off, then the lock; returns the flags for spin_unlock_irqrestore().
 * An interrupt raised while they are off is delivered at the restore.
 *
 * Rules: LOCK001 (recursive locking); LOCK003 (lock held on return); LOCK004 (inconsistent lock order); CTX001 (sleeping in atomic context) while held.
 */
export function spin_lock_irqsave(lock: spinlock_t): number {
  const k = currentKernel();
  const l = lockArg("spin_lock_irqsave", lock);
  const was = k.locking.irqSave();
  try {
    k.locking.acquire(l, "spinlock", "spin_lock_irqsave", here(k));
  } catch (e) {
    k.locking.irqRestore(was);
    throw e;
  }
  return flagsOf(was);
}

/** void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags): the lock, then interrupts as they were (pending ones delivered). */
export function spin_unlock_irqrestore(lock: spinlock_t, flags: number): void {
  const k = currentKernel();
  const f = intArg("spin_unlock_irqrestore", 2, flags);
  k.locking.release(lockArg("spin_unlock_irqrestore", lock), "spinlock", "spin_unlock_irqrestore", here(k));
  k.locking.irqRestore((f & X86_EFLAGS_IF) !== 0);
}

/** void spin_lock_irq(spinlock_t *lock): interrupts off (unconditionally: only where they are known to be on), then the lock. */
export function spin_lock_irq(lock: spinlock_t): void {
  const k = currentKernel();
  const l = lockArg("spin_lock_irq", lock);
  const was = k.locking.irqSave();
  try {
    k.locking.acquire(l, "spinlock", "spin_lock_irq", here(k));
  } catch (e) {
    k.locking.irqRestore(was);
    throw e;
  }
}

/** void spin_unlock_irq(spinlock_t *lock): the lock, then interrupts on. */
export function spin_unlock_irq(lock: spinlock_t): void {
  const k = currentKernel();
  k.locking.release(lockArg("spin_unlock_irq", lock), "spinlock", "spin_unlock_irq", here(k));
  k.locking.irqRestore(true);
}

/**
 * void spin_lock_bh(spinlock_t *lock): softirqs (timers, tasklets) off, then the lock: the variant for data shared with a timer or tasklet.
 *
 * Rules: LOCK001 (recursive locking); LOCK003 (lock held on return); LOCK004 (inconsistent lock order); LOCK005 (needed where plain spin_lock() is inconsistent); CTX001 (sleeping in atomic context) while held.
 */
export function spin_lock_bh(lock: spinlock_t): void {
  const k = currentKernel();
  const l = lockArg("spin_lock_bh", lock);
  k.locking.bhDisable();
  try {
    k.locking.acquire(l, "spinlock", "spin_lock_bh", here(k));
  } catch (e) {
    k.locking.bhEnable("spin_lock_bh", undefined);
    throw e;
  }
}

/** void spin_unlock_bh(spinlock_t *lock): the lock, then softirqs on (pending ones run). */
export function spin_unlock_bh(lock: spinlock_t): void {
  const k = currentKernel(), stack = here(k);
  k.locking.release(lockArg("spin_unlock_bh", lock), "spinlock", "spin_unlock_bh", stack);
  k.locking.bhEnable("spin_unlock_bh", stack);
}

/** int spin_is_locked(spinlock_t *lock): 1 while someone holds it. */
export function spin_is_locked(lock: spinlock_t): number {
  return currentKernel().locking.isLocked(lockArg("spin_is_locked", lock)) ? 1 : 0;
}

/** assert_spin_locked(lock): BUG() unless the lock is held. */
export function assert_spin_locked(lock: spinlock_t): void {
  const k = currentKernel();
  if (!k.locking.isLocked(lockArg("assert_spin_locked", lock))) k.bug(here(k));
}

function flagsOf(irqsOn: boolean): number {
  return EFLAGS_BASE | (irqsOn ? X86_EFLAGS_IF : 0);
}

/** local_irq_save(flags): interrupts off on this CPU; returns the flags to restore. */
export function local_irq_save(): number {
  return flagsOf(currentKernel().locking.irqSave());
}

/** void local_irq_restore(unsigned long flags): interrupts as the flags say; ones raised meanwhile are delivered. */
export function local_irq_restore(flags: number): void {
  currentKernel().locking.irqRestore((intArg("local_irq_restore", 1, flags) & X86_EFLAGS_IF) !== 0);
}

/** void local_irq_disable(void). */
export function local_irq_disable(): void { currentKernel().locking.irqSave(); }

/** void local_irq_enable(void): delivers interrupts raised while they were off. */
export function local_irq_enable(): void { currentKernel().locking.irqRestore(true); }

/** bool irqs_disabled(void). */
export function irqs_disabled(): boolean { return !currentKernel().locking.irqsEnabled; }

/** void local_bh_disable(void): timers and tasklets wait until local_bh_enable(). */
export function local_bh_disable(): void { currentKernel().locking.bhDisable(); }

/** void local_bh_enable(void): runs the softirqs that came due meanwhile. */
export function local_bh_enable(): void {
  const k = currentKernel();
  k.locking.bhEnable("local_bh_enable", here(k));
}

/** bool in_atomic(void): holding a spinlock, in a handler or softirq, or with interrupts or softirqs off. */
export function in_atomic(): boolean {
  const k = currentKernel();
  return k.irqs.depth > 0 || k.locking.atomicContext() !== undefined;
}

/** bool in_softirq(void): in a timer callback or tasklet, or with softirqs off. */
export function in_softirq(): boolean {
  const l = currentKernel().locking;
  return l.softirqDepth > 0 || l.bhDisabled > 0;
}
