// Interrupt lines: request_irq()/free_irq(), devices raising them, and
// handlers running in interrupt context (where sleeping is a bug: CTX001).

import type { Kernel } from "../kernel";
import type { Module } from "./module";
import type { CapturedStack } from "./stack";

export const /** IRQ_NONE (0): an interrupt handler's result: not this device's interrupt. */ IRQ_NONE = 0, /** IRQ_HANDLED (1): an interrupt handler's result: this device raised the interrupt and it was serviced. */ IRQ_HANDLED = 1, /** IRQ_WAKE_THREAD (2): a primary handler's result: wake the threaded handler of request_threaded_irq(). */ IRQ_WAKE_THREAD = 2;
/** IRQF_SHARED (0x00000080): the line may be shared; the handler must check its device and return IRQ_NONE if it did not interrupt. */
export const IRQF_SHARED = 0x80;
export type irq_handler_t = (irq: number, dev_id: unknown) => number;

interface Action { handler: irq_handler_t; flags: number; name: string; dev_id: unknown; module: Module | null; count: number; requested: CapturedStack | undefined }

/** note_interrupt()'s bookkeeping per line (kernel/irq/spurious.c), and the storm of a handler that raises its own line. */
interface LineNote { count: number; unhandled: number; lastUnhandledNs: number; selfRaised: number; selfUnhandled: number; raisedAt: CapturedStack | undefined; disabled: boolean }

/** note_interrupt() looks every 100,000 interrupts; more than 99,900 of them unhandled is a stuck line. */
const NOTE_WINDOW = 100_000, NOTE_STUCK = 99_900;
/**
 * A handler that raises its own line: this many interrupts in a row is a storm (Faultline's bound, below the
 * scheduler's 100,000 items a wait may run, so it is seen before a wait gives up).
 */
