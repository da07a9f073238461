// The commands (palette, editor title, code lenses). Run and debug refuse
// to execute a driver in a folder the user has not trusted, and say why.

import * as path from "node:path";
import * as vscode from "vscode";
import type { Ctx } from "./ctx";
import { driversForScenario, isScenarioFile } from "./drivers";
import type { RunFinding } from "../../server/src/protocol";
import { TEMPLATE_KINDS, instantiate, validateName } from "./templates/index";
import { copySample, listSamples } from "./samples";
import type { RunRecord } from "./runtime";

export const UNTRUSTED_MESSAGE = "Faultline does not run or debug drivers in a folder you have not trusted: running a driver executes its code. Diagnostics and quick fixes keep working.";

/** True when the workspace is trusted; otherwise explains, offers to manage trust, and returns false. */
export async function requireTrust(what: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const pick = await vscode.window.showWarningMessage(`${what}: ${UNTRUSTED_MESSAGE}`, "Manage Workspace Trust");
  if (pick) await vscode.commands.executeCommand("workbench.trust.manage");
  return false;
}

/** A file path from a command argument: a Uri, a URI string, a path, or the active editor's file. */
export function fileArg(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === "string") return /^[a-z][\w+.-]+:/i.test(arg) && !/^[a-z]:[\\/]/i.test(arg) ? vscode.Uri.parse(arg).fsPath : arg;
  if (arg && typeof arg === "object" && "fsPath" in arg) return String((arg as { fsPath: string }).fsPath);
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.scheme === "file" ? doc.fileName : undefined;
}

/** The driver (and scenario) a file stands for: a scenario plays against its folder's driver. */
export async function driverAndScenario(file: string): Promise<{ driver: string; scenario?: string } | undefined> {
  if (!isScenarioFile(file)) return { driver: file };
  const drivers = driversForScenario(file);
  if (!drivers.length) {
    void vscode.window.showErrorMessage(`${path.basename(file)}: no driver beside this scenario (a .ts file that is not a scenario).`);
    return undefined;
  }
  if (drivers.length === 1 || drivers[0] && path.basename(drivers[0], ".ts") === path.basename(path.dirname(file))) return { driver: drivers[0], scenario: file };
  const pick = await vscode.window.showQuickPick(drivers.map((d) => ({ label: path.basename(d), description: path.dirname(d), d })), { title: `Run ${path.basename(file)} against which driver?` });
  return pick ? { driver: pick.d, scenario: file } : undefined;
}

export interface RunOutcome { readonly records: RunRecord[]; readonly findings: RunFinding[] }

