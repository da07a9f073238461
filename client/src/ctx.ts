// The extension's lifecycle (rust-analyzer's Ctx): what lives as long as the
// extension (commands, views, the status item, the debugger registration) and
// what lives as long as the language client, each disposed in its own scope.

import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { loadChunk, type Chunks } from "./chunks";
import { registerCommands } from "./commands";
import { importsApi } from "./drivers";
import { KernelLog } from "./kernelLog";
import { LanguageClientHost } from "./languageClient";
import { ProfileStatus } from "./profile";
import { hostNode, type NodeChoice } from "./hostNode";
import { registerDebugger } from "./debug/register";
import { KernelViews } from "./views/kernelViews";
import { MemoryMapPanel } from "./webview/memoryMap";
import type { RunFinding } from "../../server/src/protocol";

/** As the server labels them (server/src/protocol.ts RUN_SOURCE). */
const RUN_SOURCE = "faultline (run)";

export class Ctx {
  private readonly extCleanup: vscode.Disposable[] = [];
  readonly kernelLog = new KernelLog();
  readonly profile: ProfileStatus;
  readonly lsp: LanguageClientHost;
  readonly views: KernelViews;
  readonly memoryMap: MemoryMapPanel;
  /** When the server is not there to own them, run findings go here. */
  private fallbackDiagnostics: vscode.DiagnosticCollection | undefined;

  constructor(readonly context: vscode.ExtensionContext, private readonly times: { loadedAt: number; calledAt: number }) {
    this.profile = new ProfileStatus((d) => this.isDriverDocument(d));
    this.lsp = new LanguageClientHost(this.asAbsolutePath("dist/server.js"));
    this.views = new KernelViews();
    this.memoryMap = new MemoryMapPanel(context.extensionUri, (ref) => this.views.openMemory(ref));
  }

  asAbsolutePath(rel: string): string {
    return this.context.asAbsolutePath(rel);
  }

  /** The templates and samples ship beside the bundles. */
  get templatesRoot(): string { return this.asAbsolutePath("client/templates"); }
  get samplesRoot(): string { return this.asAbsolutePath("samples"); }

  isDriverDocument(doc: vscode.TextDocument): boolean {
    return doc.languageId === "typescript" && doc.uri.scheme === "file" && importsApi(doc.getText());
  }

  runtime(): Chunks["runtime"] {
    return loadChunk("runtime");
  }

  hostNode(): NodeChoice {
    return hostNode(vscode.workspace.getConfiguration("faultline").get<string>("nodePath"), this.context.globalStorageUri.fsPath);
  }

  async start(): Promise<void> {
    const c = this.extCleanup;
    c.push(this.kernelLog, this.profile, this.lsp, this.views, this.memoryMap);
    c.push(...registerCommands(this));
    c.push(...registerDebugger(this));
    c.push(vscode.window.onDidChangeActiveTextEditor((e) => this.updateDriverContext(e)));
    c.push(vscode.workspace.onDidChangeTextDocument((e) => { if (e.document === vscode.window.activeTextEditor?.document) this.updateDriverContext(vscode.window.activeTextEditor); }));
    this.updateDriverContext(vscode.window.activeTextEditor);
    this.recordActivation();
  }

  private driverEditor: boolean | undefined;
  private updateDriverContext(e: vscode.TextEditor | undefined): void {
    const is = !!e && this.isDriverDocument(e.document);
    if (is === this.driverEditor) return;
    this.driverEditor = is;
    void vscode.commands.executeCommand("setContext", "faultline.driverEditor", is);
  }

  private readonly debugRuns = new Set<string>();

  /** A debug session's output (the kernel log as it happens) also lands in the kernel log channel, one block per session. */
  onDebugOutput(session: vscode.DebugSession, body: { category?: string; output?: string } | undefined): void {
    if (!body?.output || body.category === "telemetry") return;
    if (!this.debugRuns.has(session.id)) {
      this.debugRuns.add(session.id);
      this.kernelLog.beginRun(`debug ${session.name}`, vscode.workspace.getConfiguration("faultline").get<number>("kernelLog.maxLines", 5000));
    }
    for (const line of body.output.replace(/\n$/, "").split("\n")) this.kernelLog.line(line);
  }

  /** Findings of a run: to the server, which shows them in Problems beside the static ones. */
  async publishRunFindings(findings: RunFinding[]): Promise<void> {
    if (await this.lsp.sendRunFindings({ findings }).catch(() => false)) {
      this.fallbackDiagnostics?.clear();
      return;
    }
    this.fallbackDiagnostics ??= vscode.languages.createDiagnosticCollection("faultline-run");
    this.fallbackDiagnostics.clear();
    const byUri = new Map<string, vscode.Diagnostic[]>();
    for (const f of findings) {
      const r = f.range;
      const d = new vscode.Diagnostic(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character), [f.message, ...(f.report ?? [])].join("\n"), vscode.DiagnosticSeverity.Error);
      d.code = f.rule;
      d.source = RUN_SOURCE;
      // The line to change (first) and the callers, as the server would show them.
      if (f.related?.length) d.relatedInformation = f.related.map((x) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.parse(x.uri), new vscode.Range(x.range.start.line, x.range.start.character, x.range.end.line, x.range.end.character)), x.message));
      byUri.set(f.uri, [...(byUri.get(f.uri) ?? []), d]);
    }
    for (const [uri, ds] of byUri) this.fallbackDiagnostics.set(vscode.Uri.parse(uri), ds);
  }

  /** For the end-to-end test and bench: how long activate() took (VS Code's "activate" time), and from the entry module's load. */
  private recordActivation(): void {
    const file = process.env.FAULTLINE_ACTIVATION_LOG;
    if (!file) return;
    const now = Date.now();
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const { loadedAt, calledAt } = this.times;
      fs.appendFileSync(file, JSON.stringify({ loadedAt, calledAt, activatedAt: now, activateMs: now - calledAt, loadToActivatedMs: now - loadedAt, vscode: vscode.version }) + "\n");
    } catch { /* a measurement must never break activation */ }
  }

  async dispose(): Promise<void> {
    this.fallbackDiagnostics?.dispose();
    for (const d of this.extCleanup.splice(0).reverse()) {
      try { await (d.dispose() as unknown); } catch { /* keep disposing the rest */ }
    }
  }
}
