// A real LSP connection for the tests: the server's createConnection on one
// side of a pair of in-memory streams, a vscode-jsonrpc client on the other
// (as vscode-languageserver-node's own connection tests do). The client keeps
// what the server sends it: published diagnostics, faultline/status, progress,
// refresh and configuration requests.

import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import {
  CancellationTokenSource, createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter, type MessageConnection,
} from "vscode-jsonrpc/node";
import type {
  ClientCapabilities, CodeAction, CodeLens, Diagnostic, DocumentDiagnosticReport, PublishDiagnosticsParams, TextDocumentContentChangeEvent, TextEdit,
} from "vscode-languageserver-protocol";
import { createConnection } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { startServer, type ServerOptions } from "../src/server";
import { StatusNotification, type StatusParams } from "../src/protocol";

export const ROOT = path.resolve(__dirname, "../../..");
export const SAMPLES = path.join(ROOT, "samples");
export const DOCS_BASE = "https://docs.example/faultline/";

export const PULL_CAPS: ClientCapabilities = {
  textDocument: { diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false }, synchronization: { didSave: true } },
  workspace: { configuration: true, diagnostics: { refreshSupport: true }, didChangeConfiguration: { dynamicRegistration: true } },
  window: { workDoneProgress: true },
};
export const PUSH_CAPS: ClientCapabilities = { textDocument: { synchronization: { didSave: true } }, workspace: { configuration: true } };

/** Every .ts file of the samples, driver twins and scenarios alike, sorted. */
export function sampleFiles(): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(SAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const f of fs.readdirSync(path.join(SAMPLES, d)).filter((f) => f.endsWith(".ts")).sort()) out.push(path.join(SAMPLES, d, f));
  }
  return out;
}

export const uriOf = (file: string) => pathToFileURL(file).href;

export interface Client {
  readonly rpc: MessageConnection;
  readonly published: PublishDiagnosticsParams[];
  readonly statuses: StatusParams[];
  readonly progress: { token: string | number; value: { kind: string; message?: string; percentage?: number; title?: string } }[];
  readonly logs: string[];
  refreshes: number;
  /** What workspace/configuration answers for the `faultline` section. */
  settings: unknown;
  open(file: string, text?: string, version?: number): TextDocument;
  change(uri: string, changes: TextDocumentContentChangeEvent[]): TextDocument;
  save(uri: string): void;
  close(uri: string): void;
  doc(uri: string): TextDocument;
  pull(uri: string, previousResultId?: string, token?: CancellationTokenSource): Promise<DocumentDiagnosticReport>;
  codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]>;
  codeLenses(uri: string): Promise<CodeLens[]>;
  /** Resolves once the server says it is quiescent after `since` status messages. */
  quiescent(since?: number): Promise<StatusParams>;
  /** Resolves with the next publishDiagnostics for `uri` that matches. */
  nextPublish(uri: string, pred?: (p: PublishDiagnosticsParams) => boolean, since?: number): Promise<PublishDiagnosticsParams>;
  /**
   * Writes JSON-RPC messages to the server in one chunk (so it reads them in
   * one go, whatever the timers do) and resolves with the responses to those
   * that are requests (string ids, so they never clash with the client's).
   */
  raw(messages: readonly { id?: string; method: string; params?: unknown }[]): Promise<{ id: string; result?: unknown; error?: { code: number; message: string; data?: unknown } }[]>;
  dispose(): void;
}

