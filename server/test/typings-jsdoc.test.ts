// Hover and completion docs come from the JSDoc of the shipped typings
// (dist/types/faultline.d.ts), which the editor's own TypeScript reads. Every
// function a driver can import must have one; those declared in an API
// header give their C signature; and every rule id a doc cites must exist.
// The typings are rebuilt here when missing or older than sim-core's sources.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { RULE_IDS } from "../../sim-core/src/rules/catalogue";

const ROOT = path.resolve(__dirname, "../../..");
const TYPES = path.join(ROOT, "dist", "types", "faultline.d.ts");
const SCRIPT = path.join(ROOT, "scripts", "build-types.mjs");

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/**
 * A ```c block, a leading `prototype`, or a first line that is one: a C
 * declaration (`void spin_lock(spinlock_t *lock): …`), a #define or a macro's
 * call form (`_IOR(type, nr, size): …`).
 */
function hasCSignature(doc: string): boolean {
  if (/```c\n/.test(doc) || /^`[^`]*\w+\s*\(/.test(doc)) return true;
  const first = doc.split("\n")[0];
  return /^#define \w+/.test(first) || /^(?:[A-Za-z_][\w ]*[ *]+)?\**[A-Za-z_]\w*\s*\([^)]*\)/.test(first);
}

interface Export { module: string; name: string; home: string; callable: boolean; doc: string }

function exportsOfTypings(): Export[] {
  const program = ts.createProgram([TYPES], { strict: true, noEmit: true, types: [], target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(TYPES)!;
  const out: Export[] = [];
  for (const st of sf.statements) {
    if (!ts.isModuleDeclaration(st) || !ts.isStringLiteral(st.name) || st.name.text.startsWith("faultline:internal/")) continue;
    for (const ex of checker.getExportsOfModule(checker.getSymbolAtLocation(st.name)!)) {
      const s = ex.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(ex) : ex;
      if (!(s.flags & ts.SymbolFlags.Value) || s.flags & ts.SymbolFlags.Class) continue;
      const decl = s.valueDeclaration ?? s.declarations?.[0];
      if (!decl) continue;
      const callable = !!(s.flags & ts.SymbolFlags.Function) || checker.getTypeOfSymbolAtLocation(s, decl).getCallSignatures().length > 0;
      let m: ts.Node | undefined = decl;
      while (m && !ts.isModuleDeclaration(m)) m = m.parent;
      const home = m && ts.isModuleDeclaration(m) ? m.name.text : "?";
      out.push({ module: st.name.text, name: ex.name, home, callable, doc: ts.displayPartsToString(s.getDocumentationComment(checker)).trim() });
    }
  }
  return out;
}

describe("typings: JSDoc of the driver API", function () {
  this.timeout(120_000);
  let all: Export[];
  before(() => {
    if (!fs.existsSync(TYPES) || fs.statSync(TYPES).mtimeMs < Math.max(newest(path.join(ROOT, "sim-core", "src")), fs.statSync(SCRIPT).mtimeMs)) {
      execFileSync(process.execPath, [SCRIPT], { cwd: ROOT, stdio: "pipe" });
    }
    all = exportsOfTypings();
  });

  it("finds the API (a sanity check on the walk itself)", () => {
    const names = new Set(all.map((e) => `${e.module}:${e.name}`));
    for (const n of ["linux/dma-mapping:dma_map_single", "linux/mm:remap_pfn_range", "linux/slab:kfree", "linux/io:readl", "linux/errno:EINVAL"]) assert.ok(names.has(n), n);
    assert.ok(all.filter((e) => e.callable).length > 300);
  });

  it("every exported function has JSDoc", () => {
    const missing = [...new Set(all.filter((e) => e.callable && !e.doc).map((e) => `${e.module}: ${e.name}()`))];
    assert.deepEqual(missing, [], `${missing.length} exported functions without JSDoc`);
  });

  it("functions declared in an API header give their C signature", () => {
    const noC = [...new Set(all.filter((e) => e.callable && e.home === e.module && !hasCSignature(e.doc)).map((e) => `${e.module}: ${e.name}()`))];
    assert.deepEqual(noC, [], `${noC.length} functions without a C signature in their JSDoc`);
  });

  it("every rule id a doc cites is in the catalogue", () => {
    const known = new Set<string>(RULE_IDS);
    const bad = new Set<string>();
    for (const e of all) for (const m of e.doc.matchAll(/\b(?:DMA|MEM|PG|MM|CTX|LOCK)\d{3}\b/g)) if (!known.has(m[0])) bad.add(`${e.module}:${e.name} cites ${m[0]}`);
    assert.deepEqual([...bad], []);
  });
});
