// The stops of a run and the resumes between them. Runs are deterministic,
// so stop n of a fresh run, reached by replaying the first n resumes, is the
// stop n the user saw: that is how step back and reverse continue work
// (session.ts rerun()), at the cost of one re-run each.

import type { Stop } from "./runtime";

export type ResumeAction = { kind: "continue" | "next" | "stepIn" | "stepOut" } | { kind: "event"; kinds?: string[] };

export class Timeline {
  private stops: Stop[] = [];
  actions: ResumeAction[] = [];

  stopped(s: Stop): void {
    // A stop is preceded by as many resumes as stops before it; a stop with no resume recorded (the first) starts the list.
    this.stops.length = this.actions.length;
    this.stops.push(s);
  }

  resumed(a: ResumeAction): void {
    this.actions.length = this.stops.length - 1;
    this.actions.push(a);
  }

  /** Index of the current stop, -1 before the first. */
  get current(): number { return this.stops.length - 1; }

  /** The stop before this one, or -1. */
  previous(): number { return this.current - 1; }

  /** The last earlier stop at a breakpoint, a kernel event or the entry, or -1. */
  previousBreak(): number {
    for (let i = this.current - 1; i >= 0; i--) if (this.stops[i].reason !== "step" && this.stops[i].reason !== "pause") return i;
    return -1;
  }

  /** A re-run that will stop at `target`: the history up to it stays, the rest goes. */
  reset(target: number, history: ResumeAction[]): void {
    this.stops = this.stops.slice(0, target);
    this.actions = history.slice(0, target);
  }
}
