// The host dist/faultline.js (entry.ts) spawned for `faultline run` before
// loading the command line: main.ts takes it for the run's first scenario.

import type { HostProcess } from "../../host/src/spare";

export const EARLY_HOST = Symbol.for("faultline.earlyHost");

/** The host the entry spawned, once; undefined when it spawned none (or the command line runs without the entry). */
export function takeEarlyHost(): HostProcess | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const h = g[EARLY_HOST] as HostProcess | undefined;
  delete g[EARLY_HOST];
  return h;
}
