// When the language client starts: on the first TypeScript document that
// imports the kernel API, not at activation (the client and the server cost
// more than everything else the extension does at start-up).

import * as fs from "node:fs";
import * as vscode from "vscode";
import { loadChunk } from "./chunks";
import { importsApi } from "./drivers";
import type { LspHandle } from "./lsp";
import type { RunFindingsParams, StatusParams } from "../../server/src/protocol";

export class LanguageClientHost implements vscode.Disposable {
  private handle: Promise<LspHandle | undefined> | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private channel: vscode.OutputChannel | undefined;
  private readonly statusItem = vscode.languages.createLanguageStatusItem("faultline.server", { language: "typescript" });
  private readonly statusListeners: Array<(s: StatusParams) => void> = [];
  lastStatus: StatusParams | undefined;

  constructor(private readonly serverModule: string) {
    this.statusItem.name = "Faultline";
    this.statusItem.text = "Faultline";
    this.statusItem.detail = "checks drivers when one is opened";
    this.subs.push(vscode.workspace.onDidOpenTextDocument((d) => this.consider(d)));
    for (const d of vscode.workspace.textDocuments) this.consider(d);
  }

  private consider(doc: vscode.TextDocument): void {
    if (this.handle || doc.languageId !== "typescript" || doc.uri.scheme !== "file") return;
    if (importsApi(doc.getText())) void this.ensure();
  }

  onStatus(l: (s: StatusParams) => void): void {
    this.statusListeners.push(l);
  }

  /** Starts the client once; undefined when the server bundle is missing or would not start (said in its channel). */
  ensure(): Promise<LspHandle | undefined> {
    this.handle ??= (async () => {
      this.channel = vscode.window.createOutputChannel("Faultline Language Server");
      if (!fs.existsSync(this.serverModule)) {
        this.channel.appendLine(`The language server is not built: ${this.serverModule} is missing.`);
        return undefined;
      }
      try {
        return await loadChunk("lsp").startLanguageClient(this.serverModule, this.channel, (s) => {
          this.lastStatus = s;
          this.statusItem.severity = s.health === "error" ? vscode.LanguageStatusSeverity.Error : s.health === "warning" ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
          this.statusItem.busy = !s.quiescent;
          this.statusItem.detail = s.message ?? (s.quiescent ? "checked" : "checking…");
          for (const l of this.statusListeners) l(s);
        });
      } catch (e) {
        this.channel.appendLine(`The language server did not start: ${(e as Error).stack ?? String(e)}`);
        return undefined;
      }
    })();
    return this.handle;
  }

  /** Hands a run's findings to the server (which owns the Problems panel's entries); false when there is no server. */
  async sendRunFindings(params: RunFindingsParams): Promise<boolean> {
    const h = await this.ensure();
    if (!h) return false;
    await h.sendRunFindings(params);
    return true;
  }

  async dispose(): Promise<void> {
    for (const s of this.subs) s.dispose();
    this.statusItem.dispose();
    const h = await this.handle?.catch(() => undefined);
    await h?.stop().catch(() => undefined);
    this.channel?.dispose();
  }
}
