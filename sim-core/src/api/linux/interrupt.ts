// <linux/interrupt.h> and <linux/irqreturn.h>: handlers on interrupt lines.
// A handler runs in hard interrupt context when its device raises the line
// and the kernel next lets time pass (a wait, run_pending()); sleeping there
// — a GFP_KERNEL allocation, wait_for_completion() — is CTX001.

import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD, type irq_handler_t } from "../../kernel/irq";
import { currentKernel, here, intArg } from "../current";

export { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD, type irq_handler_t };
export type irqreturn_t = number;
/** request_irq() flag: keep the line's trigger as it is. */
export const IRQF_TRIGGER_NONE = 0, /** request_irq() flag: edge-triggered on the rising edge. */ IRQF_TRIGGER_RISING = 0x1, /** request_irq() flag: edge-triggered on the falling edge. */ IRQF_TRIGGER_FALLING = 0x2, /** request_irq() flag: level-triggered, active high. */ IRQF_TRIGGER_HIGH = 0x4, /** request_irq() flag: level-triggered, active low. */ IRQF_TRIGGER_LOW = 0x8;
/** request_irq() flag: keep the line masked until the threaded handler has run. */
export const IRQF_ONESHOT = 0x2000, /** request_irq() flag: do not disable the interrupt across suspend. */ IRQF_NO_SUSPEND = 0x4000;

/**
 * ```c
 * #define IRQ_RETVAL(x) ((x) ? IRQ_HANDLED : IRQ_NONE)
 * ```
 * IRQ_RETVAL(x): IRQ_HANDLED when x is true.
 */
export function IRQ_RETVAL(x: unknown): number { return x ? IRQ_HANDLED : IRQ_NONE; }

/**
 * ```c
 * int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name, void *dev)
 * ```
 * request_irq(): 0, -EBUSY when the line is taken (both sides must pass
 * IRQF_SHARED to share it), -EINVAL for a shared line without a dev_id.
 * dev_id is what the handler receives, and what free_irq() names.
 *
 * Rules: CTX001 (sleeping in atomic context); DMA023 (coherent free in interrupt context).
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

/**
 * ```c
 * const void *free_irq(unsigned int irq, void *dev_id)
 * ```
 * free_irq(): removes the handler registered with this dev_id; a line with none is warned about.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function free_irq(irq: number, dev_id: unknown): void {
  const k = currentKernel();
  k.mightSleep("free_irq", here(k));
  k.irqs.free(intArg("free_irq", 1, irq), dev_id);
}

/**
 * ```c
 * #define in_interrupt() (irq_count())
 * ```
 * in_interrupt(): inside a handler.
 */
export function in_interrupt(): boolean {
  // irq_count(): hard interrupts and softirqs (timers, tasklets) alike.
  const k = currentKernel();
  return k.irqs.depth > 0 || k.locking.softirqDepth > 0;
}
/**
 * ```c
 * #define in_hardirq() (hardirq_count())
 * ```
 * True inside a hard interrupt handler, where nothing may sleep.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function in_hardirq(): boolean { return currentKernel().irqs.depth > 0; }
/**
 * ```c
 * #define in_irq() (hardirq_count())
 * ```
 * The old name of in_hardirq(): true inside a hard interrupt handler.
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export const in_irq = in_hardirq;

/**
 * ```c
 * #define in_task() (!(in_nmi() | in_hardirq() | in_serving_softirq()))
 * ```
 * in_task(): running on behalf of a task, not a handler.
 */
export function in_task(): boolean { return !in_interrupt(); }

// Tasklets are declared by <linux/interrupt.h>.
export * from "./tasklet";
export { devm_request_irq, devm_free_irq } from "./devres";
