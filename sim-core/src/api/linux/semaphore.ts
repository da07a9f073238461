// <linux/semaphore.h>: counting semaphores, as LDD3's scull guards its
// device with one (sema_init(&dev->sem, 1), down_interruptible(), up()).
// Waiting sleeps (CTX001 in atomic context) and lets virtual time run, so
// an up() from a timer, work item or interrupt handler ends it. lockdep does
// not track semaphores (kernel/locking/semaphore.c has no annotations): a
// down() nothing will ever up() is the hung-task detector's report, and a
// down_interruptible() that nothing ends returns -EINTR, as when the user
// presses ^C at the stuck program.

import { hungTask, sleepUntil } from "../../kernel/wait";
import { currentKernel, here, intArg } from "../current";

const EINTR = 4, ETIME = 62;

/** struct semaphore. */
export class semaphore {
  /** Units available: down() takes one, up() gives one back. */
  count = 0;
  constructor(count = 0) {
    this.count = count;
  }
}

function semArg(fn: string, v: unknown): semaphore {
  if (v instanceof semaphore) return v;
  throw new TypeError(`${fn}(): argument 1 must be a struct semaphore (new semaphore() or DEFINE_SEMAPHORE()), got ${v === null ? "NULL" : typeof v}`);
}

/** void sema_init(struct semaphore *sem, int val): val units available (1: a mutual-exclusion lock). */
export function sema_init(sem: semaphore, val: number): void {
  semArg("sema_init", sem).count = intArg("sema_init", 2, val);
}

/** DEFINE_SEMAPHORE(name, n): a static semaphore with n units (1 by default, as before Linux 6.4). */
export function DEFINE_SEMAPHORE(_name: string, n = 1): semaphore {
  return new semaphore(intArg("DEFINE_SEMAPHORE", 2, n));
}

type DownResult = "done" | "stuck" | "timeout";

function wait(fn: string, s: semaphore, timeout?: number): DownResult {
  const k = currentKernel(), stack = here(k);
  k.mightSleep(fn, stack);
  const r = sleepUntil(k, () => s.count > 0, timeout);
  if (r === "done") s.count--;
  return r;
}

/**
 * void down(struct semaphore *sem): takes a unit, sleeping uninterruptibly until one is free; never freed is a hung task.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function down(sem: semaphore): void {
  const s = semArg("down", sem);
  if (wait("down", s) !== "done") {
    const k = currentKernel();
    hungTask(k, "down()", "the semaphore's count is 0 and nothing pending will up() it (a path that took it returned without up()?)", here(k));
  }
}

/**
 * int down_interruptible(struct semaphore *sem): 0 when taken, -EINTR when a signal ended the wait (then do not up()).
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function down_interruptible(sem: semaphore): number {
  return wait("down_interruptible", semArg("down_interruptible", sem)) === "done" ? 0 : -EINTR;
}

/** int down_killable(struct semaphore *sem): as down_interruptible(), for fatal signals. */
export function down_killable(sem: semaphore): number {
  return wait("down_killable", semArg("down_killable", sem)) === "done" ? 0 : -EINTR;
}

/** int down_trylock(struct semaphore *sem): 0 when taken, 1 when not — the opposite of spin_trylock()/mutex_trylock(). */
export function down_trylock(sem: semaphore): number {
  const s = semArg("down_trylock", sem);
  if (s.count <= 0) return 1;
  s.count--;
  return 0;
}

/** int down_timeout(struct semaphore *sem, long jiffies): 0, or -ETIME after `jiffies`. */
export function down_timeout(sem: semaphore, jiffies: number): number {
  const s = semArg("down_timeout", sem);
  const t = intArg("down_timeout", 2, jiffies);
  return wait("down_timeout", s, t) === "done" ? 0 : -ETIME;
}

/** void up(struct semaphore *sem): gives a unit back (any context, any task: semaphores have no owner). */
export function up(sem: semaphore): void {
  semArg("up", sem).count++;
}
