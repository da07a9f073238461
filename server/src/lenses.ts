// "Run scenario" / "Debug scenario" lenses: over each `module_init(...)` of a
// driver and over a scenario's default export. A parse only (no binding), so
// the lenses come back at once even for a file the analyses are still on.

import * as ts from "typescript";
import type { CodeLens, Range } from "vscode-languageserver-protocol";
import { Commands } from "./protocol";

/** A scenario: a file with a default export that imports the user-space API, or is named scenario*.ts. */
function isScenarioFile(fileName: string, sf: ts.SourceFile): boolean {
  if (/(^|[\\/])scenario[^\\/]*\.[cm]?tsx?$/.test(fileName)) return true;
  return sf.statements.some((s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === "faultline/user");
}

/** Local names bound to module_init: itself, a renamed import, or `ns.module_init` through a namespace import. */
function moduleInitNames(sf: ts.SourceFile): { names: Set<string>; namespaces: Set<string> } {
  const names = new Set<string>(["module_init"]), namespaces = new Set<string>();
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || s.moduleSpecifier.text !== "linux/module") continue;
    const b = s.importClause?.namedBindings;
    if (!b) continue;
    if (ts.isNamespaceImport(b)) namespaces.add(b.name.text);
    else for (const e of b.elements) if ((e.propertyName ?? e.name).text === "module_init") names.add(e.name.text);
  }
  return { names, namespaces };
}

function rangeOf(sf: ts.SourceFile, node: ts.Node): Range {
  const s = sf.getLineAndCharacterOfPosition(node.getStart(sf)), e = sf.getLineAndCharacterOfPosition(node.getEnd());
  return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
}

function lensPair(range: Range, uri: string): CodeLens[] {
  return [
    { range, command: { title: "Run scenario", command: Commands.runScenario, arguments: [uri] } },
    { range, command: { title: "Debug scenario", command: Commands.debugScenario, arguments: [uri] } },
  ];
}

export function codeLenses(uri: string, fileName: string, text: string): CodeLens[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: CodeLens[] = [];
  const { names, namespaces } = moduleInitNames(sf);
  for (const s of sf.statements) {
    if (!ts.isExpressionStatement(s) || !ts.isCallExpression(s.expression)) continue;
    const callee = s.expression.expression;
    const isInit = ts.isIdentifier(callee) ? names.has(callee.text)
      : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && namespaces.has(callee.expression.text) && callee.name.text === "module_init";
    if (isInit) out.push(...lensPair(rangeOf(sf, s), uri));
  }
  if (isScenarioFile(fileName, sf)) {
    for (const s of sf.statements) {
      const isDefault = (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)
        || (ts.isExportAssignment(s) && !s.isExportEquals);
      if (isDefault) out.push(...lensPair(rangeOf(sf, s), uri));
    }
  }
  return out;
}
