// Code actions for Faultline diagnostics: each finding's mechanical fixes as
// quick fixes, and "Disable RULE for this line", which writes the suppression
// comment the analyses honour.

import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from "vscode-languageserver-protocol";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { DiagnosticData } from "./convert";
import { STATIC_SOURCE } from "./protocol";

export const DISABLE_NEXT_LINE = "faultline-disable-next-line";
const DISABLE_RE = new RegExp(`^(\\s*)//\\s*${DISABLE_NEXT_LINE}\\b(.*)$`);

export function isDiagnosticData(v: unknown): v is DiagnosticData {
  if (!v || typeof v !== "object") return false;
  const d = v as Partial<DiagnosticData>;
  return typeof d.version === "number" && Array.isArray(d.fixes) && d.fixes.every((f) => f && typeof f.title === "string" && typeof f.uri === "string" && Array.isArray(f.edits));
}

/** The rules a `// faultline-disable-next-line A, B` comment names, or undefined when the line is no such comment. */
export function disabledRules(lineText: string): string[] | undefined {
  const m = DISABLE_RE.exec(lineText);
  if (!m) return undefined;
  return m[2].split(/[\s,]+/).filter(Boolean);
}

const lineText = (doc: TextDocument, line: number) => doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, "");

/**
 * The edit that disables `rule` on `line`: a new comment line above it with
 * the line's indentation, or the rule added to a comment already there.
 */
export function disableEdit(doc: TextDocument, line: number, rule: string): TextEdit | undefined {
  if (line < 0 || line >= doc.lineCount) return undefined;
  if (line > 0) {
    const above = lineText(doc, line - 1);
    const rules = disabledRules(above);
    if (rules) {
      // A comment with no rule silences every rule on the line already.
      if (!rules.length || rules.includes(rule)) return undefined;
      const end = above.replace(/\s+$/, "").length;
      return { range: { start: { line: line - 1, character: end }, end: { line: line - 1, character: end } }, newText: `, ${rule}` };
    }
  }
  const indent = /^\s*/.exec(lineText(doc, line))![0];
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}// ${DISABLE_NEXT_LINE} ${rule}\n` };
}

function wanted(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.some((k) => kind === k || kind.startsWith(k + "."));
}

/**
 * The actions for the diagnostics the client hands back. `currentFixes`
 * recomputes a diagnostic's fixes when it was made for another version of
 * the document than the one open now (its edits would land in the wrong place).
 */
export function codeActionsFor(
  doc: TextDocument,
  diagnostics: readonly Diagnostic[],
  only: readonly string[] | undefined,
  currentFixes: (d: Diagnostic) => DiagnosticData["fixes"] | undefined,
): CodeAction[] {
  if (!wanted(only, CodeActionKind.QuickFix)) return [];
  const out: CodeAction[] = [];
  const disabled = new Set<string>();
  for (const d of diagnostics) {
    if (d.source !== STATIC_SOURCE || typeof d.code !== "string") continue;
    const fixes = isDiagnosticData(d.data) && d.data.version === doc.version ? d.data.fixes : currentFixes(d) ?? [];
    for (const f of fixes) {
      out.push({ title: f.title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: f.preferred || undefined, edit: { changes: { [f.uri]: [...f.edits] } } });
    }
    const key = `${d.code}@${d.range.start.line}`;
    if (disabled.has(key)) continue;
    disabled.add(key);
    const edit = disableEdit(doc, d.range.start.line, d.code);
    if (edit) out.push({ title: `Disable ${d.code} for this line`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: { changes: { [doc.uri]: [edit] } } });
  }
  return out;
}
