// launch.json attributes → a run, the way `faultline run` reads a driver
// folder (cli/src/project.ts): the scenario beside the driver (scenario.ts,
// *.scenario.ts, scenarios/*.ts), the module name, and sample.json's boot,
// bootFor and params, under the launch attributes. The rules are the CLI's;
// they are restated here because the CLI depends on this package (for
// `faultline debug-adapter`), not the other way round.

import * as fs from "node:fs";
import * as path from "node:path";
import type { BootOptions } from "../../sim-core/src";
import type { FaultlineLaunchArguments } from "./protocol";
import type { RunConfig } from "./runtime";

export class LaunchError extends Error {
  override readonly name = "LaunchError";
}

interface FolderConfig {
  boot?: Omit<BootOptions, "onLog">;
  params?: Record<string, string>;
  bootFor?: Record<string, Omit<BootOptions, "onLog">>;
}

function readSampleJson(dir: string): FolderConfig {
  const file = path.join(dir, "sample.json");
  if (!fs.existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new LaunchError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new LaunchError(`${file}: expected an object with boot, params, twins or bootFor`);
  return raw as FolderConfig;
}

function scenariosOf(dir: string): Array<{ name: string; file: string }> {
  const out: Array<{ name: string; file: string }> = [];
  for (const f of fs.readdirSync(dir).sort()) {
    if (f === "scenario.ts") out.push({ name: "scenario", file: path.join(dir, f) });
    else if (f.endsWith(".scenario.ts")) out.push({ name: f.slice(0, -".scenario.ts".length), file: path.join(dir, f) });
  }
  const sub = path.join(dir, "scenarios");
  if (fs.existsSync(sub) && fs.statSync(sub).isDirectory()) {
    for (const f of fs.readdirSync(sub).sort()) if (f.endsWith(".ts")) out.push({ name: f.replace(/\.ts$/, ""), file: path.join(sub, f) });
  }
  return out;
}

/** Checks the attributes at the boundary (a malformed launch gets one line) and resolves the run. */
export function resolveLaunch(args: Partial<FaultlineLaunchArguments>, defaults: { node?: string; containment?: "process" | "realm" } = {}): RunConfig {
  if (typeof args.driver !== "string" || !args.driver) throw new LaunchError("launch: \"driver\" (the driver's .ts file) is required");
  const cwd = typeof args.cwd === "string" && args.cwd ? path.resolve(args.cwd) : process.cwd();
  const driver = path.resolve(cwd, args.driver);
  if (!driver.endsWith(".ts")) throw new LaunchError(`${args.driver}: a driver is a TypeScript file (.ts)`);
  if (!fs.existsSync(driver)) throw new LaunchError(`${args.driver}: no such file`);
  const dir = path.dirname(driver);
  const name = path.basename(driver, ".ts");
  let scenario: string;
  const all = scenariosOf(dir);
  if (args.scenario !== undefined) {
    if (typeof args.scenario !== "string") throw new LaunchError("launch: \"scenario\" must be a name or a .ts path");
    const asPath = path.resolve(cwd, args.scenario);
    if (args.scenario.endsWith(".ts") && fs.existsSync(asPath)) scenario = asPath;
    else {
      const pick = all.find((s) => s.name === args.scenario);
      if (!pick) throw new LaunchError(`${args.driver}: no scenario "${args.scenario}" (found: ${all.map((s) => s.name).join(", ") || "none"})`);
      scenario = pick.file;
    }
  } else {
    if (!all.length) throw new LaunchError(`${args.driver}: no scenario beside it: add scenario.ts (export default function scenario() { ... }), or set "scenario"`);
    scenario = all[0].file;
  }
  const cfg = args.noSampleJson ? {} : readSampleJson(dir);
  const boot: Record<string, unknown> = { ...cfg.boot, ...cfg.bootFor?.[name] };
  if (args.arch !== undefined) {
    if (args.arch !== "x86_64" && args.arch !== "i386") throw new LaunchError(`launch: "arch" must be x86_64 or i386, got ${JSON.stringify(args.arch)}`);
    boot.arch = args.arch;
  }
  if (args.mem !== undefined) {
    if (typeof args.mem !== "string" && typeof args.mem !== "number") throw new LaunchError("launch: \"mem\" is a size such as \"256M\" or \"16G\"");
    boot.mem = args.mem;
  }
  if (args.seed !== undefined) {
    if (typeof args.seed !== "number" || !Number.isInteger(args.seed)) throw new LaunchError("launch: \"seed\" must be a whole number");
    boot.seed = args.seed;
  }
  if (args.devices !== undefined) {
    if (!Array.isArray(args.devices) || args.devices.some((d) => typeof d !== "string")) throw new LaunchError("launch: \"devices\" is a list of device names, e.g. [\"edu\"]");
    boot.devices = args.devices;
  }
  if (args.dmaDebug !== undefined) boot.dmaDebug = args.dmaDebug;
  if (args.params !== undefined && (typeof args.params !== "object" || args.params === null)) throw new LaunchError("launch: \"params\" is an object of name: value");
  const containment = args.containment ?? defaults.containment;
  if (containment !== undefined && containment !== "process" && containment !== "realm") throw new LaunchError("launch: \"containment\" is \"process\" or \"realm\"");
  const folderModule = path.basename(dir);
  const module = fs.existsSync(path.join(dir, `${folderModule}.ts`)) ? folderModule : name;
  return {
    driver, scenario, module, boot: boot as Omit<BootOptions, "onLog">,
    params: { ...cfg.params, ...args.params }, stopOnEntry: args.stopOnEntry === true, cwd,
    node: typeof args.nodePath === "string" && args.nodePath ? args.nodePath : defaults.node,
    ...(containment ? { containment } : {}),
  };
}
