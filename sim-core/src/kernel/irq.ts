// Interrupt lines: request_irq()/free_irq(), devices raising them, and
// handlers running in interrupt context (where sleeping is a bug: CTX001).

import type { Kernel } from "../kernel";
import type { Module } from "./module";

export const IRQ_NONE = 0, IRQ_HANDLED = 1, IRQ_WAKE_THREAD = 2;
export const IRQF_SHARED = 0x80;
export type irq_handler_t = (irq: number, dev_id: unknown) => number;

interface Action { handler: irq_handler_t; flags: number; name: string; dev_id: unknown; module: Module | null; count: number }

export class Irqs {
  private readonly lines = new Map<number, Action[]>();
  private nextIrq = 16;
  /** Interrupt nesting: non-zero while a handler runs. */
  depth = 0;
  /** Interrupts raised with no handler, per line (the "nobody cared" count). */
  private readonly unhandled = new Map<number, number>();

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** A line for a new device (legacy PCI INTx numbers are small; these start at 16). */
  allocate(): number { return this.nextIrq++; }

  request(irq: number, handler: irq_handler_t, flags: number, name: string, dev_id: unknown): number {
    const list = this.lines.get(irq) ?? [];
    if (list.length && (!(flags & IRQF_SHARED) || !list.every((a) => a.flags & IRQF_SHARED))) return -16; // -EBUSY
    if (flags & IRQF_SHARED && dev_id == null) return -22; // -EINVAL: a shared line needs a dev_id
    list.push({ handler, flags, name, dev_id, module: this.#k.currentModule, count: 0 });
    this.lines.set(irq, list);
    return 0;
  }

  free(irq: number, dev_id: unknown): void {
    const list = this.lines.get(irq);
    const i = list?.findIndex((a) => a.dev_id === dev_id) ?? -1;
    if (!list || i < 0) {
      this.#k.warn(`Trying to free already-free IRQ ${irq}`, undefined);
      return;
    }
    list.splice(i, 1);
  }

  /** The handlers on a line, in the order they run. */
  actions(irq: number): ReadonlyArray<Readonly<Action>> {
    return this.lines.get(irq) ?? [];
  }

  /** Lines where a module still has a handler: "IRQ 16 ("edu")". */
  heldBy(m: Module): string[] {
    const out: string[] = [];
    for (const [irq, list] of this.lines) for (const a of list) if (a.module === m) out.push(`IRQ ${irq} handler ("${a.name}")`);
    return out;
  }

  /** A device asserts its line after delayNs of virtual time; handlers run in interrupt context then. */
  raise(irq: number, delayNs = 0): void {
    this.#k.sched.defer(delayNs, `irq ${irq}`, () => this.deliver(irq));
  }

  deliver(irq: number): void {
    const k = this.#k;
    // Interrupts off (a spin_lock_irqsave(), claim_dma_lock()): the line stays pending until they are on again.
    if (k.locking.deferIrq(irq)) return;
    const list = this.lines.get(irq) ?? [];
    let handled = false;
    const irqsWere = k.locking.enterHardirq();
    this.depth++;
    try {
      for (const a of list) {
        const r = k.callDriver(a.module, "irq", () => a.handler(irq, a.dev_id));
        a.count++;
        if (r & IRQ_HANDLED) handled = true;
      }
    } finally {
      this.depth--;
      k.locking.exitHardirq(irqsWere);
    }
    k.events.emit({ type: "irq", irq, handled });
    if (!handled) {
      const n = (this.unhandled.get(irq) ?? 0) + 1;
      this.unhandled.set(irq, n);
      if (n === 1) k.printk(`\x014irq ${irq}: nobody cared (try booting with the "irqpoll" option)\n`);
    }
  }

  /** /proc/interrupts, one CPU column, as show_interrupts() prints a legacy INTx line behind the IO-APIC. */
  procInterrupts(): string {
    let out = "           CPU0\n";
    for (const [irq, list] of [...this.lines].sort((a, b) => a[0] - b[0])) {
      if (!list.length) continue;
      const count = list.reduce((s, a) => s + a.count, 0);
      out += `${String(irq).padStart(3)}: ${String(count).padStart(10)}  ${"IO-APIC".padStart(8)} ${String(irq).padStart(3)}-${"fasteoi".padEnd(8)}  ${list.map((a) => a.name).join(", ")}\n`;
    }
    return out;
  }
}
