// Writes dist/types/faultline.d.ts: the driver API's typings in one ambient
// file, so an editor's own TypeScript completes and checks a driver in any
// folder with nothing but this file in the program (listed, or named by a
// `/// <reference path="…/faultline.d.ts" />`).
//
// The TypeScript compiler emits declarations for the modules of DRIVER_MODULES
// and everything they import from sim-core/src, in memory; each emitted file
// becomes a `declare module "…" { … }`: an API module under the header a driver
// imports ("linux/slab"), anything else under a private name
// ("faultline:internal/kernel/tasks"), with its relative specifiers (imports,
// re-exports, import("…") types) rewritten to those names; members marked
// @internal are left out. The result must compile on its own, strict and
// without @types/node, or the build fails.
//
//   node scripts/build-types.mjs        (npm run build calls it)
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const ts = require("typescript");

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "sim-core", "src");
export const TYPES_FILE = join(root, "dist", "types", "faultline.d.ts");
const INTERNAL = "faultline:internal/";

/** DRIVER_MODULES, read from sim-core/src/index.ts's source (no build needed). */
function driverModules() {
  const file = join(src, "index.ts");
  const sf = ts.createSourceFile(file, ts.sys.readFile(file), ts.ScriptTarget.Latest, true);
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== "DRIVER_MODULES" || !d.initializer) continue;
      let e = d.initializer;
      while (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
      if (!ts.isArrayLiteralExpression(e)) break;
      return e.elements.map((x) => {
        if (!ts.isStringLiteral(x)) throw new Error(`build-types: DRIVER_MODULES holds a non-literal: ${x.getText(sf)}`);
        return x.text;
      });
    }
  }
  throw new Error("build-types: no DRIVER_MODULES array literal in sim-core/src/index.ts");
}

const norm = (f) => resolve(f).replace(/\\/g, "/");
const stripExt = (f) => f.replace(/\.d\.ts$|\.ts$/, "");

function formatDiagnostics(diags) {
  return ts.formatDiagnosticsWithColorAndContext(diags, {
    getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n",
  });
}

/** Rewrites one emitted declaration file into the body of its ambient module. */
function toAmbient(text, dtsName, sourceFile, nameOf) {
  const sf = ts.createSourceFile(dtsName, text, ts.ScriptTarget.Latest, true);
  const edits = []; // [start, end, replacement]
  const unresolved = [];

  const specifier = (lit) => {
    const spec = lit.text;
    if (!spec.startsWith(".")) { unresolved.push(spec); return; }
    const base = resolve(dirname(sourceFile), spec);
    const name = nameOf(base);
    if (!name) { unresolved.push(spec); return; }
    edits.push([lit.getStart(sf), lit.getEnd(), JSON.stringify(name)]);
  };

  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifier(node.moduleSpecifier);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifier(node.argument.literal);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      specifier(node.moduleReference.expression);
    }
    ts.forEachChild(node, visit);
  };

  for (const st of sf.statements) {
    // Already ambient inside `declare module`: a `declare` modifier there is an error.
    for (const m of st.modifiers ?? []) {
      if (m.kind !== ts.SyntaxKind.DeclareKeyword) continue;
      let end = m.getEnd();
      while (text[end] === " ") end++;
      edits.push([m.getStart(sf), end, ""]);
    }
    if (ts.isModuleDeclaration(st) && !(st.flags & ts.NodeFlags.Namespace) && ts.isIdentifier(st.name) && st.name.text === "global") {
      throw new Error(`build-types: ${relative(root, sourceFile)} declares globals, which an ambient module cannot`);
    }
    visit(st);
  }
  // Triple-slash directives (a `/// <reference types="node" />` would mean a Node type leaked).
  for (const r of [...sf.referencedFiles, ...sf.typeReferenceDirectives, ...sf.libReferenceDirectives]) unresolved.push(`/// <reference … "${r.fileName}" />`);
  if (unresolved.length) {
    throw new Error(`build-types: ${relative(root, sourceFile)}'s declarations refer outside sim-core/src: ${unresolved.join(", ")}`);
  }

  edits.sort((a, b) => b[0] - a[0]);
  let out = text;
  for (const [s, e, r] of edits) out = out.slice(0, s) + r + out.slice(e);
  // The //# sourceMappingURL of a declaration map, if any, and blank edges.
  return out.replace(/^\/\/# sourceMappingURL=.*$/gm, "").trim();
}

