// The language server's connection glue (as vscode-eslint's eslintServer.ts):
// documents, settings, diagnostics (pulled, or pushed to a client that cannot
// pull), code actions, code lenses, runtime findings and the status
// notification. The analyses themselves live in analysis/ and know nothing of
// the protocol; convert.ts turns their findings into diagnostics.
//
// Every handler answers: a malformed request gets an error response, a throw
// in an analysis an empty report plus `faultline/status {health:"error"}`, and
// nothing takes the process down.

import * as path from "node:path";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  CodeActionKind, DocumentDiagnosticReportKind, ErrorCodes, LSPErrorCodes, ResponseError, TextDocumentSyncKind, TextDocuments,
  DidChangeConfigurationNotification,
  type CodeAction, type CodeLens, type Connection, type Diagnostic, type DocumentDiagnosticReport, type InitializeParams, type InitializeResult,
  type WorkDoneProgressReporter, type WorkspaceDiagnosticReport, type WorkspaceDocumentDiagnosticReport, type CancellationToken,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { AnalysisCancelled, analyzeSource, type StaticFinding } from "../../analysis/src";
import { codeActionsFor, isDiagnosticData } from "./actions";
import { WorkerAnalyzer, cancel, inProcessAnalyzer, newCancelFlag, type Analyzer, type CancelFlag } from "./analyzer";
import { fileOfUri, runFindingToDiagnostic, toDiagnostic, toLspFix, uriOfFile, type DiagnosticData } from "./convert";
import { codeLenses } from "./lenses";
import { Commands, RunFindingsNotification, StatusNotification, type CheckWorkspaceResult, type RunFindingsParams, type StatusParams } from "./protocol";
import { DEFAULT_SETTINGS, parseSettings, type Settings } from "./settings";
import { findDriverFiles, importCandidates, readFileOrUndefined } from "./workspace";

export type Analyze = typeof analyzeSource;

export interface ServerOptions {
  /** The analyses, run in this thread (tests wrap the real ones to make them throw). */
  readonly analyze?: Analyze;
  /**
   * Run the analyses in a worker thread started from this script (main.ts, or
   * the bundle), which calls runAnalysisWorker() off the main thread.
   */
  readonly worker?: string;
}

/** initializationOptions the client may send. */
export interface FaultlineInitializationOptions {
  /** Base the rules' documentation paths (docs/rules/ID.md) resolve against; must end in "/". Default: the extension's folder as a file URI. */
  readonly docsBaseUrl?: string;
  /** The `faultline` settings, for clients without workspace/configuration (or `rules`/`check` at the top level). */
  readonly settings?: unknown;
  readonly rules?: unknown;
  readonly check?: unknown;
}

/** The extension's root: the nearest folder above this file holding package.json (dist/ in the bundle, out/server/src when compiled). */
function extensionRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return __dirname;
    dir = up;
  }
}

interface Analysed {
  readonly version: number;
  readonly key: string;
  readonly resultId: string;
  readonly findings: readonly StaticFinding[];
  readonly diagnostics: Diagnostic[];
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

function serverCancelled(): ResponseError<{ retriggerRequest: boolean }> {
  return new ResponseError(LSPErrorCodes.ServerCancelled, "the document changed or the check was cancelled", { retriggerRequest: true });
}

function invalidParams(what: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, `faultline: ${what}`);
}

function uriParam(params: unknown): string {
  const uri = (params as { textDocument?: { uri?: unknown } } | null | undefined)?.textDocument?.uri;
  if (typeof uri !== "string" || !uri) throw invalidParams("params.textDocument.uri must be a string");
  return uri;
}

const errorText = (e: unknown) => (e instanceof Error ? e.stack ?? e.message : String(e));