/** Starts a server and a client, and initializes the session. */
export async function connect(caps: ClientCapabilities = PULL_CAPS, opts: ServerOptions & { init?: Record<string, unknown>; folders?: string[]; settings?: unknown; spawn?: { env?: NodeJS.ProcessEnv } } = {}): Promise<Client> {
  let up: NodeJS.WritableStream & { write(b: Buffer): boolean }, down: NodeJS.ReadableStream;
  let stop: () => void;
  if (opts.spawn) {
    // The compiled entry point in a process of its own, over stdio, as an editor runs it.
    const child = spawn(process.execPath, [path.join(ROOT, "out", "server", "src", "main.js"), "--stdio"], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...opts.spawn.env } });
    up = child.stdin; down = child.stdout;
    stop = () => { child.kill(); };
  } else {
    const u = new PassThrough(), d = new PassThrough();
    const server = createConnection(u, d);
    startServer(server, opts);
    server.listen();
    up = u; down = d;
    // The streams stay open: vscode-languageserver/node exits the process when its input closes.
    stop = () => { server.dispose(); };
  }
  const rpc = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const docs = new Map<string, TextDocument>();
  // A tap on the server's output for raw(): the reader above gets the same chunks.
  const rawWaiters = new Map<string, (r: { id: string }) => void>();
  let tapped = Buffer.alloc(0);
  down.on("data", (chunk: Buffer) => {
    tapped = Buffer.concat([tapped, chunk]);
    for (;;) {
      const head = tapped.indexOf("\r\n\r\n");
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(tapped.subarray(0, head).toString("ascii"))?.[1]);
      if (tapped.length < head + 4 + len) return;
      const msg = JSON.parse(tapped.subarray(head + 4, head + 4 + len).toString("utf8")) as { id?: unknown };
      tapped = tapped.subarray(head + 4 + len);
      if (typeof msg.id === "string" && rawWaiters.has(msg.id)) { rawWaiters.get(msg.id)!(msg as { id: string }); rawWaiters.delete(msg.id); }
    }
  });
  const waiters: (() => void)[] = [];
  const poke = () => { for (const w of waiters.splice(0)) w(); };
  const client: Client = {
    rpc, published: [], statuses: [], progress: [], logs: [], refreshes: 0, settings: opts.settings ?? {},
    open(file, text, version = 1) {
      const uri = file.includes("://") ? file : uriOf(file);
      const content = text ?? fs.readFileSync(file, "utf8");
      const doc = TextDocument.create(uri, "typescript", version, content);
      docs.set(uri, doc);
      void rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "typescript", version, text: content } });
      return doc;
    },
    change(uri, changes) {
      const doc = client.doc(uri);
      const next = TextDocument.update(doc, changes, doc.version + 1);
      docs.set(uri, next);
      void rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version: next.version }, contentChanges: changes });
      return next;
    },
    save(uri) { void rpc.sendNotification("textDocument/didSave", { textDocument: { uri } }); },
    close(uri) { docs.delete(uri); void rpc.sendNotification("textDocument/didClose", { textDocument: { uri } }); },
    doc(uri) { const d = docs.get(uri); assert.ok(d, `${uri} is not open`); return d; },
    pull(uri, previousResultId, token) {
      const params = { textDocument: { uri }, previousResultId, identifier: "faultline" };
      // A trailing undefined would be sent as a second positional parameter.
      return token ? rpc.sendRequest("textDocument/diagnostic", params, token.token) : rpc.sendRequest("textDocument/diagnostic", params);
    },
    codeActions(uri, diagnostics) {
      const end = client.doc(uri).lineCount;
      return rpc.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: end, character: 0 } }, context: { diagnostics } });
    },
    codeLenses(uri) { return rpc.sendRequest("textDocument/codeLens", { textDocument: { uri } }); },
    quiescent(since = 0) {
      return new Promise((resolve) => {
        const check = () => {
          const s = client.statuses.slice(since).find((x) => x.quiescent);
          if (s) resolve(s); else waiters.push(check);
        };
        check();
      });
    },
    nextPublish(uri, pred = () => true, since = client.published.length) {
      return new Promise((resolve) => {
        const check = () => {
          const p = client.published.slice(since).find((x) => x.uri === uri && pred(x));
          if (p) resolve(p); else waiters.push(check);
        };
        check();
      });
    },
    raw(messages) {
      const frames = messages.map((m) => {
        const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...m }), "utf8");
        return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
      });
      const answers = messages.filter((m) => m.id !== undefined).map((m) => new Promise<{ id: string }>((r) => rawWaiters.set(m.id!, r)));
      up.write(Buffer.concat(frames));
      return Promise.all(answers) as ReturnType<Client["raw"]>;
    },
    dispose() { rpc.dispose(); stop(); },
  };
  rpc.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => { client.published.push(p); poke(); });
  rpc.onNotification(StatusNotification.method, (p: StatusParams) => { client.statuses.push(p); poke(); });
  rpc.onNotification("$/progress", (p: Client["progress"][number]) => { client.progress.push(p); poke(); });
  rpc.onNotification("window/logMessage", (p: { message: string }) => { client.logs.push(p.message); });
  rpc.onRequest("workspace/configuration", (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section === "faultline" ? client.settings : null)));
  rpc.onRequest("workspace/diagnostic/refresh", () => { client.refreshes++; poke(); return null; });
  rpc.onRequest("window/workDoneProgress/create", () => null);
  rpc.onRequest("client/registerCapability", () => null);
  rpc.listen();
  await rpc.sendRequest("initialize", {
    processId: null, rootUri: null, capabilities: caps, initializationOptions: { docsBaseUrl: DOCS_BASE, ...opts.init },
    workspaceFolders: (opts.folders ?? []).map((f) => ({ uri: uriOf(f), name: path.basename(f) })),
  });
  await rpc.sendNotification("initialized", {});
  return client;
}

/** Applies LSP text edits to a text (the edits must not overlap, as the protocol requires). */
export function applyEdits(doc: TextDocument, edits: readonly TextEdit[]): string {
  return TextDocument.applyEdits(doc, [...edits]);
}

export async function rejects(p: Promise<unknown>): Promise<ResponseError<unknown>> {
  try { await p; } catch (e) { assert.ok(e instanceof ResponseError, `expected a ResponseError, got ${String(e)}`); return e; }
  return assert.fail("expected the request to fail");
}

export const fullItems = (r: DocumentDiagnosticReport): Diagnostic[] => {
  assert.equal(r.kind, "full", `expected a full report, got ${JSON.stringify(r)}`);
  return (r as { items: Diagnostic[] }).items;
};

export { CancellationTokenSource };
