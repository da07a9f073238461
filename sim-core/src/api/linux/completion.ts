// <linux/completion.h>: "this has happened" from one context to a waiter in
// another — typically an interrupt handler's complete() ending a task's
// wait_for_completion(). Waiting lets virtual time run, so the device's
// work and its interrupt happen during the wait. Waiting may sleep:
// in an interrupt handler it is CTX001.

import { NS_PER_JIFFY, hungTask, jiffiesLeft, sleepUntil } from "../../kernel/wait";
import { currentKernel, here, intArg } from "../current";

const UINT_MAX = 0xffffffff;
const ERESTARTSYS = 512;

/** struct completion. */
export class completion {
  /** Completions not yet consumed by a waiter; UINT_MAX after complete_all(). */
  done = 0;
}

/**
 * ```c
 * #define DECLARE_COMPLETION(work) struct completion work = COMPLETION_INITIALIZER(work)
 * ```
 * DECLARE_COMPLETION(): a new, not-done completion.
 */
export function DECLARE_COMPLETION(): completion { return new completion(); }

/**
 * ```c
 * void init_completion(struct completion *x)
 * ```
 * Initialises a completion as not done. For reuse after it completed, use reinit_completion().
 */
export function init_completion(x: completion): void {
  compArg("init_completion", x).done = 0;
}

/**
 * ```c
 * void reinit_completion(struct completion *x)
 * ```
 * reinit_completion(): not done again, for reuse.
 */
export function reinit_completion(x: completion): void {
  compArg("reinit_completion", x).done = 0;
}

function compArg(fn: string, x: unknown): completion {
  if (x instanceof completion) return x;
  throw new TypeError(`${fn}(): argument 1 must be a struct completion (new completion() or DECLARE_COMPLETION()), got ${x === null ? "NULL" : typeof x}`);
}

/**
 * ```c
 * void complete(struct completion *x)
 * ```
 * complete(): wakes one waiter (or lets the next wait return at once). Safe in interrupt context.
 */
export function complete(x: completion): void {
  const c = compArg("complete", x);
  if (c.done !== UINT_MAX) c.done++;
}

/**
 * ```c
 * void complete_all(struct completion *x)
 * ```
 * complete_all(): every waiter, present and future, until reinit_completion().
 */
export function complete_all(x: completion): void {
  compArg("complete_all", x).done = UINT_MAX;
}

/**
 * ```c
 * bool completion_done(struct completion *x)
 * ```
 * completion_done(): true when a wait would not block.
 */
export function completion_done(x: completion): boolean { return compArg("completion_done", x).done > 0; }

/**
 * ```c
 * bool try_wait_for_completion(struct completion *x)
 * ```
 * try_wait_for_completion(): consumes a completion if one is there, without waiting.
 */
export function try_wait_for_completion(x: completion): boolean {
  const c = compArg("try_wait_for_completion", x);
  if (!c.done) return false;
  if (c.done !== UINT_MAX) c.done--;
  return true;
}

function consume(c: completion): void {
  if (c.done !== UINT_MAX) c.done--;
}

/**
 * ```c
 * void wait_for_completion(struct completion *x)
 * ```
 * wait_for_completion(): sleeps (uninterruptibly) until complete(); never returning is a hung task.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_for_completion(x: completion): void {
  const k = currentKernel(), stack = here(k);
  const c = compArg("wait_for_completion", x);
  k.mightSleep("wait_for_completion", stack);
  if (sleepUntil(k, () => c.done > 0) !== "done") {
    hungTask(k, "wait_for_completion()", "no complete() was called and no device work or timer is pending", stack);
  }
  consume(c);
}

/**
 * ```c
 * unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout)
 * ```
 * wait_for_completion_timeout(): 0 when timeout jiffies passed first, else the jiffies left (at least 1).
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_for_completion_timeout(x: completion, timeout: number): number {
  const k = currentKernel(), stack = here(k);
  const c = compArg("wait_for_completion_timeout", x);
  const t = intArg("wait_for_completion_timeout", 2, timeout);
  k.mightSleep("wait_for_completion_timeout", stack);
  const deadline = k.clock.now + t * NS_PER_JIFFY;
  if (sleepUntil(k, () => c.done > 0, t) !== "done") return 0;
  consume(c);
  return jiffiesLeft(k, deadline);
}

/**
 * ```c
 * int wait_for_completion_interruptible(struct completion *x)
 * ```
 * wait_for_completion_interruptible(): 0, or -ERESTARTSYS when a signal
 * would end the wait. Signals are not delivered to sleeping tasks here, so
 * a wait nothing can end returns -ERESTARTSYS (as if the user pressed ^C).
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_for_completion_interruptible(x: completion): number {
  const k = currentKernel(), stack = here(k);
  const c = compArg("wait_for_completion_interruptible", x);
  k.mightSleep("wait_for_completion_interruptible", stack);
  if (sleepUntil(k, () => c.done > 0) !== "done") return -ERESTARTSYS;
  consume(c);
  return 0;
}

/**
 * ```c
 * int wait_for_completion_killable(struct completion *x)
 * ```
 * Sleeps until complete() or a fatal signal: 0, or -ERESTARTSYS. May sleep: never in atomic context.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export const wait_for_completion_killable = wait_for_completion_interruptible;

/**
 * ```c
 * long wait_for_completion_interruptible_timeout(struct completion *x, unsigned long timeout)
 * ```
 * wait_for_completion_interruptible_timeout(): jiffies left, 0 on timeout, -ERESTARTSYS as above.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_for_completion_interruptible_timeout(x: completion, timeout: number): number {
  const k = currentKernel(), stack = here(k);
  const c = compArg("wait_for_completion_interruptible_timeout", x);
  const t = intArg("wait_for_completion_interruptible_timeout", 2, timeout);
  k.mightSleep("wait_for_completion_interruptible_timeout", stack);
  const deadline = k.clock.now + t * NS_PER_JIFFY;
  if (sleepUntil(k, () => c.done > 0, t) !== "done") return 0;
  consume(c);
  return jiffiesLeft(k, deadline);
}