/** Applies `faultline.rules` (the analyses are given them too; doing it here as well keeps the contract whatever they do). */
function applyRules(findings: readonly StaticFinding[], settings: Settings): StaticFinding[] {
  const out: StaticFinding[] = [];
  for (const f of findings) {
    const s = settings.rules[f.rule];
    if (s === "off") continue;
    out.push(s ? { ...f, severity: s } : f);
  }
  return out;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const workerAnalyzer = options.worker && !options.analyze ? new WorkerAnalyzer(options.worker, (m) => connection.console.warn(m)) : undefined;
  const analyzer: Analyzer = workerAnalyzer?.analyze ?? inProcessAnalyzer(options.analyze ?? analyzeSource);
  connection.onExit(() => { void workerAnalyzer?.dispose(); });

  let pull = false, refreshSupport = false, configurationSupport = false, dynamicConfiguration = false, workDoneSupport = false;
  let docsBase = pathToFileURL(extensionRoot() + path.sep).href;
  let settings: Settings = DEFAULT_SETTINGS;
  let settingsProblems: string[] = [];
  let roots: string[] = [];
  /** Bumped by settings changes. */
  let settingsGen = 0;
  /** Bumped when a file may have changed on disk (save, close, watched files): siblings are read from disk. */
  let diskGen = 0;

  const cache = new Map<string, Analysed>();
  /** Documents edited since they were opened or saved (matters with onType off). */
  const dirty = new Set<string>();
  const justOpened = new Set<string>();
  const runFindings = new Map<string, Diagnostic[]>();
  const failures = new Map<string, string>();
  const workspaceCache = new Map<string, { mtimeMs: number; key: string; resultId: string; items: Diagnostic[] }>();
  /** Which files of the workspace import the kernel API, by mtime. */
  const driverScan = new Map<string, { mtimeMs: number; driver: boolean }>();

  // ------------------------------------------------------------ status

  let busy = 0;
  let lastStatus = "";
  const sendStatus = () => {
    const health: StatusParams["health"] = failures.size ? "error" : settingsProblems.length ? "warning" : "ok";
    const message = failures.size ? [...failures.values()][0] : settingsProblems.length ? settingsProblems.join("; ") : undefined;
    const status: StatusParams = message ? { health, quiescent: busy === 0, message } : { health, quiescent: busy === 0 };
    const json = JSON.stringify(status);
    if (json === lastStatus) return;
    lastStatus = json;
    void connection.sendNotification(StatusNotification.type, status).catch(() => undefined);
  };
  const working = async <T>(fn: () => Promise<T>): Promise<T> => {
    busy++;
    sendStatus();
    try { return await fn(); } finally { busy--; sendStatus(); }
  };

  // ------------------------------------------------------------ analysis

  const siblingsOf = (fileName: string) => (spec: string) => {
    for (const cand of importCandidates(fileName, spec)) {
      const open = documents.get(uriOfFile(cand));
      if (open) return { fileName: cand, text: open.getText() };
      const text = readFileOrUndefined(cand);
      if (text !== undefined) return { fileName: cand, text };
    }
    return undefined;
  };

  /** Cancel flags of the analyses in flight, by document: an edit of the document cuts them short. */
  const inflight = new Map<string, Set<CancelFlag>>();
  const cancelInflight = (uri: string) => { for (const f of inflight.get(uri) ?? []) cancel(f); };

  /** Open documents' texts by path, for the worker to resolve siblings with (the analysed one left out: it travels as the text). */
  const openTexts = (except: string) => new Map(documents.all().filter((d) => d.uri !== except).map((d) => [fileOfUri(d.uri), d.getText()] as [string, string]));

  /**
   * Analyses `text` as `uri`; the findings of that file only (a sibling's are
   * reported when it is analysed itself). Rejects with AnalysisCancelled when
   * the token fires or `stale()` turns true; any other throw becomes an empty
   * result and a failure in the status.
   */
  const analyseText = async (uri: string, text: string, version: number, token?: CancellationToken, stale: () => boolean = () => false): Promise<{ findings: StaticFinding[]; diagnostics: Diagnostic[] }> => {
    const fileName = fileOfUri(uri);
    const flag = newCancelFlag();
    const sub = token?.onCancellationRequested(() => cancel(flag));
    if (token?.isCancellationRequested || stale()) cancel(flag);
    const mine = inflight.get(uri) ?? new Set<CancelFlag>();
    mine.add(flag);
    inflight.set(uri, mine);
    let findings: StaticFinding[];
    try {
      findings = await analyzer({ fileName, text, rules: settings.rules, open: workerAnalyzer ? openTexts(uri) : new Map(), flag, isCancelled: stale }, siblingsOf(fileName));
      if (failures.delete(uri)) sendStatus();
    } catch (e) {
      if (e instanceof AnalysisCancelled) throw e;
      connection.console.error(`faultline: analysing ${uri} failed: ${errorText(e)}`);
      failures.set(uri, `analysing ${path.basename(fileName)} failed: ${e instanceof Error ? e.message : String(e)}`);
      sendStatus();
      return { findings: [], diagnostics: [] };
    } finally {
      sub?.dispose();
      mine.delete(flag);
      if (!mine.size) inflight.delete(uri);
    }
    const own = applyRules(findings.filter((f) => path.resolve(f.file) === path.resolve(fileName) || uriOfFile(f.file) === uri), settings);
    return { findings: own, diagnostics: own.map((f) => toDiagnostic(f, version, docsBase)) };
  };

  const keyOf = (doc: TextDocument) => `${doc.version}/${settingsGen}/${diskGen}`;

  /** The document's analysis, from the cache when nothing it depends on changed. */
  const analyseDocument = async (doc: TextDocument, token?: CancellationToken): Promise<Analysed> => {
    const key = keyOf(doc);
    const hit = cache.get(doc.uri);
    if (hit && hit.key === key) return hit;
    const version = doc.version;
    const { findings, diagnostics } = await analyseText(doc.uri, doc.getText(), version, token, () => documents.get(doc.uri)?.version !== version);
    const a: Analysed = { version, key, resultId: `${key}#${Date.now().toString(36)}`, findings, diagnostics };
    // A failed analysis is not cached: the next request tries again.
    if (!failures.has(doc.uri)) cache.set(doc.uri, a);
    return a;
  };

  // ------------------------------------------------------------ push (clients without pull diagnostics)

  const pending = new Map<string, NodeJS.Immediate>();
  const publish = (uri: string, staticDiags: Diagnostic[], version?: number) => {
    const diagnostics = [...staticDiags, ...(runFindings.get(uri) ?? [])];
    void connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics }).catch(() => undefined);
  };
  const schedulePush = (uri: string) => {
    if (pull || pending.has(uri)) return;
    busy++;
    sendStatus();
    // One analysis per burst of changes: the edits queued before it runs are applied first.
    pending.set(uri, setImmediate(async () => {
      pending.delete(uri);
      try {
        const doc = documents.get(uri);
        if (!doc) return;
        if (!settings.onType && dirty.has(uri)) return;
        const a = await analyseDocument(doc);
        publish(uri, a.diagnostics, a.version);
      } catch (e) {
        if (!(e instanceof AnalysisCancelled)) connection.console.error(`faultline: ${errorText(e)}`);
        else schedulePush(uri);
      } finally {
        busy--;
        sendStatus();
      }
    }));
  };

  /** Re-diagnoses everything after a settings or disk change. */
  const refreshAll = () => {
    if (pull) {
      if (refreshSupport) connection.languages.diagnostics.refresh();
    } else {
      for (const d of documents.all()) schedulePush(d.uri);
    }
  };

  // ------------------------------------------------------------ settings

  /** Returns whether anything changed (unchanged settings keep every cached report). */
  const applySettings = (section: unknown): boolean => {
    const r = parseSettings(section);
    for (const p of r.problems) connection.console.warn(p);
    const changed = JSON.stringify(r.settings) !== JSON.stringify(settings) || r.problems.join() !== settingsProblems.join();
    settings = r.settings;
    settingsProblems = r.problems;
    if (!changed) return false;
    settingsGen++;
    workspaceCache.clear();
    sendStatus();
    return true;
  };

  /** Settled once the client's settings are in: no report is made with defaults the user overrode. */
  let settingsReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => { settingsReady = r; });

  const fetchSettings = async (): Promise<boolean> => {
    if (!configurationSupport) return false;
    try {
      return applySettings(await connection.workspace.getConfiguration("faultline"));
    } catch (e) {
      connection.console.error(`faultline: reading the settings failed: ${errorText(e)}`);
      return false;
    }
  };

  // ------------------------------------------------------------ lifecycle

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities ?? {};
    pull = !!caps.textDocument?.diagnostic;
    refreshSupport = !!caps.workspace?.diagnostics?.refreshSupport;
    configurationSupport = !!caps.workspace?.configuration;
    dynamicConfiguration = !!caps.workspace?.didChangeConfiguration?.dynamicRegistration;
    workDoneSupport = !!caps.window?.workDoneProgress;
    const init = (params.initializationOptions ?? {}) as FaultlineInitializationOptions;
    if (typeof init.docsBaseUrl === "string" && init.docsBaseUrl) docsBase = init.docsBaseUrl.endsWith("/") ? init.docsBaseUrl : init.docsBaseUrl + "/";
    // The client may hand over its whole `faultline` configuration object as the options.
    const initSettings = init.settings ?? ("rules" in init || "check" in init ? init : undefined);
    if (initSettings !== undefined) applySettings(initSettings);
    // Without workspace/configuration there is nothing to wait for; and a client that never sends `initialized` must not hang every pull.
    if (!configurationSupport) settingsReady();
    else setTimeout(settingsReady, 3000).unref();
    roots = (params.workspaceFolders ?? []).map((f) => fileOfUri(f.uri));
    if (!roots.length && params.rootUri) roots = [fileOfUri(params.rootUri)];
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        diagnosticProvider: { identifier: "faultline", interFileDependencies: true, workspaceDiagnostics: true, workDoneProgress: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: [Commands.checkWorkspace] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: "faultline" },
    };
  });

  connection.onInitialized(() => {
    if (configurationSupport && dynamicConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: "faultline" }).catch(() => undefined);
    }
    void (async () => {
      const changed = await fetchSettings();
      settingsReady();
      // Workspace folders may change later (the capability is declared above).
      try {
        connection.workspace.onDidChangeWorkspaceFolders((e) => {
          const removed = new Set(e.removed.map((f) => fileOfUri(f.uri)));
          roots = [...roots.filter((r) => !removed.has(r)), ...e.added.map((f) => fileOfUri(f.uri))];
          workspaceCache.clear();
        });
      } catch { /* the client does not support workspace folders */ }
      // Pushes made before the settings came in are redone; pulls waited for them.
      if (changed && !pull) refreshAll();
      sendStatus();
    })();
  });

  connection.onDidChangeConfiguration(async (params) => {
    const changed = configurationSupport ? await fetchSettings() : applySettings((params?.settings as { faultline?: unknown } | undefined)?.faultline);
    if (changed) refreshAll();
  });

  connection.onDidChangeWatchedFiles((params) => {
    diskGen++;
    workspaceCache.clear();
    for (const c of params?.changes ?? []) clearRunFindings(c.uri);
    refreshAll();
  });

  // ------------------------------------------------------------ documents

  const clearRunFindings = (uri: string) => {
    if (!runFindings.delete(uri)) return;
    if (pull) void connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
    else {
      const doc = documents.get(uri);
      const hit = doc && cache.get(uri);
      publish(uri, hit && hit.version === doc.version ? hit.diagnostics : []);
    }
  };

  documents.onDidOpen((e) => {
    justOpened.add(e.document.uri);
    dirty.delete(e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    if (justOpened.delete(uri)) {
      schedulePush(uri);
      return;
    }
    dirty.add(uri);
    cancelInflight(uri);
    clearRunFindings(uri);
    if (settings.onType) schedulePush(uri);
  });
  documents.onDidSave((e) => {
    dirty.delete(e.document.uri);
    diskGen++;
    workspaceCache.clear();
    if (pull) { if (!settings.onType && refreshSupport) connection.languages.diagnostics.refresh(); }
    else schedulePush(e.document.uri);
  });
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    cache.delete(uri);
    dirty.delete(uri);
    justOpened.delete(uri);
    diskGen++;
    if (failures.delete(uri)) sendStatus();
    const p = pending.get(uri);
    if (p) { clearImmediate(p); pending.delete(uri); busy--; sendStatus(); }
    // The file's runtime findings stay (they are about the file, not the editor).
    if (!pull) publish(uri, []);
  });

  // ------------------------------------------------------------ pull diagnostics

  connection.languages.diagnostics.on(async (params, token): Promise<DocumentDiagnosticReport> => {
    const uri = uriParam(params);
    await ready;
    const doc = documents.get(uri);
    if (!doc) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    const last = cache.get(uri);
    const answer = (a: Analysed): DocumentDiagnosticReport => (params.previousResultId === a.resultId
      ? { kind: DocumentDiagnosticReportKind.Unchanged, resultId: a.resultId }
      : { kind: DocumentDiagnosticReportKind.Full, resultId: a.resultId, items: a.diagnostics });
    // On save only: while the file is dirty, the report made at the last open or save stands.
    if (!settings.onType && dirty.has(uri)) return last ? answer(last) : { kind: DocumentDiagnosticReportKind.Full, items: [] };
    return working(async () => {
      const version = doc.version;
      // Lets a $/cancelRequest or a didChange queued behind this request arrive before the work starts.
      await yieldToEventLoop();
      if (token.isCancellationRequested || documents.get(uri)?.version !== version) throw serverCancelled();
      try {
        return answer(await analyseDocument(doc, token));
      } catch (e) {
        if (e instanceof AnalysisCancelled) throw serverCancelled();
        throw e;
      }
    });
  });

  /**
   * Every driver file of the workspace folders: open documents at their
   * editor version, the rest from disk (unchanged since the last report when
   * neither its mtime nor the settings moved). Progress is reported per file.
   */
  const checkFiles = async (token: CancellationToken, progress: WorkDoneProgressReporter, title: string) => {
    progress.begin(title, 0, "finding driver files", true);
    const files = findDriverFiles(roots, () => token.isCancellationRequested, driverScan);
    const items: WorkspaceDocumentDiagnosticReport[] = [];
    let findings = 0, done = 0, cancelled = false;
    for (const { file, mtimeMs } of files) {
      if (token.isCancellationRequested) { cancelled = true; break; }
      const uri = uriOfFile(file);
      const open = documents.get(uri);
      progress.report(Math.round((100 * done) / Math.max(1, files.length)), path.basename(file));
      try {
        if (open) {
          const a = await analyseDocument(open, token);
          findings += a.diagnostics.length;
          items.push({ uri, version: open.version, kind: DocumentDiagnosticReportKind.Full, resultId: a.resultId, items: a.diagnostics });
        } else {
          const key = `${mtimeMs}/${settingsGen}`;
          let hit = workspaceCache.get(uri);
          if (!hit || hit.key !== key) {
            const text = readFileOrUndefined(file);
            if (text === undefined) continue;
            const r = await analyseText(uri, text, 0, token);
            hit = { mtimeMs, key, resultId: `${key}#${Date.now().toString(36)}`, items: r.diagnostics };
            workspaceCache.set(uri, hit);
          }
          findings += hit.items.length;
          items.push({ uri, version: null, kind: DocumentDiagnosticReportKind.Full, resultId: hit.resultId, items: hit.items });
        }
      } catch (e) {
        if (e instanceof AnalysisCancelled) { cancelled = true; break; }
        throw e;
      }
      done++;
      // Between files, so a cancel or an edit can get through.
      await yieldToEventLoop();
    }
    progress.done();
    return { items, result: { files: done, findings, cancelled } satisfies CheckWorkspaceResult };
  };

  connection.languages.diagnostics.onWorkspace(async (params, token, workDone): Promise<WorkspaceDiagnosticReport> => {
    const previous = new Map((params?.previousResultIds ?? []).map((p) => [p.uri, p.value]));
    await ready;
    return working(async () => {
      const { items, result } = await checkFiles(token, workDone, "Faultline: checking the workspace");
      if (result.cancelled) throw serverCancelled();
      return {
        items: items.map((it): WorkspaceDocumentDiagnosticReport => (it.kind === DocumentDiagnosticReportKind.Full && it.resultId && previous.get(it.uri) === it.resultId
          ? { uri: it.uri, version: it.version, kind: DocumentDiagnosticReportKind.Unchanged, resultId: it.resultId }
          : it)),
      };
    });
  });

  connection.onExecuteCommand(async (params, token) => {
    if (params?.command !== Commands.checkWorkspace) throw invalidParams(`unknown command ${String(params?.command)}`);
    await ready;
    return working(async () => {
      const progress = workDoneSupport ? await connection.window.createWorkDoneProgress() : connection.window.attachWorkDoneProgress(undefined);
      const { items, result } = await checkFiles(token, progress, "Faultline: checking the workspace");
      // Files that are not open get their findings pushed; open ones are the document pulls' (or pushes') business.
      for (const it of items) {
        if (documents.get(it.uri) || it.kind !== DocumentDiagnosticReportKind.Full) continue;
        publish(it.uri, it.items);
      }
      return result;
    });
  });

  // ------------------------------------------------------------ runtime findings

  connection.onNotification(RunFindingsNotification.type, (params: RunFindingsParams) => {
    if (!params || !Array.isArray(params.findings)) {
      connection.console.error("faultline/runFindings: params.findings must be an array");
      return;
    }
    const byUri = new Map<string, Diagnostic[]>();
    for (const f of params.findings) {
      if (!f || typeof f.uri !== "string" || typeof f.rule !== "string" || typeof f.message !== "string" || !f.range?.start || !f.range?.end) continue;
      const list = byUri.get(f.uri) ?? [];
      list.push(runFindingToDiagnostic(f, docsBase));
      byUri.set(f.uri, list);
    }
    const before = [...runFindings.keys()];
    runFindings.clear();
    for (const [uri, list] of byUri) runFindings.set(uri, list);
    for (const uri of new Set([...before, ...byUri.keys()])) {
      if (pull) void connection.sendDiagnostics({ uri, diagnostics: runFindings.get(uri) ?? [] }).catch(() => undefined);
      else {
        const doc = documents.get(uri);
        const hit = doc && cache.get(uri);
        publish(uri, hit && hit.version === doc.version ? hit.diagnostics : [], doc?.version);
      }
    }
  });

  // ------------------------------------------------------------ code actions and lenses

  connection.onCodeAction(async (params): Promise<CodeAction[]> => {
    const uri = uriParam(params);
    const diags = params.context?.diagnostics;
    if (!Array.isArray(diags)) throw invalidParams("params.context.diagnostics must be an array");
    const doc = documents.get(uri);
    if (!doc) return [];
    // A diagnostic from another version of the document: its fixes come from the current analysis (same rule, same line).
    const stale = diags.some((d) => !isDiagnosticData(d?.data) || d.data.version !== doc.version);
    const current = stale ? await analyseDocument(doc).catch(() => undefined) : undefined;
    return codeActionsFor(doc, diags, params.context.only, (d) => {
      const f = current?.findings.find((x) => x.rule === d.code && x.range.start.line === d.range.start.line);
      return f ? f.fixes.map(toLspFix) : undefined;
    });
  });

  connection.onCodeLens((params): CodeLens[] => {
    const uri = uriParam(params);
    const doc = documents.get(uri);
    if (!doc) return [];
    return codeLenses(uri, fileOfUri(uri), doc.getText());
  });

  documents.listen(connection);
}

export type { DiagnosticData };
