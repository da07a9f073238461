// Stacks on demand across host processes (issue 14). A run's allocations,
// mappings and frees keep a token; when a report reads one, the host says
// "stacks-pending" and everything it sends from there is held back. The run
// is then played again in a fresh host with those tokens captured; runs are
// deterministic, so the replay's messages up to that point are the ones
// already shown (skipped by count), and from there on they are the output,
// byte for byte what a run capturing every stack prints, in the same order.

import type { HostRunResult, HostRunSpec } from "./host";
import type { HostMessage } from "./protocol";

/** Replays on demand before the last play captures every stack (a run that keeps reading new tokens). */
export const MAX_HOST_STACK_REPLAYS = 2;

/** One play of the run in a fresh host (startHost(spec).done). */
type Play = (spec: HostRunSpec) => Promise<HostRunResult>;

/**
 * replayWanted: called once, when the first play says a stack is pending (a replay will follow): the caller can
 * start the replay's host while the first play finishes.
 */
export async function runWithStacksOnDemand(spec: HostRunSpec, play: Play, replayWanted?: () => void): Promise<HostRunResult> {
  if (spec.debug || spec.stacks === "capture") return play(spec);
  let shown = 0;
  let held: HostMessage[] | undefined;
  let pendingSeen = false;
  // Shows what the user has not seen yet; from the first stacks-pending on, holds it instead.
  const relay = (skip: number) => {
    let seen = 0;
    return (m: HostMessage) => {
      if (m.type === "stacks-pending") {
        if (!held && !pendingSeen) { pendingSeen = true; replayWanted?.(); }
        held ??= [];
        return;
      }
      if (seen++ < skip) return;
      if (held) held.push(m);
      else { shown++; spec.onMessage?.(m); }
    };
  };
  let r = await play({ ...spec, stacks: "on-demand", wantedStacks: [], onMessage: relay(0) });
  const wanted = new Set<number>();
  let replays = 0;
  for (let replay = 1; held && r.summary?.stacksMissing?.length; replay++) {
    replays = replay;
    for (const s of r.summary.stacksMissing) wanted.add(s);
    held = undefined;
    const last = replay > MAX_HOST_STACK_REPLAYS;
    r = await play({ ...spec, stacks: last ? "capture" : "on-demand", wantedStacks: [...wanted], onMessage: relay(shown) });
    if (last) break;
  }
  // Held with nothing to replay for (the host was killed before its end): what there is, rather than nothing.
  for (const m of held ?? []) spec.onMessage?.(m);
  return { ...r, stackReplays: replays };
}
