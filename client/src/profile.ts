// The machine profile: the arch and RAM drivers boot with when their
// sample.json does not say, shown in the status bar together with what the
// active driver's sample.json adds (its devices), e.g. "x86_64 · 256 MiB · edu".

import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export interface MachineProfile { readonly arch: "x86_64" | "i386"; readonly mem: string }

export const PROFILES: ReadonlyArray<{ label: string; detail: string }> = [
  { label: "x86_64 · 256 MiB", detail: "The default: 4-level page tables, direct map, no high memory" },
  { label: "x86_64 · 1 GiB", detail: "More room for big DMA buffers and vmalloc areas" },
  { label: "x86_64 · 4 GiB", detail: "RAM above 4 GiB: 32-bit DMA masks need bounce buffers or an IOMMU" },
  { label: "x86_64 · 16 GiB", detail: "A large machine: frames that are never touched cost nothing" },
  { label: "i386 · 256 MiB", detail: "32-bit, all low memory" },
  { label: "i386 · 1 GiB", detail: "32-bit with high memory above 896 MiB: kmap at work" },
  { label: "i386 · 8 GiB", detail: "32-bit PAE: 3-level page tables, frames above 4 GiB" },
];

const UNITS: Record<string, string> = { KiB: "K", MiB: "M", GiB: "G", TiB: "T", K: "K", M: "M", G: "G", T: "T", KB: "K", MB: "M", GB: "G", TB: "T" };

/** "x86_64 · 256 MiB" → { arch, mem: "256M" }; undefined when it does not read as a profile. */
export function parseProfile(s: string): MachineProfile | undefined {
  const m = /^\s*(x86_64|i386)\s*[·,/ ]\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]i?B?|[KMGT])\s*$/.exec(s);
  if (!m) return undefined;
  const unit = UNITS[m[3]];
  return unit ? { arch: m[1] as MachineProfile["arch"], mem: m[2] + unit } : undefined;
}

export function formatMem(mem: string | number): string {
  if (typeof mem === "number") {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = mem, i = 0;
    while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) { v /= 1024; i++; }
    return `${v} ${units[i]}`;
  }
  const m = /^([0-9.]+)\s*([KMGT])/i.exec(mem);
  return m ? `${m[1]} ${m[2].toUpperCase()}iB` : mem;
}

interface BootLike { arch?: string; mem?: string | number; devices?: string[] }

/** What sample.json in a driver's folder says about the machine (nothing when absent or unreadable). */
export function folderBoot(driverFile: string): BootLike {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(path.dirname(driverFile), "sample.json"), "utf8")) as { boot?: BootLike; bootFor?: Record<string, BootLike> };
    const name = path.basename(driverFile, ".ts");
    return { ...cfg.boot, ...cfg.bootFor?.[name] };
  } catch {
    return {};
  }
}

/** The status bar's text: arch · RAM · devices, sample.json over the profile. */
export function describeMachine(profile: MachineProfile, boot: BootLike): string {
  const parts = [boot.arch ?? profile.arch, formatMem(boot.mem ?? profile.mem)];
  if (boot.devices?.length) parts.push(boot.devices.join(", "));
  return parts.join(" · ");
}

export class ProfileStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("faultline.profile", vscode.StatusBarAlignment.Left, 10);
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly isDriver: (doc: vscode.TextDocument) => boolean) {
    this.item.name = "Faultline Machine Profile";
    this.item.command = "faultline.selectProfile";
    this.subs.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration("faultline.defaultProfile")) this.update(); }),
      vscode.workspace.onDidSaveTextDocument((d) => { if (path.basename(d.fileName) === "sample.json") this.update(); }),
    );
    this.update();
  }

  get profile(): MachineProfile {
    const s = vscode.workspace.getConfiguration("faultline").get<string>("defaultProfile", PROFILES[0].label);
    return parseProfile(s) ?? parseProfile(PROFILES[0].label)!;
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !this.isDriver(doc)) { this.item.hide(); return; }
    const text = describeMachine(this.profile, folderBoot(doc.fileName));
    this.item.text = `$(server-environment) ${text}`;
    this.item.tooltip = new vscode.MarkdownString(`**Faultline machine**: ${text}\n\nThe profile applies where the driver's \`sample.json\` says nothing. Click to choose another.`);
    this.item.show();
  }

  async select(): Promise<void> {
    const current = vscode.workspace.getConfiguration("faultline").get<string>("defaultProfile");
    const pick = await vscode.window.showQuickPick(PROFILES.map((p) => ({ ...p, description: p.label === current ? "current" : undefined })), { title: "Faultline: machine profile", placeHolder: "The machine drivers boot when their sample.json does not say" });
    if (!pick) return;
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration("faultline").update("defaultProfile", pick.label, target);
    this.update();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subs) s.dispose();
  }
}
