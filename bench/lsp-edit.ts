// The language server's latency while typing: from a one-character edit
// (didChange) to the publishDiagnostics for that version, in a ~3,000-line
// driver, against the TypeScript language service's own semantic diagnostics
// for the same file after the same edit, measured in the same run,
// interleaved edit by edit. The target: at most 1/4 of TypeScript's time at
// the median, which is what lets diagnostics keep up with the editor's own.
//
// The driver is built by concatenating the samples' drivers (correct ones
// first, then twins) with every top-level name suffixed per file and the
// imports merged. The server is the compiled one (out/server/src/main.js),
// spawned over stdio as a client without pull diagnostics, so the figure
// includes the protocol both ways. TypeScript checks the file with only
// dist/types/faultline.d.ts beside it, as an editor would.
//
//   node out/bench/lsp-edit.js [--quick] [--edits N] [--json FILE]

import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import * as ts from "typescript";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";

export const TARGET_LSP_EDIT_RATIO = 0.25;
export const LSP_EDIT_CONFIG = { quick: { edits: 4 }, full: { edits: 60 } };
const TARGET_LINES = 3000;

/** The package root: this file runs from out/bench/. */
const ROOT = path.resolve(__dirname, "../..");
const SAMPLES = path.join(ROOT, "samples");
const TYPES = path.join(ROOT, "dist", "types", "faultline.d.ts");
const SERVER = path.join(ROOT, "out", "server", "src", "main.js");

const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

// ---------------------------------------------------------------- the driver

/** Sample drivers in the order they are concatenated: each sample's correct driver, then the twins. */
function driverFiles(): string[] {
  const dirs = fs.readdirSync(SAMPLES).filter((d) => fs.existsSync(path.join(SAMPLES, d, "sample.json"))).sort();
  const base = dirs.map((d) => path.join(SAMPLES, d, `${d}.ts`)).filter((f) => fs.existsSync(f));
  const twins = dirs.flatMap((d) => Object.keys((JSON.parse(fs.readFileSync(path.join(SAMPLES, d, "sample.json"), "utf8")) as { twins?: Record<string, string> }).twins ?? {}).sort().map((t) => path.join(SAMPLES, d, `${t}.ts`)));
  return [...base, ...twins.filter((f) => fs.existsSync(f))];
}

/** Names declared at the top level of a file (functions, variables, classes, types, enums). */
function topLevelNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (n: ts.BindingName) => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const st of sf.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) names.add(st.name.text);
    else if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bind(d.name);
  }
  return names;
}

/** One file's body (imports dropped) with its top-level names suffixed, and its imports by module. */
function renamed(file: string, suffix: string): { body: string; imports: Map<string, Set<string>>; namespaces: string[] } {
  const text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names = topLevelNames(sf);
  const imports = new Map<string, Set<string>>();
  const namespaces: string[] = [];
  const edits: [number, number, string][] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    edits.push([st.getFullStart(), st.getEnd(), ""]);
    const mod = (st.moduleSpecifier as ts.StringLiteral).text;
    const b = st.importClause?.namedBindings;
    if (b && ts.isNamespaceImport(b)) namespaces.push(st.getText(sf));
    else if (b) for (const e of b.elements) {
      const set = imports.get(mod) ?? new Set<string>();
      const spec = e.getText(sf);
      set.add(st.importClause?.isTypeOnly && !e.isTypeOnly ? `type ${spec}` : spec);
      imports.set(mod, set);
    }
  }
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && names.has(n.text)) {
      const p = n.parent;
      const isMemberName = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n)
        || (ts.isPropertySignature(p) && p.name === n) || (ts.isPropertyDeclaration(p) && p.name === n) || (ts.isMethodDeclaration(p) && p.name === n)
        || (ts.isQualifiedName(p) && p.right === n) || ts.isImportSpecifier(p) || ts.isImportClause(p);
      if (ts.isShorthandPropertyAssignment(p)) edits.push([n.getStart(sf), n.getEnd(), `${n.text}: ${n.text}${suffix}`]);
      else if (!isMemberName) edits.push([n.getStart(sf), n.getEnd(), n.text + suffix]);
    }
    ts.forEachChild(n, visit);
  };
  for (const st of sf.statements) if (!ts.isImportDeclaration(st)) visit(st);
  edits.sort((a, b) => b[0] - a[0]);
  let out = text;
  for (const [s, e, r] of edits) out = out.slice(0, s) + r + out.slice(e);
  return { body: out.trim(), imports, namespaces };
}

