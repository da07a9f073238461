// Hover and completion on a constant (GFP_KERNEL, VM_FAULT_SIGBUS) or on a
// struct field a driver reads (vma.vm_pgoff, sg.dma_length) show the JSDoc of
// dist/types/faultline.d.ts. Every constant a linux/* or asm/* header exports
// must have one, and every public member of every struct type
// those headers export must have one. The typings are rebuilt here when
// missing or older than sim-core's sources.

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

interface Walk { constants: Map<string, string>; fields: Map<string, string>; structs: Set<string> }

const docOf = (s: ts.Symbol, checker: ts.TypeChecker) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim();

function isPrivate(m: ts.Symbol): boolean {
  if (m.name.startsWith("__#") || m.name.startsWith("#")) return true;
  return (m.declarations ?? []).some((d) => ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
}

function walkTypings(): Walk {
  const program = ts.createProgram([TYPES], { strict: true, noEmit: true, types: [], target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(TYPES)!;
  const w: Walk = { constants: new Map(), fields: new Map(), structs: new Set() };
  for (const st of sf.statements) {
    if (!ts.isModuleDeclaration(st) || !ts.isStringLiteral(st.name) || !/^(linux|asm)\//.test(st.name.text)) continue;
    for (const ex of checker.getExportsOfModule(checker.getSymbolAtLocation(st.name)!)) {
      const s = ex.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(ex) : ex;
      const decl = s.valueDeclaration ?? s.declarations?.[0];
      if (!decl) continue;
      if (s.flags & ts.SymbolFlags.Variable && checker.getTypeOfSymbolAtLocation(s, decl).getCallSignatures().length === 0) {
        w.constants.set(`${st.name.text}:${ex.name}`, docOf(s, checker));
      }
      // `export type vm_area_struct = VmArea` names a struct as C does; its members are the struct's.
      let t: ts.Symbol | undefined = s;
      if (s.flags & ts.SymbolFlags.TypeAlias) t = checker.getDeclaredTypeOfSymbol(s).getSymbol();
      if (!t || !(t.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class))) continue;
      w.structs.add(t.name);
      for (const m of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(t))) {
        if (isPrivate(m)) continue;
        // A member inherited from a type outside the typings (Object, Error) is not the API's to document.
        if (!(m.declarations ?? []).some((d) => d.getSourceFile() === sf)) continue;
        w.fields.set(`${t.name}.${m.name}`, docOf(m, checker));
      }
    }
  }
  return w;
}

describe("typings: JSDoc of constants and struct fields", function () {
  this.timeout(120_000);
  let w: Walk;
  before(() => {
    if (!fs.existsSync(TYPES) || fs.statSync(TYPES).mtimeMs < Math.max(newest(path.join(ROOT, "sim-core", "src")), fs.statSync(SCRIPT).mtimeMs)) {
      execFileSync(process.execPath, [SCRIPT], { cwd: ROOT, stdio: "pipe" });
    }
    w = walkTypings();
  });

  it("finds the constants and structs (a sanity check on the walk itself)", () => {
    for (const n of ["linux/gfp:GFP_KERNEL", "linux/mm:VM_FAULT_SIGBUS", "linux/dma-mapping:DMA_FROM_DEVICE", "linux/errno:EINVAL"]) assert.ok(w.constants.has(n), n);
    for (const n of ["VmArea.vm_pgoff", "VmFault.pgoff", "Scatterlist.dma_length", "Page._refcount"]) assert.ok(w.fields.has(n), n);
    assert.ok(w.constants.size > 150, `${w.constants.size} constants`);
    assert.ok(w.structs.size > 15, `${w.structs.size} structs`);
  });

  it("every exported constant has JSDoc", () => {
    const missing = [...w.constants].filter(([, d]) => !d).map(([n]) => n);
    assert.deepEqual(missing, [], `${missing.length} constants without JSDoc`);
  });

  it("every public field and accessor of an exported struct type has JSDoc", () => {
    // A constructor parameter property keeps its JSDoc in the emitted typings only when the comment
    // starts its own line (`constructor(\n  /** … *\/\n  readonly pfn: number)`), so this also
    // catches docs written inline where the editor would never show them.
    const missing = [...w.fields].filter(([, d]) => !d).map(([n]) => n);
    assert.deepEqual(missing, [], `${missing.length} fields without JSDoc`);
  });

  it("every rule id a constant's or field's doc cites is in the catalogue", () => {
    const known = new Set<string>(RULE_IDS);
    const bad: string[] = [];
    for (const [n, d] of [...w.constants, ...w.fields]) for (const m of d.matchAll(/\b(?:DMA|MEM|PG|MM|CTX|LOCK)\d{3}\b/g)) if (!known.has(m[0])) bad.push(`${n} cites ${m[0]}`);
    assert.deepEqual(bad, []);
  });
});