export async function runScenario(ctx: Ctx, arg?: unknown, scenarioArg?: unknown): Promise<RunOutcome | undefined> {
  if (!(await requireTrust("Run Scenario"))) return undefined;
  const file = fileArg(arg);
  if (!file) {
    void vscode.window.showErrorMessage("Run Scenario: open a driver or a scenario first.");
    return undefined;
  }
  const pair = await driverAndScenario(file);
  if (!pair) return undefined;
  const scenario = typeof scenarioArg === "string" ? scenarioArg : pair.scenario;
  await vscode.workspace.saveAll(false);
  const rt = ctx.runtime();
  const cfg = vscode.workspace.getConfiguration("faultline");
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(pair.driver));
  const title = `faultline run ${folder ? path.relative(folder.uri.fsPath, pair.driver) : pair.driver}${scenario ? ` --scenario ${path.basename(scenario, ".ts")}` : ""}`;
  ctx.kernelLog.beginRun(title, cfg.get<number>("kernelLog.maxLines", 5000));
  ctx.kernelLog.show(true);
  const node = ctx.hostNode();
  if (node.note) ctx.kernelLog.line(`note: ${node.note}`);
  let records: RunRecord[] = [];
  try {
    records = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Faultline: running ${path.basename(pair.driver)}` }, () =>
      rt.runDriver({ driver: pair.driver, scenario, defaults: ctx.profile.profile, node: node.node, cwd: folder?.uri.fsPath ?? path.dirname(pair.driver) }, { line: (l) => ctx.kernelLog.line(l) }));
  } catch (e) {
    ctx.kernelLog.line(`error: ${(e as Error).message}`);
    ctx.kernelLog.endRun("not run");
    void vscode.window.showErrorMessage(`Run Scenario: ${(e as Error).message}`);
    return undefined;
  }
  const findings = rt.runFindingsOf(records, (file) => vscode.Uri.file(file).toString());
  await ctx.publishRunFindings(findings);
  const failed = records.filter((r) => r.result.failures.length).length;
  const summary = `${records.length} run${records.length === 1 ? "" : "s"}: ${findings.length} finding${findings.length === 1 ? "" : "s"}${failed ? `, ${failed} failed` : ""}`;
  ctx.kernelLog.endRun(summary);
  vscode.window.setStatusBarMessage(`Faultline: ${summary}`, 10_000);
  return { records, findings };
}

export async function debugScenario(ctx: Ctx, arg?: unknown, scenarioArg?: unknown): Promise<boolean> {
  if (!(await requireTrust("Debug Scenario"))) return false;
  const file = fileArg(arg);
  if (!file) {
    void vscode.window.showErrorMessage("Debug Scenario: open a driver or a scenario first.");
    return false;
  }
  const pair = await driverAndScenario(file);
  if (!pair) return false;
  await vscode.workspace.saveAll(false);
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(pair.driver));
  const scenario = typeof scenarioArg === "string" ? scenarioArg : pair.scenario;
  return vscode.debug.startDebugging(folder, {
    type: "faultline", request: "launch", name: `Debug ${path.basename(pair.driver)}`, driver: pair.driver, ...(scenario ? { scenario } : {}),
  });
}

export async function newDriver(ctx: Ctx, kindArg?: string, nameArg?: string, parentArg?: string): Promise<string | undefined> {
  const kind = kindArg ? TEMPLATE_KINDS.find((k) => k.id === kindArg) : await vscode.window.showQuickPick(TEMPLATE_KINDS.map((k) => ({ ...k, description: k.id })), { title: "New driver from a template", placeHolder: "What kind of driver?" });
  if (!kind) return undefined;
  const name = nameArg ?? await vscode.window.showInputBox({ title: `New driver: ${kind.label}`, prompt: "The driver's name (its module name, folder and device node)", value: kind.defaultName, validateInput: (v) => validateName(v) ?? null });
  if (!name) return undefined;
  let parent = parentArg ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!parent) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: "Create the driver here" });
    parent = picked?.[0]?.fsPath;
    if (!parent) return undefined;
  }
  let created;
  try {
    created = instantiate(ctx.templatesRoot, kind.id, parent, name);
  } catch (e) {
    void vscode.window.showErrorMessage(`New driver: ${(e as Error).message}`);
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(created.driver);
  await vscode.window.showTextDocument(doc);
  return created.driver;
}

export async function openSample(ctx: Ctx, nameArg?: string, parentArg?: string): Promise<string | undefined> {
  const samples = listSamples(ctx.samplesRoot);
  const sample = nameArg ? samples.find((s) => s.name === nameArg) : await vscode.window.showQuickPick(samples.map((s) => ({ label: s.name, detail: s.summary, description: s.drivers.join(" "), s })), { title: "Open a Faultline sample", placeHolder: "LDD3 chapter 15's drivers and their buggy twins", matchOnDetail: true }).then((p) => p?.s);
  if (!sample) return undefined;
  const parent = parentArg ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!parent) {
    void vscode.window.showErrorMessage("Open Sample: open a folder first; the sample is copied into it.");
    return undefined;
  }
  const { driver } = copySample(sample, parent);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(driver));
  return driver;
}

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  const r = vscode.commands.registerCommand;
  return [
    r("faultline.runScenario", (a, s) => runScenario(ctx, a, s)),
    r("faultline.debugScenario", (a, s) => debugScenario(ctx, a, s)),
    r("faultline.newDriver", (k, n, p) => newDriver(ctx, k, n, p)),
    r("faultline.openSample", (n, p) => openSample(ctx, n, p)),
    r("faultline.showMemoryMap", () => ctx.memoryMap.show()),
    r("faultline.showKernelLog", () => ctx.kernelLog.show(false)),
    r("faultline.selectProfile", () => ctx.profile.select()),
    r("faultline.views.reveal", (item) => ctx.views.reveal(item)),
  ];
}
