// Deferred work in virtual time: work items and timers run when the
// simulated clock reaches them, in a fixed order, so runs stay reproducible.

import type { Kernel } from "../kernel";

export interface Deferred {
  readonly seq: number;
  readonly due: number;
  readonly label: string;
  readonly run: () => void;
  cancelled: boolean;
}

export class Scheduler {
  private queue: Deferred[] = [];
  private seq = 0;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** Run fn `delayNs` from now; returns a handle that can be cancelled. */
  defer(delayNs: number, label: string, run: () => void): Deferred {
    const d: Deferred = { seq: ++this.seq, due: this.#k.clock.now + Math.max(0, delayNs), label, run, cancelled: false };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1].due > d.due)) i--;
    this.queue.splice(i, 0, d);
    return d;
  }

  get pending(): number { return this.queue.filter((d) => !d.cancelled).length; }

  /** Runs due work in order, advancing the clock to each item, until `until()` holds or nothing is left. */
  runUntil(until: () => boolean, maxItems = 100_000): boolean {
    let n = 0;
    while (!until()) {
      const d = this.queue.shift();
      if (!d) return false;
      if (d.cancelled) continue;
      if (d.due > this.#k.clock.now) this.#k.clock.advance(d.due - this.#k.clock.now);
      d.run();
      if (++n >= maxItems) return false;
    }
    return true;
  }

  /** Everything queued, now. */
  drain(): void {
    this.runUntil(() => false);
  }
}
