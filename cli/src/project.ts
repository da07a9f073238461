// A driver folder as the command line reads it: the driver files, the
// scenarios beside them, and the optional sample.json with boot options,
// module parameters and the buggy twins and the rule each must trip.
//
//   mydriver/
//     mydriver.ts            the driver (any .ts that is not a scenario)
//     mydriver_bug.ts        more drivers: twins, variants
//     scenario.ts            a scenario named "scenario"
//     *.scenario.ts          more scenarios, named by what precedes .scenario.ts
//     scenarios/*.ts         more scenarios, named by file name
//     sample.json            { boot?, params?, twins?: {driver: RULE}, bootFor?: {driver: boot} }

import * as fs from "node:fs";
import * as path from "node:path";
import type { BootOptions } from "../../sim-core/src";
import { isRuleId } from "../../sim-core/src/rules/catalogue";
import { UsageError } from "./args";

export interface FolderConfig {
  readonly boot?: Omit<BootOptions, "onLog">;
  readonly params?: Record<string, string>;
  readonly twins?: Record<string, string>;
  readonly bootFor?: Record<string, Omit<BootOptions, "onLog">>;
}

export interface Scenario {
  readonly name: string;
  readonly file: string;
}

export interface DriverTarget {
  readonly file: string;
  /** The driver's name: its file name without .ts. */
  readonly name: string;
  /** The module name insmod uses: the folder's name when the folder has a driver of that name, else the driver's. */
  readonly module: string;
  readonly scenarios: readonly Scenario[];
  readonly boot: Omit<BootOptions, "onLog">;
  readonly params?: Record<string, string>;
  /** The rule a buggy twin must trip (exactly that one); undefined for a driver that must stay silent. */
  readonly expectRule?: string;
}

const SCENARIO_SUFFIX = ".scenario.ts";

function isScenarioFile(f: string): boolean {
  return f === "scenario.ts" || f.endsWith(SCENARIO_SUFFIX);
}

export function readConfig(dir: string): FolderConfig {
  const file = path.join(dir, "sample.json");
  if (!fs.existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UsageError(`${file}: expected an object with boot, params, twins or bootFor`);
  const cfg = raw as FolderConfig;
  for (const [twin, rule] of Object.entries(cfg.twins ?? {})) {
    if (!isRuleId(rule)) throw new UsageError(`${file}: twins.${twin}: "${rule}" is not a rule id (see RULES.md)`);
  }
  return cfg;
}

/** The scenarios of a driver folder, by name. */
export function findScenarios(dir: string): Scenario[] {
  const out: Scenario[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    if (f === "scenario.ts") out.push({ name: "scenario", file: path.join(dir, f) });
    else if (f.endsWith(SCENARIO_SUFFIX)) out.push({ name: f.slice(0, -SCENARIO_SUFFIX.length), file: path.join(dir, f) });
  }
  const sub = path.join(dir, "scenarios");
  if (fs.existsSync(sub) && fs.statSync(sub).isDirectory()) {
    for (const f of fs.readdirSync(sub).sort()) if (f.endsWith(".ts")) out.push({ name: f.replace(/\.ts$/, ""), file: path.join(sub, f) });
  }
  return out;
}

/** The drivers of a folder: every .ts file that is not a scenario or a declaration file. */
export function findDrivers(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !isScenarioFile(f)).sort().map((f) => path.join(dir, f));
}

/** One driver file, with its folder's scenarios and configuration; `scenario` picks one by name or path. */
export function driverTarget(file: string, scenario?: string, overrides: Omit<BootOptions, "onLog"> = {}): DriverTarget {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new UsageError(`${file}: no such file`);
  if (!abs.endsWith(".ts")) throw new UsageError(`${file}: a driver is a TypeScript file (.ts)`);
  const dir = path.dirname(abs);
  const name = path.basename(abs, ".ts");
  const cfg = readConfig(dir);
  let scenarios = findScenarios(dir);
  if (scenario !== undefined) {
    const asPath = path.resolve(scenario);
    if (scenario.endsWith(".ts") && fs.existsSync(asPath)) scenarios = [{ name: path.basename(asPath).replace(/(\.scenario)?\.ts$/, ""), file: asPath }];
    else {
      const pick = scenarios.filter((s) => s.name === scenario);
      if (!pick.length) throw new UsageError(`${file}: no scenario "${scenario}" (found: ${scenarios.map((s) => s.name).join(", ") || "none"})`);
      scenarios = pick;
    }
  }
  if (!scenarios.length) throw new UsageError(`${file}: no scenario beside it: add ${path.join(path.relative(process.cwd(), dir) || ".", "scenario.ts")} (export default function scenario() { ... }), or pass --scenario FILE`);
  const folderModule = path.basename(dir);
  const module = fs.existsSync(path.join(dir, `${folderModule}.ts`)) ? folderModule : name;
  return {
    file: abs, name, module, scenarios,
    boot: { ...cfg.boot, ...cfg.bootFor?.[name], ...overrides },
    params: cfg.params, expectRule: cfg.twins?.[name],
  };
}

/** Every driver with a scenario under a folder (the folder itself included), for `faultline test` and `npm start`. */
export function collectTargets(root: string, overrides: Omit<BootOptions, "onLog"> = {}): DriverTarget[] {
  const out: DriverTarget[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (findScenarios(dir).length) for (const d of findDrivers(dir)) out.push(driverTarget(d, undefined, overrides));
    for (const e of entries) {
      if (e.isDirectory() && e.name !== "node_modules" && e.name !== "scenarios" && !e.name.startsWith(".")) walk(path.join(dir, e.name));
    }
  };
  walk(path.resolve(root));
  return out;
}