const SELF_RAISE_STORM = 10_000;
/** HZ/10: an unhandled interrupt after this long starts the count again (a spurious one now and then is no storm). */
const UNHANDLED_RESET_NS = 100_000_000;

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
    list.push({ handler, flags, name, dev_id, module: this.#k.currentModule, count: 0, requested: this.#k.stacks.capture() });
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
    if (this.delivering === irq) {
      // Raised again from its own handler: one more interrupt of a possible storm (where, for the last one only).
      const note = this.note(irq);
      this.raisedByHandler = true;
      if (note.selfRaised + 1 >= SELF_RAISE_STORM) note.raisedAt = this.#k.stacks.capture();
    }
    this.#k.sched.defer(delayNs, `irq ${irq}`, () => this.deliver(irq));
  }

  deliver(irq: number): void {
    const k = this.#k;
    // Interrupts off (a spin_lock_irqsave(), claim_dma_lock()): the line stays pending until they are on again.
    if (k.locking.deferIrq(irq)) return;
    const note = this.note(irq);
    if (note.disabled) return; // "Disabling IRQ #n": the line stays masked
    const list = this.lines.get(irq) ?? [];
    let handled = false;
    const outer = this.delivering;
    this.delivering = irq;
    this.raisedByHandler = false;
    const irqsWere = k.locking.enterHardirq();
    this.depth++;
    try {
      for (const a of list) {
        const r = k.callDriver(a.module, "irq", () => a.handler(irq, a.dev_id), a.handler);
        a.count++;
        if (r & IRQ_HANDLED) handled = true;
      }
    } finally {
      this.delivering = outer;
      this.depth--;
      k.locking.exitHardirq(irqsWere);
    }
    k.events.emit({ type: "irq", irq, handled });
    this.noteInterrupt(irq, note, handled);
    if (!handled) {
      const n = (this.unhandled.get(irq) ?? 0) + 1;
      this.unhandled.set(irq, n);
      // A line no driver requested has no note_interrupt() report to come: say it once here. A line with handlers
      // that return IRQ_NONE is judged by note_interrupt(), whose report is the one Linux prints (not twice).
      if (n === 1 && !list.length) k.printk(`\x014irq ${irq}: nobody cared (try booting with the "irqpoll" option)\n`);
    }
  }

  private readonly notes = new Map<number, LineNote>();
  /** The line whose handlers are running, and whether one of them raised it again. */
  private delivering: number | undefined;
  private raisedByHandler = false;

  private note(irq: number): LineNote {
    let n = this.notes.get(irq);
    if (!n) this.notes.set(irq, (n = { count: 0, unhandled: 0, lastUnhandledNs: -Infinity, selfRaised: 0, selfUnhandled: 0, raisedAt: undefined, disabled: false }));
    return n;
  }

  /**
   * note_interrupt(): a line that fires 100,000 times with more than 99,900
   * of them unhandled is stuck; Linux reports it ("irq N: nobody cared") and
   * disables it. A handler that raises its own line on every interrupt
   * never lets the line rest: after SELF_RAISE_STORM interrupts in a row it
   * is reported the same way ("nobody cared" when its handlers did not
   * handle them; with IRQ_HANDLED, Linux would lock the CPU up instead).
   */
  private noteInterrupt(irq: number, note: LineNote, handled: boolean): void {
    const now = this.#k.clock.now;
    if (!handled) {
      note.unhandled = now > note.lastUnhandledNs + UNHANDLED_RESET_NS ? 1 : note.unhandled + 1;
      note.lastUnhandledNs = now;
    }
    note.selfRaised = this.raisedByHandler ? note.selfRaised + 1 : 0;
    note.selfUnhandled = !this.raisedByHandler ? 0 : handled ? note.selfUnhandled : note.selfUnhandled + 1;
    if (note.selfRaised >= SELF_RAISE_STORM) {
      const nobody = note.selfUnhandled * 1000 > note.selfRaised * 999;
      const headline = nobody ? `irq ${irq}: nobody cared (try booting with the "irqpoll" option)` : `irq ${irq}: ${SELF_RAISE_STORM} interrupts in a row, each raised again by its own handler: an interrupt storm`;
      this.badIrq(irq, note, headline, `its handler raises the line again on every interrupt${nobody ? " and does not handle it" : ""}`, note.raisedAt);
      return;
    }
    if (++note.count < NOTE_WINDOW) return;
    note.count = 0;
    if (note.unhandled > NOTE_STUCK) {
      const first = this.lines.get(irq)?.[0];
      this.badIrq(irq, note, `irq ${irq}: nobody cared (try booting with the "irqpoll" option)`, `more than ${NOTE_STUCK} of ${NOTE_WINDOW} interrupts unhandled`, first?.requested);
    }
    note.unhandled = 0;
  }

  /** __report_bad_irq() and the disable that follows it. */
  private badIrq(irq: number, note: LineNote, headline: string, why: string, stack: CapturedStack | undefined): void {
    const k = this.#k;
    note.disabled = true;
    const handlers = (this.lines.get(irq) ?? []).map((a) => `[<(____ptrval____)>] ${a.handler.name || a.name}`);
    k.violation({
      rule: "IRQ001",
      params: { irq, why },
      report: [headline, `CPU: 0 PID: ${k.current.pid} Comm: ${k.current.comm} Tainted: G    B              6.12.0-faultline #1`, "Call Trace:", ...k.stacks.formatStack(stack), "handlers:", ...handlers, `Disabling IRQ #${irq}`],
      stack,
      // Reported where the line was requested (or raised again); what to change is the handler, which left no line of its own.
      ...((h) => (h && stack !== note.raisedAt ? { fix: Object.freeze({ fn: h, why: `${h}() leaves the device's interrupt unacknowledged: read its status, clear what it raised, and return IRQ_HANDLED only for an interrupt that was the device's (IRQ_NONE otherwise)` }) } : {}))((this.lines.get(irq) ?? [])[0]?.handler.name?.replace(/^bound /, "")),
    });
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
