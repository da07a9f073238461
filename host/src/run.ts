// Running a driver file against a scenario file, in this process. The
// command line and the debugger reach it through the isolated host process.

import * as path from "node:path";
import { runScenario, type BootOptions, type KernelEvent, type RunResult } from "../../sim-core/src";
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
}

export function runFiles(spec: FileRun): RunResult {
  const driver = bundle(spec.driver);
  const scenario = bundle(spec.scenario);
  const bundles: Bundle[] = [driver, scenario];
  const play = evaluateScenario(scenario);
  return runScenario({
    module: spec.module ?? path.basename(spec.driver).replace(/\.[cm]?tsx?$/, ""),
    boot: spec.boot,
    params: spec.params,
    setup: (k) => {
      k.stacks.mapFrame = (f) => mapFrame(bundles, f);
      // The user's code is what the bundles were built from; the host and the test harness are not.
      const sources = new Set(bundles.flatMap(sourcesOf));
      k.stacks.filter = (file) => sources.has(file);
      if (spec.onEvent) k.events.on(spec.onEvent);
    },
    loadDriver: () => { evaluate(driver); },
    scenario: play,
  });
}

function evaluateScenario(b: Bundle): () => void {
  let fn: unknown;
  return () => {
    fn ??= evaluate(b).default;
    if (typeof fn !== "function") throw new Error(`${b.filename.replace(/\.bundle\.js$/, "")}: a scenario must \`export default function\` the user program`);
    (fn as () => void)();
  };
}
