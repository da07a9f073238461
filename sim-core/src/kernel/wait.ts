// Sleeping in virtual time. A task that waits (for a completion, on a wait
// queue) lets the scheduler run what is due — device work, interrupts,
// timers, work items — until its condition holds, a timeout expires, or
// nothing is left that could wake it (a task that would sleep forever).

import type { Kernel } from "../kernel";
import { KernelOops } from "./report";
import type { CapturedStack } from "./stack";

/** HZ of <linux/jiffies.h>, as api/linux/workqueue.ts has it. */
export const HZ = 250;
export const NS_PER_JIFFY = 1e9 / HZ;
/** The hung-task detector's default timeout. */
const HUNG_TASK_SECS = 120;

export type WaitResult = "done" | "timeout" | "stuck";

/**
 * Runs due work until done() holds. With a timeout (in jiffies), a timer
 * ends the wait at the deadline; the clock then stands at the deadline.
 */
export function sleepUntil(k: Kernel, done: () => boolean, timeoutJiffies?: number): WaitResult {
  if (done()) return "done";
  if (timeoutJiffies === undefined) return k.sched.runUntil(done) ? "done" : "stuck";
  let expired = false;
  const timer = k.sched.defer(Math.max(0, timeoutJiffies) * NS_PER_JIFFY, "schedule_timeout", () => { expired = true; });
  try {
    k.sched.runUntil(() => expired || done());
  } finally {
    timer.cancelled = true;
  }
  return done() ? "done" : "timeout";
}

/** Jiffies left before a deadline, at least 1 (what wait_for_completion_timeout() returns on success). */
export function jiffiesLeft(k: Kernel, deadlineNs: number): number {
  return Math.max(1, Math.ceil((deadlineNs - k.clock.now) / NS_PER_JIFFY));
}

/**
 * A task in uninterruptible sleep that nothing will ever wake: the
 * hung-task detector's report after its timeout, then the driver's call is
 * ended (the simulation cannot leave a task asleep forever).
 */
export function hungTask(k: Kernel, what: string, hint: string | undefined, stack: CapturedStack | undefined): never {
  stack ??= k.stacks.capture();
  k.clock.advance(HUNG_TASK_SECS * 1e9);
  const t = k.current;
  const report = [
    `INFO: task ${t.comm}:${t.pid} blocked for more than ${HUNG_TASK_SECS} seconds.`,
    "      Not tainted 6.12.0-faultline #1",
    "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
    `task:${t.comm.padEnd(15)} state:D stack:0     pid:${t.pid}   tgid:${t.pid}   ppid:1      flags:0x00004000`,
    `(sleeping in ${what}: nothing left to run can wake it${hint ? `; ${hint}` : ""})`,
    "Call Trace:",
    " <TASK>",
    ...k.stacks.formatStack(stack),
    " </TASK>",
  ];
  k.log.flush();
  for (const l of report) k.printk(`\x013${l}\n`);
  k.noteOops(report[0], 0, stack?.top, report, undefined);
  throw new KernelOops(report[0], 0, report, stack?.top, undefined);
}
