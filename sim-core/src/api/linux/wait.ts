// <linux/wait.h>: wait queues. A task sleeps in wait_event() until its
// condition holds; the condition is only looked at again when someone calls
// wake_up() on the queue — as in Linux, a condition made true without a
// wake_up() leaves the sleeper asleep (a hung task here, when nothing else
// is left to run). Sleeping in an interrupt handler is CTX001.

import { NS_PER_JIFFY, hungTask, jiffiesLeft, sleepUntil } from "../../kernel/wait";
import { currentKernel, here, intArg } from "../current";

const ERESTARTSYS = 512;

/** wait_queue_head_t. */
export class wait_queue_head_t {
  /** wake_up() calls so far: a sleeper re-checks its condition when this changes. */
  wakeups = 0;
}
export type wait_queue_head = wait_queue_head_t;

/**
 * ```c
 * #define DECLARE_WAIT_QUEUE_HEAD(name) struct wait_queue_head name = __WAIT_QUEUE_HEAD_INITIALIZER(name)
 * ```
 * DECLARE_WAIT_QUEUE_HEAD().
 */
export function DECLARE_WAIT_QUEUE_HEAD(): wait_queue_head_t { return new wait_queue_head_t(); }

/**
 * ```c
 * #define init_waitqueue_head(wq_head) …
 * ```
 * Initialises a wait queue head embedded in a structure.
 */
export function init_waitqueue_head(wq: wait_queue_head_t): void {
  wqArg("init_waitqueue_head", wq).wakeups = 0;
}

function wqArg(fn: string, wq: unknown): wait_queue_head_t {
  if (wq instanceof wait_queue_head_t) return wq;
  throw new TypeError(`${fn}(): argument 1 must be a wait_queue_head_t (new wait_queue_head_t() or DECLARE_WAIT_QUEUE_HEAD()), got ${wq === null ? "NULL" : typeof wq}`);
}

function condArg(fn: string, condition: unknown): () => boolean {
  if (typeof condition === "function") return condition as () => boolean;
  throw new TypeError(`${fn}(): the condition must be a function, e.g. () => dev.ready (C evaluates the expression again after each wake-up)`);
}

/**
 * ```c
 * #define wake_up(x) __wake_up(x, TASK_NORMAL, 1, NULL)
 * ```
 * wake_up(): sleepers on the queue re-check their conditions. Safe in interrupt context.
 */
export function wake_up(wq: wait_queue_head_t): void { wqArg("wake_up", wq).wakeups++; }
/**
 * ```c
 * #define wake_up_interruptible(x) __wake_up(x, TASK_INTERRUPTIBLE, 1, NULL)
 * ```
 * Wakes the interruptible sleepers of the queue so they re-check their conditions. Safe in interrupt context.
 */
export function wake_up_interruptible(wq: wait_queue_head_t): void { wqArg("wake_up_interruptible", wq).wakeups++; }
/**
 * ```c
 * #define wake_up_all(x) __wake_up(x, TASK_NORMAL, 0, NULL)
 * ```
 * Wakes every sleeper of the queue. Safe in interrupt context.
 */
export const wake_up_all = wake_up;
/**
 * ```c
 * #define wake_up_interruptible_all(x) __wake_up(x, TASK_INTERRUPTIBLE, 0, NULL)
 * ```
 * Wakes every interruptible sleeper of the queue.
 */
export const wake_up_interruptible_all = wake_up_interruptible;

/** Sleeps until a wake_up() after which cond() holds. */
function sleepOn(wq: wait_queue_head_t, cond: () => boolean, timeout?: number) {
  const k = currentKernel();
  let seen = wq.wakeups;
  const woken = () => {
    if (wq.wakeups === seen) return false;
    seen = wq.wakeups;
    return cond();
  };
  return { k, result: sleepUntil(k, woken, timeout) };
}

/**
 * ```c
 * #define wait_event(wq_head, condition) …
 * ```
 * wait_event(): uninterruptible; returns when condition() holds.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_event(wq: wait_queue_head_t, condition: () => boolean): void {
  const k = currentKernel(), stack = here(k);
  const q = wqArg("wait_event", wq), cond = condArg("wait_event", condition);
  k.mightSleep("wait_event", stack);
  if (cond()) return;
  if (sleepOn(q, cond).result !== "done") {
    hungTask(k, "wait_event()", cond() ? "the condition is true, but no wake_up() on this queue followed the change" : "nothing left to run would make the condition true", stack);
  }
}

/**
 * ```c
 * #define wait_event_interruptible(wq_head, condition) …
 * ```
 * wait_event_interruptible(): 0 once condition() holds, -ERESTARTSYS when a
 * signal ends the sleep. Signals do not interrupt sleeps here, so a sleep
 * nothing can end returns -ERESTARTSYS (the user gave up with ^C).
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_event_interruptible(wq: wait_queue_head_t, condition: () => boolean): number {
  const k = currentKernel(), stack = here(k);
  const q = wqArg("wait_event_interruptible", wq), cond = condArg("wait_event_interruptible", condition);
  k.mightSleep("wait_event_interruptible", stack);
  if (cond()) return 0;
  return sleepOn(q, cond).result === "done" ? 0 : -ERESTARTSYS;
}

/**
 * ```c
 * #define wait_event_killable(wq_head, condition) …
 * ```
 * Sleeps until condition() holds or a fatal signal arrives: 0, or -ERESTARTSYS. May sleep: never in atomic context.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export const wait_event_killable = wait_event_interruptible;

/**
 * ```c
 * #define wait_event_timeout(wq_head, condition, timeout) …
 * ```
 * wait_event_timeout(): 0 when the timeout passed with condition() false, else the jiffies left (at least 1).
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_event_timeout(wq: wait_queue_head_t, condition: () => boolean, timeout: number): number {
  const k = currentKernel(), stack = here(k);
  const q = wqArg("wait_event_timeout", wq), cond = condArg("wait_event_timeout", condition);
  const t = intArg("wait_event_timeout", 3, timeout);
  k.mightSleep("wait_event_timeout", stack);
  if (cond()) return Math.max(1, t);
  const deadline = k.clock.now + t * NS_PER_JIFFY;
  if (sleepOn(q, cond, t).result === "done") return jiffiesLeft(k, deadline);
  // At the timeout, wait_event_timeout() looks at the condition one last time.
  return cond() ? 1 : 0;
}

/**
 * ```c
 * #define wait_event_interruptible_timeout(wq_head, condition, timeout) …
 * ```
 * wait_event_interruptible_timeout(): as wait_event_timeout(); signals as wait_event_interruptible().
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function wait_event_interruptible_timeout(wq: wait_queue_head_t, condition: () => boolean, timeout: number): number {
  return wait_event_timeout(wq, condition, timeout);
}
