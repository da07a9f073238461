/**
 * Collects findings as the analyses produce them: one per rule and place
 * (a helper analysed once per caller reports once), with ranges in the
 * 0-based line/character form of types.ts.
 */
import ts from "typescript";
import type { RuleId } from "../../sim-core/src/rules/catalogue";
import type { Fix, Range, RelatedLocation, Severity, StaticFinding, TextEdit } from "./types";

export interface Related { readonly node: ts.Node; readonly message: string }

/**
 * The start of a related location's message when it is the line to change
 * and the finding is reported elsewhere (the use of an unchecked handle, the
 * kmap a return leaves behind): `faultline check` and the editor show it as
 * "fix here: …", as `faultline run` does for a runtime finding's fix.
 */
export const FIX_HERE = "fix here: ";

export class Reporter {
  private readonly seen = new Map<string, StaticFinding>();
  constructor(readonly sf: ts.SourceFile, readonly fileName: string) {}

  range(node: ts.Node): Range {
    const sf = node.getSourceFile() ?? this.sf;
    const start = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    const end = sf.getLineAndCharacterOfPosition(node.getEnd());
    return { start, end };
  }

  report(rule: RuleId, node: ts.Node, message: string, severity: Severity, related: readonly Related[] = [], fixes: readonly Fix[] = [], tags?: StaticFinding["tags"]): void {
    // Something found inside a sibling file's helper is reported where this file calls it; never here.
    if (node.getSourceFile() !== this.sf) return;
    this.add({
      rule, file: this.fileName, range: this.range(node), message, severity,
      related: related.map((r): RelatedLocation => ({ file: r.node.getSourceFile()?.fileName ?? this.fileName, range: this.range(r.node), message: r.message })),
      fixes, ...(tags ? { tags } : {}),
    });
  }

  /**
   * While set, findings go here instead of into the report: the flow cache
   * (flowcache.ts) collects each function's findings, in order, and adds them
   * all afterwards, its cached ones included, as one uncached pass would.
   */
  divert: ((f: StaticFinding) => void) | undefined;

  /** One finding, deduplicated by rule and place. */
  add(f: StaticFinding): void {
    if (this.divert) { this.divert(f); return; }
    const key = `${f.rule}@${f.range.start.line}:${f.range.start.character}`;
    const prev = this.seen.get(key);
    // The surer of two reports of one place wins (a helper seen from two callers).
    if (prev && rank(prev.severity) <= rank(f.severity)) return;
    this.seen.set(key, f);
  }

  findings(): StaticFinding[] {
    return [...this.seen.values()].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.rule.localeCompare(b.rule));
  }

  /**
   * Edits putting lines before and after a statement. A statement that is the
   * whole body of an if or a loop (no braces) is wrapped in a block instead,
   * so the new lines run when it runs, with its variables in scope.
   */
  around(stmt: ts.Node, before: readonly string[], after: readonly string[]): TextEdit[] {
    if (isBareBody(stmt)) {
      return [{ range: this.range(stmt), newText: `{ ${[...before, stmt.getText(), ...after].join(" ")} }` }];
    }
    return [...(before.length ? [this.lineBefore(stmt, before)] : []), ...(after.length ? [this.lineAfter(stmt, after)] : [])];
  }

  /** An edit inserting lines before a statement (wrapping a brace-less body, see around()). */
  insertBefore(node: ts.Node, lines: readonly string[]): TextEdit {
    return this.around(node, lines, [])[0]!;
  }

  /** An edit inserting lines after a statement (wrapping a brace-less body, see around()). */
  insertAfter(node: ts.Node, lines: readonly string[]): TextEdit {
    return this.around(node, [], lines)[0]!;
  }

  /** An edit inserting whole lines before the line of `node`, indented like it. */
  private lineBefore(node: ts.Node, lines: readonly string[]): TextEdit {
    const start = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf));
    const indent = this.indentOf(start.line);
    return { range: { start: { line: start.line, character: 0 }, end: { line: start.line, character: 0 } }, newText: lines.map((l) => indent + l + "\n").join("") };
  }

  /** An edit inserting whole lines after the line `node` ends on, indented like the line it starts on. */
  private lineAfter(node: ts.Node, lines: readonly string[]): TextEdit {
    const start = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf));
    const end = this.sf.getLineAndCharacterOfPosition(node.getEnd());
    const indent = this.indentOf(start.line);
    const lineEnd = this.sf.getLineEndOfPosition(node.getEnd());
    const at = this.sf.getLineAndCharacterOfPosition(lineEnd);
    void end;
    return { range: { start: at, end: at }, newText: lines.map((l) => "\n" + indent + l).join("") };
  }

  indentOf(line: number): string {
    const text = this.sf.text;
    const starts = this.sf.getLineStarts();
    const s = starts[line] ?? 0;
    let i = s;
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
    return text.slice(s, i);
  }
}

function isBareBody(n: ts.Node): boolean {
  const p = n.parent;
  if (!p || ts.isBlock(n)) return false;
  if (ts.isIfStatement(p)) return p.thenStatement === n || p.elseStatement === n;
  if (ts.isIterationStatement(p, false)) return (p as ts.IterationStatement).statement === n;
  return false;
}

function rank(s: Severity): number {
  return s === "error" ? 0 : s === "warning" ? 1 : s === "information" ? 2 : 3;
}

/** The statement a node belongs to (what a fix inserts lines around). */
export function statementOf(node: ts.Node): ts.Node {
  let n: ts.Node = node;
  while (n.parent && !ts.isBlock(n.parent) && !ts.isSourceFile(n.parent) && !ts.isCaseClause(n.parent) && !ts.isDefaultClause(n.parent)) {
    // A statement that is the whole body of an if/for without braces: stop at it.
    if (ts.isStatement(n) && (ts.isIfStatement(n.parent) || ts.isIterationStatement(n.parent, false))) return n;
    n = n.parent;
  }
  return n;
}

/** An edit adding `name` to the file's named import from `module`, when it is not imported yet (undefined when it is, or cannot be). */
export function importEdit(sf: ts.SourceFile, module: string, name: string): TextEdit | undefined {
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const nb = st.importClause?.namedBindings;
    if (!nb || !ts.isNamedImports(nb)) continue;
    if (nb.elements.some((e) => e.name.text === name)) return undefined;
  }
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== module) continue;
    const nb = st.importClause?.namedBindings;
    if (!nb || !ts.isNamedImports(nb) || !nb.elements.length) continue;
    const last = nb.elements[nb.elements.length - 1]!;
    const at = sf.getLineAndCharacterOfPosition(last.getEnd());
    return { range: { start: at, end: at }, newText: `, ${name}` };
  }
  const at = { line: 0, character: 0 };
  return { range: { start: at, end: at }, newText: `import { ${name} } from "${module}";\n` };
}
