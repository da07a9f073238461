// <linux/interrupt.h> and <linux/irqreturn.h>: handlers on interrupt lines.
// A handler runs in hard interrupt context when its device raises the line
// and the kernel next lets time pass (a wait, run_pending()); sleeping there
// — a GFP_KERNEL allocation, wait_for_completion() — is CTX001.

import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD, type irq_handler_t } from "../../kernel/irq";
import { currentKernel, here, intArg } from "../current";

export { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD, type irq_handler_t };
export type irqreturn_t = number;
export const IRQF_TRIGGER_NONE = 0, IRQF_TRIGGER_RISING = 0x1, IRQF_TRIGGER_FALLING = 0x2, IRQF_TRIGGER_HIGH = 0x4, IRQF_TRIGGER_LOW = 0x8;
export const IRQF_ONESHOT = 0x2000, IRQF_NO_SUSPEND = 0x4000;

/** IRQ_RETVAL(x): IRQ_HANDLED when x is true. */
export function IRQ_RETVAL(x: unknown): number { return x ? IRQ_HANDLED : IRQ_NONE; }

/**
 * request_irq(): 0, -EBUSY when the line is taken (both sides must pass
 * IRQF_SHARED to share it), -EINVAL for a shared line without a dev_id.
 * dev_id is what the handler receives, and what free_irq() names.
 */
export function request_irq<T>(irq: number, handler: (irq: number, dev_id: T) => number, flags: number, name: string, dev_id: T): number {
  const k = currentKernel();
  k.mightSleep("request_irq", here(k));
  if (typeof handler !== "function") return -22;
  const line = intArg("request_irq", 1, irq);
  if (line <= 0) return -22;
  const r = k.irqs.request(line, handler as irq_handler_t, intArg("request_irq", 3, flags), String(name), dev_id);
  if (r === -16) {
    const other = k.irqs.actions(line)[0];
    k.printk(`\x013genirq: Flags mismatch irq ${line}. ${hex8(intArg("request_irq", 3, flags))} (${name}) vs. ${hex8(other?.flags ?? 0)} (${other?.name ?? "?"})\n`);
  }
  return r;
}

function hex8(n: number): string { return (n >>> 0).toString(16).padStart(8, "0"); }

/** free_irq(): removes the handler registered with this dev_id; a line with none is warned about. */
export function free_irq(irq: number, dev_id: unknown): void {
  const k = currentKernel();
  k.mightSleep("free_irq", here(k));
  k.irqs.free(intArg("free_irq", 1, irq), dev_id);
}

/** in_interrupt(): inside a handler. */
export function in_interrupt(): boolean { return currentKernel().irqs.depth > 0; }
export const in_hardirq = in_interrupt;
export const in_irq = in_interrupt;

/** in_task(): running on behalf of a task, not a handler. */
export function in_task(): boolean { return currentKernel().irqs.depth === 0; }

// Tasklets are declared by <linux/interrupt.h>.
export * from "./tasklet";