/** Builds the ambient file's text; throws with the compiler's diagnostics if anything fails. */
export function generateTypes() {
  const modules = driverModules();
  const apiFiles = new Map(); // normalised path without extension -> header
  for (const m of modules) {
    const f = join(src, "api", `${m}.ts`);
    if (!ts.sys.fileExists(f)) throw new Error(`build-types: DRIVER_MODULES names ${m}, but ${relative(root, f)} does not exist`);
    apiFiles.set(norm(stripExt(f)), m);
  }

  const options = {
    target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true, esModuleInterop: true, skipLibCheck: true, types: ["node"], typeRoots: [join(root, "node_modules", "@types")],
    declaration: true, emitDeclarationOnly: true, declarationMap: false, stripInternal: true, sourceMap: false, removeComments: false,
    rootDir: src, outDir: join(root, "out", "build-types"), noEmitOnError: true,
  };
  const host = ts.createCompilerHost(options);
  const program = ts.createProgram([...apiFiles.keys()].map((f) => `${f}.ts`), options, host);
  const pre = ts.getPreEmitDiagnostics(program);
  if (pre.length) throw new Error(`build-types: sim-core does not compile:\n${formatDiagnostics(pre)}`);

  const known = new Set(program.getSourceFiles().filter((f) => !f.isDeclarationFile).map((f) => norm(stripExt(f.fileName))));
  /** The module name of a sim-core source file, by its path without extension (or a folder with index.ts). */
  const nameOf = (base) => {
    for (const cand of [norm(base), norm(join(base, "index"))]) {
      if (!known.has(cand)) continue;
      const rel = relative(norm(src), cand).replace(/\\/g, "/");
      if (rel.startsWith("../")) return undefined;
      return apiFiles.get(cand) ?? INTERNAL + rel;
    }
    return undefined;
  };

  const emitted = []; // { name, body }
  const result = program.emit(undefined, (fileName, text, _bom, _onError, sourceFiles) => {
    if (!fileName.endsWith(".d.ts")) return;
    const source = sourceFiles?.[0]?.fileName;
    if (!source) throw new Error(`build-types: no source for ${fileName}`);
    const name = nameOf(stripExt(source));
    if (!name) throw new Error(`build-types: ${source} is outside sim-core/src`);
    emitted.push({ name, body: toAmbient(text, fileName, source, nameOf) });
  }, undefined, true);
  if (result.emitSkipped || result.diagnostics.length) {
    throw new Error(`build-types: declaration emit failed:\n${formatDiagnostics(result.diagnostics)}`);
  }

  // The headers in DRIVER_MODULES' order, then the internals by name.
  const order = new Map(modules.map((m, i) => [m, i]));
  emitted.sort((a, b) => (order.get(a.name) ?? Infinity) - (order.get(b.name) ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const indent = (s) => s.split("\n").map((l) => (l ? "  " + l : l)).join("\n");
  const parts = [
    "// Faultline's driver API: the typings of every header a driver may import.",
    "// Generated by scripts/build-types.mjs from sim-core/src; do not edit.",
    "// An editor picks it up with no set-up: list it in the program, or put",
    "//   /// <reference path=\"<this folder>/faultline.d.ts\" />",
    "// at the top of a driver. \"faultline:internal/*\" modules are the simulator's",
    "// own types that the API refers to; the driver host does not load them.",
    "",
    // Drivers run on Node 20: Map, Set and the rest are there whatever the driver's target.
    "/// <reference lib=\"es2022\" />",
    "",
  ];
  for (const { name, body } of emitted) parts.push(`declare module ${JSON.stringify(name)} {`, indent(body), "}", "");
  return { text: parts.join("\n"), modules: emitted.length, headers: modules.length };
}

/** Compiles the file alone, strict, with no @types of any kind; returns the diagnostics. */
export function checkTypes(file) {
  const options = {
    target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true, noEmit: true, types: [], typeRoots: [],
  };
  const program = ts.createProgram([file], options);
  return ts.getPreEmitDiagnostics(program);
}

/** Generates, writes and checks dist/types/faultline.d.ts. */
export function buildTypes(out = TYPES_FILE) {
  const { text, modules, headers } = generateTypes();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  const diags = checkTypes(out);
  if (diags.length) throw new Error(`build-types: ${relative(root, out)} does not compile on its own:\n${formatDiagnostics(diags)}`);
  return { file: out, modules, headers, bytes: Buffer.byteLength(text) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const r = buildTypes();
    console.log(`build-types: ${relative(root, r.file)}: ${r.headers} headers, ${r.modules} modules, ${(r.bytes / 1024).toFixed(1)} KiB`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
