// StaticFinding (the analyses' protocol-free result) → LSP Diagnostic, and
// runtime findings → Diagnostic. The one place that knows how a finding looks
// in the editor: the rule id as `code`, its documentation page as
// `codeDescription.href`, related places, tags.

import { pathToFileURL, fileURLToPath } from "node:url";
import {
  DiagnosticSeverity, DiagnosticTag,
  type Diagnostic, type DiagnosticRelatedInformation, type Range as LspRange, type TextEdit as LspTextEdit,
} from "vscode-languageserver-protocol";
import { ruleDocPath, type Fix, type Range, type Severity, type StaticFinding } from "../../analysis/src";
import { RUN_SOURCE, STATIC_SOURCE, type RunFinding } from "./protocol";

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspSeverity(s: Severity | undefined): DiagnosticSeverity {
  return SEVERITY[s ?? "error"] ?? DiagnosticSeverity.Error;
}

/** A file path or an already-formed URI, as a URI string. */
export function uriOfFile(file: string): string {
  return /^[a-z][a-z0-9+.-]+:/i.test(file) && !/^[a-z]:[\\/]/i.test(file) ? file : pathToFileURL(file).href;
}

/** The path the analyses see for a document URI (non-file URIs keep their path, so `untitled:` documents still analyse). */
export function fileOfUri(uri: string): string {
  if (uri.startsWith("file:")) {
    try { return fileURLToPath(uri); } catch { /* a malformed file URI: fall through */ }
  }
  try { return decodeURIComponent(new URL(uri).pathname) || uri; } catch { return uri; }
}

/** The rule's documentation page under `docsBase` (which must end in "/"). */
export function ruleHref(rule: string, docsBase: string): string | undefined {
  try { return new URL(ruleDocPath(rule), docsBase).href; } catch { return undefined; }
}

const range = (r: Range): LspRange => ({ start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } });

/** What a diagnostic carries for code actions, so they need no second analysis. */
export interface DiagnosticData {
  /** The document version the finding was computed for. */
  readonly version: number;
  readonly fixes: readonly { readonly title: string; readonly uri: string; readonly edits: readonly LspTextEdit[]; readonly preferred: boolean }[];
}

export function toLspFix(f: Fix): DiagnosticData["fixes"][number] {
  return { title: f.title, uri: uriOfFile(f.file), edits: f.edits.map((e) => ({ range: range(e.range), newText: e.newText })), preferred: f.preferred === true };
}

export function toDiagnostic(f: StaticFinding, version: number, docsBase: string): Diagnostic {
  const href = ruleHref(f.rule, docsBase);
  const d: Diagnostic = {
    range: range(f.range),
    severity: toLspSeverity(f.severity),
    code: f.rule,
    source: STATIC_SOURCE,
    message: f.message,
  };
  if (href) d.codeDescription = { href };
  if (f.related.length) d.relatedInformation = f.related.map((r): DiagnosticRelatedInformation => ({ location: { uri: uriOfFile(r.file), range: range(r.range) }, message: r.message }));
  const tags = (f.tags ?? []).map((t) => (t === "deprecated" ? DiagnosticTag.Deprecated : DiagnosticTag.Unnecessary));
  if (tags.length) d.tags = [...new Set(tags)];
  const data: DiagnosticData = { version, fixes: f.fixes.map(toLspFix) };
  d.data = data;
  return d;
}

export function runFindingToDiagnostic(f: RunFinding, docsBase: string): Diagnostic {
  const href = ruleHref(f.rule, docsBase);
  const report = f.report?.length ? `\n${f.report.join("\n")}` : "";
  const d: Diagnostic = { range: f.range, severity: toLspSeverity(f.severity), code: f.rule, source: RUN_SOURCE, message: f.message + report };
  if (href) d.codeDescription = { href };
  if (f.related?.length) d.relatedInformation = f.related.map((r) => ({ location: { uri: r.uri, range: r.range }, message: r.message }));
  return d;
}