/** A driver of at least TARGET_LINES lines, and the files it was made of. */
export function buildBigDriver(): { text: string; lines: number; from: string[] } {
  const imports = new Map<string, Set<string>>();
  const namespaces = new Set<string>();
  const bodies: string[] = [];
  const from: string[] = [];
  let lines = 0;
  for (const [i, f] of driverFiles().entries()) {
    if (lines >= TARGET_LINES) break;
    const r = renamed(f, `_${i}`);
    for (const [m, s] of r.imports) { const all = imports.get(m) ?? new Set<string>(); for (const x of s) all.add(x); imports.set(m, all); }
    for (const n of r.namespaces) namespaces.add(n);
    bodies.push(`// ---- ${path.relative(ROOT, f)}\n${r.body}`);
    from.push(path.relative(ROOT, f));
    lines += r.body.split("\n").length + 1;
  }
  // A name imported both as a type and as a value keeps the value import; one imported from two headers (PAGE_SIZE), the first.
  const local = (x: string) => x.replace(/^type\s+/, "").split(/\s+as\s+/).pop()!;
  const values = new Set([...imports.values()].flatMap((s) => [...s].filter((x) => !x.startsWith("type "))).map(local));
  const taken = new Set<string>();
  const head = [...imports].sort(([a], [b]) => (a < b ? -1 : 1)).map(([m, s]) => {
    const list = [...s].sort().filter((x) => {
      const name = local(x);
      if (x.startsWith("type ") && values.has(name)) return false;
      if (taken.has(name)) return false;
      taken.add(name);
      return true;
    });
    return list.length ? `import { ${list.join(", ")} } from ${JSON.stringify(m)};` : "";
  }).filter(Boolean);
  const text = ["// Generated by bench/lsp-edit.ts from the sample drivers; every top-level name carries its file's suffix.", ...head, ...namespaces, "", ...bodies, ""].join("\n");
  return { text, lines: text.split("\n").length, from };
}

// ---------------------------------------------------------------- the edits

interface Edit { offset: number; insert: boolean }

/** Alternately inserts a space at the start of an indented line and deletes it again, walking down the file. */
function editPlan(text: string, n: number): Edit[] {
  const starts: number[] = [];
  let off = 0;
  for (const line of text.split("\n")) { if (/^ {2}\S/.test(line)) starts.push(off); off += line.length + 1; }
  const out: Edit[] = [];
  for (let i = 0; i < n; i++) {
    const at = starts[Math.floor(((i >> 1) * 7919) % starts.length)];
    out.push({ offset: at, insert: i % 2 === 0 });
  }
  return out;
}

function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0, last = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) { line++; last = i + 1; }
  return { line, character: offset - last };
}

// ---------------------------------------------------------------- the two sides

class TsSide {
  private version = 0;
  private readonly service: ts.LanguageService;
  constructor(private readonly file: string, private text: string) {
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: [] };
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [this.file, TYPES],
      getScriptVersion: (f) => (f === this.file ? String(this.version) : "0"),
      getScriptSnapshot: (f) => (f === this.file ? ts.ScriptSnapshot.fromString(this.text) : fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, "utf8")) : undefined),
      getCurrentDirectory: () => path.dirname(this.file),
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory, directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }
  diagnostics(): number { return this.service.getSemanticDiagnostics(this.file).length; }
  /** Applies the edit and times the semantic diagnostics of the new version. */
  edit(next: string): number {
    this.text = next;
    this.version++;
    const t0 = performance.now();
    this.service.getSemanticDiagnostics(this.file);
    return performance.now() - t0;
  }
}

interface Published { uri: string; version?: number; diagnostics: unknown[] }

async function startServer() {
  const child = spawn(process.execPath, [SERVER, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiters: ((p: Published) => void)[] = [];
  rpc.onNotification("textDocument/publishDiagnostics", (p: Published) => { for (const w of waiters.splice(0)) w(p); });
  rpc.onRequest("workspace/configuration", (p: { items: unknown[] }) => p.items.map(() => ({})));
  rpc.onRequest("client/registerCapability", () => null);
  rpc.listen();
  await rpc.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: { textDocument: { synchronization: { didSave: true } } }, workspaceFolders: null });
  await rpc.sendNotification("initialized", {});
  /** Resolves with the publish for `uri` at `version`. */
  const published = (uri: string, version: number) => new Promise<Published>((resolve) => {
    const wait = (p: Published) => { if (p.uri === uri && p.version === version) resolve(p); else waiters.push(wait); };
    waiters.push(wait);
  });
  const stop = async () => {
    try { await rpc.sendRequest("shutdown"); await rpc.sendNotification("exit"); } catch { /* already gone */ }
    rpc.dispose();
    child.kill();
  };
  return { rpc, published, stop };
}

