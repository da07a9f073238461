// What counts as a driver or a scenario, as the command line reads a driver
// folder (cli/src/project.ts), decided cheaply enough for the editor's events.

import * as fs from "node:fs";
import * as path from "node:path";

/** A TypeScript file that imports the kernel API by header. */
export const API_IMPORT_RE = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)["'](?:linux|asm|faultline)\/[\w./-]+["']/m;

export function importsApi(text: string): boolean {
  return API_IMPORT_RE.test(text);
}

export function isScenarioFile(file: string): boolean {
  const base = path.basename(file);
  return base === "scenario.ts" || base.endsWith(".scenario.ts") || (path.basename(path.dirname(file)) === "scenarios" && base.endsWith(".ts"));
}

/** The driver files of a folder: every .ts that is neither a scenario nor a declaration file. */
export function driversIn(dir: string): string[] {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  return names.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !isScenarioFile(path.join(dir, f))).sort().map((f) => path.join(dir, f));
}

/** The driver a scenario plays against: the one named after its folder, else the only one; several → the caller asks. */
export function driversForScenario(scenario: string): string[] {
  const dir = path.basename(path.dirname(scenario)) === "scenarios" ? path.dirname(path.dirname(scenario)) : path.dirname(scenario);
  const all = driversIn(dir);
  const named = all.find((d) => path.basename(d, ".ts") === path.basename(dir));
  return named ? [named, ...all.filter((d) => d !== named)] : all;
}
