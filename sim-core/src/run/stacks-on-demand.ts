// Stacks on demand: a run records only a sequence number at each allocation,
// mapping and free (StackTracker.record()), and a V8 stack only where a report
// reads one. Runs are deterministic, so when a report read a token that was
// not captured, the run is played again with exactly those tokens captured;
// that replay's output is the run's output, byte for byte what a run
// capturing everything prints. A clean run (the common case) pays for no
// stack at all.

import type { Kernel } from "../kernel";
import { runScenario, type RunResult, type RunSpec } from "./runner";

/** Replays after the first run before giving up on tokens and capturing everything. */
export const MAX_STACK_REPLAYS = 3;

export interface StacksOnDemandInfo {
  /** Runs played again to recover stacks (0: nothing read a stack that was not captured). */
  readonly replays: number;
  /** Tokens captured in the final run. */
  readonly captured: number;
  /**
   * Set when replays did not settle (a run that read different tokens each time is not deterministic, which
   * it should always be) and the final run captured every stack instead: why.
   */
  readonly fallback?: string;
}

/**
 * Plays `attempt` until no report read a stack it did not capture. `attempt`
 * must boot a fresh kernel, call `configure` on it before anything of the
 * driver runs, and return that kernel with its result; it must behave the
 * same every time it is called (which a run of a driver does).
 */
export function withStacksOnDemand<T>(attempt: (configure: (k: Kernel) => void) => { kernel: Kernel; value: T }): { value: T; stacks: StacksOnDemandInfo } {
  const wanted = new Set<number>();
  for (let replays = 0; replays <= MAX_STACK_REPLAYS; replays++) {
    const { kernel, value } = attempt((k) => { k.stacks.mode = "on-demand"; k.stacks.wanted = wanted; });
    const missing = [...kernel.stacks.missing];
    if (!missing.length) return { value, stacks: { replays, captured: wanted.size } };
    // A replay may read more than the run before it (a report-once site keyed on a stack now known); each
    // round adds what was missing, and a deterministic run settles in a round or two.
    for (const s of missing) wanted.add(s);
  }
  const { value } = attempt((k) => { k.stacks.mode = "capture"; });
  return {
    value,
    stacks: { replays: MAX_STACK_REPLAYS + 1, captured: -1, fallback: `after ${MAX_STACK_REPLAYS} replays the run still read stacks it had not captured (is it deterministic?): every stack was captured instead` },
  };
}

/** runScenario() with stacks on demand; `makeSpec` is called for each play and must give a fresh driver and scenario. */
export function runScenarioOnDemand(makeSpec: () => RunSpec): RunResult & { readonly stacks: StacksOnDemandInfo } {
  const { value, stacks } = withStacksOnDemand((configure) => {
    const spec = makeSpec();
    const r = runScenario({ ...spec, setup: (k) => { configure(k); spec.setup?.(k); } });
    return { kernel: r.kernel, value: r };
  });
  return { ...value, stacks };
}