export interface LspEditResult {
  lines: number;
  from: string[];
  edits: number;
  findings: number;
  tsDiagnostics: number;
  lspMs: number[];
  tsMs: number[];
  lspP50: number; lspP95: number; tsP50: number; tsP95: number;
  ratioP50: number;
  ratioTarget: number;
}

export async function benchLspEdit(edits: number): Promise<LspEditResult> {
  if (!fs.existsSync(SERVER)) throw new Error(`${path.relative(ROOT, SERVER)} is missing: run npm run compile first`);
  if (!fs.existsSync(TYPES)) {
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build-types.mjs")], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`building the typings failed:\n${r.stdout}${r.stderr}`);
  }
  const big = buildBigDriver();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-bench-lsp-"));
  const file = path.join(dir, "big_driver.ts");
  fs.writeFileSync(file, big.text);
  const uri = pathToFileURL(file).href;
  // The server's process starts (and loads) while TypeScript builds its program: neither is timed.
  const starting = startServer();
  const tsSide = new TsSide(file, big.text);
  const tsDiagnostics = tsSide.diagnostics(); // builds the program: the warm state an editor is in

  const server = await starting;
  try {
    let text = big.text, version = 1;
    const first = server.published(uri, 1);
    await server.rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "typescript", version, text } });
    const findings = (await first).diagnostics.length;
    const lspMs: number[] = [], tsMs: number[] = [];
    // Two untimed rounds warm both sides' JIT on the edit path.
    const plan = editPlan(text, edits + 2);
    for (const [i, e] of plan.entries()) {
      const pos = positionAt(text, e.offset);
      const change = e.insert
        ? { range: { start: pos, end: pos }, text: " " }
        : { range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: "" };
      const next = e.insert ? text.slice(0, e.offset) + " " + text.slice(e.offset) : text.slice(0, e.offset) + text.slice(e.offset + 1);
      version++;
      const done = server.published(uri, version);
      const t0 = performance.now();
      await server.rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [change] });
      await done;
      const lsp = performance.now() - t0;
      const tsT = tsSide.edit(next);
      text = next;
      if (i >= 2) { lspMs.push(lsp); tsMs.push(tsT); }
    }
    const lspP50 = pct(lspMs, 50), tsP50 = pct(tsMs, 50);
    return {
      lines: big.lines, from: big.from, edits, findings, tsDiagnostics, lspMs, tsMs,
      lspP50, lspP95: pct(lspMs, 95), tsP50, tsP95: pct(tsMs, 95), ratioP50: lspP50 / tsP50, ratioTarget: TARGET_LSP_EDIT_RATIO,
    };
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function printLspEdit(r: LspEditResult): void {
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log(`Language server: a one-character edit to published diagnostics, in a ${r.lines.toLocaleString("en-US")}-line driver (${r.from.length} sample drivers concatenated),`);
  console.log(`${r.edits} edits, interleaved with TypeScript's language service (semantic diagnostics of the same file after the same edit, faultline.d.ts beside it).`);
  console.log(`  the server found ${r.findings} finding(s); TypeScript reports ${r.tsDiagnostics} semantic diagnostic(s) on the file.`);
  const rows = [["faultline server (stdio)", fmt(r.lspP50), fmt(r.lspP95)], ["TypeScript semantic diagnostics", fmt(r.tsP50), fmt(r.tsP95)]];
  const w = [Math.max(...rows.map((x) => x[0].length)), 8, 8];
  console.log(["", ...rows.map((x) => `  ${x[0].padEnd(w[0])}  p50 ${x[1].padStart(w[1])} ms   p95 ${x[2].padStart(w[2])} ms`)].join("\n"));
  console.log(`\n  server p50 / TypeScript p50 = ${fmt(r.ratioP50, 2)}x      target <= ${r.ratioTarget}x   ${verdict(r.ratioP50 <= r.ratioTarget)}\n`);
}

if (require.main === module) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, edits: { type: "string" }, json: { type: "string" }, "print-driver": { type: "boolean", default: false } } });
  if (values["print-driver"]) {
    process.stdout.write(buildBigDriver().text);
  } else {
    const edits = values.edits ? Number(values.edits) : (values.quick ? LSP_EDIT_CONFIG.quick : LSP_EDIT_CONFIG.full).edits;
    benchLspEdit(edits).then((r) => {
      printLspEdit(r);
      if (values.json) fs.writeFileSync(values.json, JSON.stringify(r, null, 2) + "\n");
      process.exit(0);
    }, (e) => { console.error(e); process.exit(1); });
  }
}
