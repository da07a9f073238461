// The memory-map webview: physical memory as a map of frames coloured by
// state and the current process's address space, redrawn on every stop of a
// faultline session from the adapter's faultline/memoryMap answer. The page
// runs under a strict Content Security Policy (no inline code, a nonce for
// the one script) and draws with the theme's colours.

import * as crypto from "node:crypto";
import * as vscode from "vscode";
import { DEBUG_TYPE, MEMORY_MAP, type MemoryMapResponse } from "../../../debug-adapter/src/protocol";

export type ToWebview = { type: "map"; map: MemoryMapResponse; stop: string } | { type: "empty"; message: string };
export type FromWebview = { type: "open"; memoryReference: string } | { type: "ready" };

export function csp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join("; ");
}

export function html(webview: { cspSource: string; asWebviewUri(u: vscode.Uri): vscode.Uri }, media: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, "memoryMap.js"));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, "memoryMap.css"));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp(webview.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Faultline memory map</title>
</head>
<body>
<header><h1>Physical memory</h1><span id="summary" class="muted"></span></header>
<div id="status" class="muted">Waiting for the debugger to stop…</div>
<section id="physical" hidden>
  <div id="zones"></div>
  <canvas id="frames" role="img" aria-label="Physical frames coloured by state"></canvas>
  <ul id="legend"></ul>
</section>
<section id="process" hidden>
  <h1 id="process-title">Address space</h1>
  <div id="vmas"></div>
</section>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

export class MemoryMapPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private session: vscode.DebugSession | undefined;
  private readonly media: vscode.Uri;

  constructor(extensionUri: vscode.Uri, private readonly openMemory: (memoryReference: string) => void) {
    this.media = vscode.Uri.joinPath(extensionUri, "client", "media");
  }

  show(): void {
    if (this.panel) { this.panel.reveal(undefined, true); return; }
    const panel = vscode.window.createWebviewPanel("faultline.memoryMap", "Memory Map", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true, localResourceRoots: [this.media], retainContextWhenHidden: true,
    });
    this.panel = panel;
    const nonce = crypto.randomBytes(16).toString("base64");
    panel.webview.html = html(panel.webview, this.media, nonce);
    panel.webview.onDidReceiveMessage((m: FromWebview) => {
      // A page that (re)loads asks for the map: draw the session stopped now, if any, else say why not.
      if (m.type === "ready") void this.refresh();
      else if (m.type === "open" && typeof m.memoryReference === "string") this.openMemory(m.memoryReference);
    });
    panel.onDidDispose(() => { this.panel = undefined; });
    const s = vscode.debug.activeDebugSession;
    if (s?.type === DEBUG_TYPE) this.session = s;
  }

  onStopped(session: vscode.DebugSession): void {
    if (session.type !== DEBUG_TYPE) return;
    this.session = session;
    if (this.panel) void this.refresh();
  }

  onEnded(session: vscode.DebugSession): void {
    if (this.session && this.session.id !== session.id) return;
    this.session = undefined;
    if (!this.panel) return;
    this.post({ type: "empty", message: "The debug session ended. Start one and stop it (a breakpoint, a page fault) to see memory." });
  }

  private async refresh(): Promise<void> {
    const s = this.session ?? (vscode.debug.activeDebugSession?.type === DEBUG_TYPE ? vscode.debug.activeDebugSession : undefined);
    if (!s) { this.post({ type: "empty", message: "No Faultline debug session. Debug a driver and stop it to see its memory." }); return; }
    try {
      const map = (await s.customRequest(MEMORY_MAP, {})) as MemoryMapResponse;
      const frame = vscode.debug.activeStackItem;
      this.post({ type: "map", map, stop: frame && "frameId" in frame ? `stopped in ${s.name}` : s.name });
    } catch (e) {
      this.post({ type: "empty", message: `The adapter did not answer ${MEMORY_MAP}: ${(e as Error).message}` });
    }
  }

  private post(m: ToWebview): void {
    void this.panel?.webview.postMessage(m);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
