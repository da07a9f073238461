// F5 with no launch.json: the active driver (or the driver of the active
// scenario) is debugged with its folder's sample.json. Configurations get
// the extension's settings (the Node for the host) and refuse to start in an
// untrusted folder.

import * as path from "node:path";
import * as vscode from "vscode";
import { DEBUG_TYPE, type FaultlineLaunchArguments } from "../../../debug-adapter/src/protocol";
import { driversForScenario, importsApi, isScenarioFile } from "../drivers";
import { UNTRUSTED_MESSAGE } from "../commands";
import type { MachineProfile } from "../profile";

export type LaunchConfig = vscode.DebugConfiguration & Partial<FaultlineLaunchArguments>;

/** The launch configuration for a file, or why there is none. */
export function configurationFor(file: string | undefined, text: string | undefined): LaunchConfig | string {
  if (!file || !file.endsWith(".ts")) return "Open a driver (a TypeScript file that imports linux/*, asm/* or faultline/*) to debug it.";
  if (isScenarioFile(file)) {
    const driver = driversForScenario(file)[0];
    if (!driver) return `${path.basename(file)}: no driver beside this scenario.`;
    return { type: DEBUG_TYPE, request: "launch", name: `Debug ${path.basename(driver)} (${path.basename(file)})`, driver, scenario: file };
  }
  if (text !== undefined && !importsApi(text)) return `${path.basename(file)} does not import the kernel API (linux/*, asm/*, faultline/*): it is not a driver.`;
  return { type: DEBUG_TYPE, request: "launch", name: `Debug ${path.basename(file)}`, driver: file };
}

export class FaultlineConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly nodePath: () => string | undefined, private readonly profile: () => MachineProfile) {}

  provideDebugConfigurations(): vscode.ProviderResult<vscode.DebugConfiguration[]> {
    return [{ type: DEBUG_TYPE, request: "launch", name: "Debug driver", driver: "${file}", stopOnEntry: false }];
  }

  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(`Debug: ${UNTRUSTED_MESSAGE}`, "Manage Workspace Trust").then((p) => p && vscode.commands.executeCommand("workbench.trust.manage"));
      return undefined;
    }
    // F5 with no launch.json: an empty configuration.
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      const made = configurationFor(doc?.uri.scheme === "file" ? doc.fileName : undefined, doc?.getText());
      if (typeof made === "string") {
        void vscode.window.showInformationMessage(made);
        return undefined;
      }
      config = made;
    }
    if (!config.driver) {
      void vscode.window.showErrorMessage("A faultline launch configuration needs \"driver\": the driver's .ts file.");
      return undefined;
    }
    const node = this.nodePath();
    if (node && !config.nodePath) config.nodePath = node;
    // Desktop VS Code's runtime is Electron, whose Node has no --allow-inspector: without a Node of the
    // user's, the run is contained by the driver's realm (the adapter says so in the Debug Console).
    if (process.versions.electron && !vscode.workspace.getConfiguration("faultline").get<string>("nodePath") && !config.containment) config.containment = "realm";
    return config;
  }

  resolveDebugConfigurationWithSubstitutedVariables(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    // The profile fills arch and RAM only when neither launch.json nor sample.json says.
    if (!config.arch && !config.mem && !config.noSampleJson) {
      const boot = readBoot(String(config.driver));
      const p = this.profile();
      if (!boot.arch) config.arch = p.arch;
      if (!boot.mem) config.mem = p.mem;
    }
    return config;
  }
}

function readBoot(driver: string): { arch?: string; mem?: unknown } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require("node:fs") as typeof import("node:fs");
    const cfg = JSON.parse(fs.readFileSync(path.join(path.dirname(driver), "sample.json"), "utf8"));
    const name = path.basename(driver, ".ts");
    return { ...cfg.boot, ...cfg.bootFor?.[name] };
  } catch {
    return {};
  }
}

export class FaultlineDynamicConfigurations implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(): Promise<vscode.DebugConfiguration[]> {
    const scenarios = await vscode.workspace.findFiles("**/scenario.ts", "**/node_modules/**", 50);
    const out: vscode.DebugConfiguration[] = [];
    for (const s of scenarios) {
      for (const d of driversForScenario(s.fsPath)) {
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(d));
        out.push({ type: DEBUG_TYPE, request: "launch", name: `Faultline: ${folder ? path.relative(folder.uri.fsPath, d) : d}`, driver: d });
      }
    }
    return out;
  }
}
