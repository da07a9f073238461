// Running a driver file against a scenario file, in this process. The
// command line and the debugger reach it through the isolated host process.

import * as path from "node:path";
import { runScenario, runScenarioOnDemand, type BootOptions, type KernelEvent, type RunResult, type RunSpec, type StacksOnDemandInfo } from "../../sim-core/src";
import { bundle, evaluate, mapFrame, sourcesOf, type Bundle } from "./bundle";

export interface FileRun {
  readonly driver: string;
  readonly scenario: string;
  readonly boot?: BootOptions;
  readonly params?: Readonly<Record<string, string>>;
  /** The module name; by default the driver file's name. */
  readonly module?: string;
  /** Sees every kernel event of the run as it happens. */
  readonly onEvent?: (e: KernelEvent) => void;
  /**
   * "capture" (the default here): a stack at every allocation, mapping and free. "on-demand": a token only,
   * and the run played again to capture the stacks its reports print; onEvent then sees the final play's events.
   */
  readonly stacks?: "capture" | "on-demand";
}

export function runFiles(spec: FileRun): RunResult & { readonly stacks?: StacksOnDemandInfo } {
  const driver = bundle(spec.driver);
  const scenario = bundle(spec.scenario);
  if (spec.stacks !== "on-demand") return runScenario(fileSpec(spec, driver, scenario, spec.onEvent));
  let events: KernelEvent[] = [];
  const onEvent = spec.onEvent && ((e: KernelEvent) => { events.push(e); });
  const r = runScenarioOnDemand(() => { events = []; return fileSpec(spec, driver, scenario, onEvent); });
  for (const e of events) spec.onEvent?.(e);
  return r;
}

/** One play of the run: the driver and the scenario evaluated afresh. */
function fileSpec(spec: FileRun, driver: Bundle, scenario: Bundle, onEvent: ((e: KernelEvent) => void) | undefined): RunSpec {
  const bundles: Bundle[] = [driver, scenario];
  const play = evaluateScenario(scenario);
  return {
    module: spec.module ?? path.basename(spec.driver).replace(/\.[cm]?tsx?$/, ""),
    boot: spec.boot,
    params: spec.params,
    setup: (k) => {
      k.stacks.mapFrame = (f) => mapFrame(bundles, f);
      // The user's code is what the bundles were built from; the host and the test harness are not.
      const sources = new Set(bundles.flatMap(sourcesOf));
      k.stacks.filter = (file) => sources.has(file);
      if (onEvent) k.events.on(onEvent);
    },
    loadDriver: () => { evaluate(driver); },
    scenario: play,
  };
}

function evaluateScenario(b: Bundle): () => void {
  let fn: unknown;
  return () => {
    fn ??= evaluate(b).default;
    if (typeof fn !== "function") throw new Error(`${b.filename.replace(/\.bundle\.js$/, "")}: a scenario must \`export default function\` the user program`);
    (fn as () => void)();
  };
}
