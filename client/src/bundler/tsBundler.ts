// The part of esbuild's API that the driver host uses (host/src/bundle.ts),
// served by the TypeScript compiler's transpileModule. esbuild's native
// binary is about 10 MB and differs per platform; the extension must fit in a
// 5 MB .vsix that works on any machine with VS Code, so the extension's
// bundle aliases "esbuild" to this module (scripts/build.mjs).
//
// What it supports is what a driver folder needs: one entry file, the user's
// relative imports bundled beside it as CommonJS modules, the kernel API's
// headers left external, an external source map, a metafile with each
// input's imports, and esbuild-shaped errors (file, line, column, text).

import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { decode, encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";

export interface Location { file: string; line: number; column: number; lineText: string }
export interface Message { id: string; pluginName: string; text: string; location: Location | null; notes: unknown[]; detail: unknown }
export interface OutputFile { path: string; text: string; contents: Uint8Array; hash: string }
export interface Metafile {
  inputs: Record<string, { bytes: number; imports: Array<{ path: string; kind: string; external?: boolean; original?: string }> }>;
  outputs: Record<string, unknown>;
}
export interface BuildOptions {
  entryPoints?: string[];
  outfile?: string;
  external?: string[];
  sourcemap?: boolean | "external" | "inline" | "linked" | "both";
  write?: boolean;
  metafile?: boolean;
  [other: string]: unknown;
}
export interface BuildResult { errors: Message[]; warnings: Message[]; outputFiles: OutputFile[]; metafile: Metafile; mangleCache: undefined }

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/** esbuild's failure: an Error carrying the messages. */
class BuildFailure extends Error {
  constructor(readonly errors: Message[], readonly warnings: Message[] = []) {
    super(`Build failed with ${errors.length} error${errors.length === 1 ? "" : "s"}:\n${errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ""}ERROR: ${e.text}`).join("\n")}`);
  }
}

function message(text: string, location: Location | null): Message {
  return { id: "", pluginName: "", text, location, notes: [], detail: undefined };
}

function locate(file: string, text: string, pos: number, cwd: string): Location {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const lc = sf.getLineAndCharacterOfPosition(pos);
  const lines = text.split(/\r?\n/);
  // esbuild names files relative to the working directory; host/src/bundle.ts resolves them back.
  return { file: path.relative(cwd, file) || file, line: lc.line + 1, column: lc.character, lineText: lines[lc.line] ?? "" };
}

/** An external pattern as esbuild reads it: one "*" wildcard. */
function matcher(patterns: readonly string[]): (spec: string) => boolean {
  const res = patterns.map((p) => new RegExp("^" + p.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$"));
  return (spec) => res.some((r) => r.test(spec));
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, "index" + e))];
  // "./x.js" written for Node's ESM resolution means ./x.ts when only that exists, as esbuild and tsc read it.
  if (/\.[cm]?js$/.test(spec)) candidates.push(base.replace(/\.([cm]?)js$/, ".$1ts"));
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

interface Module {
  readonly file: string;
  readonly code: string;
  readonly map: string;
  /** Relative specifier → module index. */
  readonly links: Record<string, number>;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  sourceMap: true,
  inlineSources: false,
  esModuleInterop: false,
  // Decorators and class fields as esbuild emits them for es2022.
  useDefineForClassFields: true,
  isolatedModules: true,
  removeComments: false,
};

function compile(entry: string, isExternal: (spec: string) => boolean, cwd: string): { modules: Module[]; metafile: Metafile } {
  const modules: Module[] = [];
  const index = new Map<string, number>();
  const metafile: Metafile = { inputs: {}, outputs: {} };
  const errors: Message[] = [];
  const visit = (file: string): number => {
    const known = index.get(file);
    if (known !== undefined) return known;
    const i = modules.length;
    index.set(file, i);
    modules.push(undefined as unknown as Module);
    const text = fs.readFileSync(file, "utf8");
    const out = ts.transpileModule(text, { compilerOptions: COMPILER_OPTIONS, fileName: file, reportDiagnostics: true });
    for (const d of out.diagnostics ?? []) {
      if (d.category !== ts.DiagnosticCategory.Error) continue;
      errors.push(message(ts.flattenDiagnosticMessageText(d.messageText, "\n"), d.start !== undefined ? locate(file, text, d.start, cwd) : null));
    }
    const imports: Metafile["inputs"][string]["imports"] = [];
    const links: Record<string, number> = {};
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.importedFiles) {
      const spec = ref.fileName;
      if (spec.startsWith("./") || spec.startsWith("../") || spec === "." || spec === "..") {
        const target = resolveRelative(file, spec);
        if (!target) { errors.push(message(`Could not resolve "${spec}"`, locate(file, text, ref.pos, cwd))); continue; }
        links[spec] = visit(target);
        imports.push({ path: path.relative(cwd, target), kind: "import-statement", original: spec });
      } else if (isExternal(spec)) {
        imports.push({ path: spec, kind: "import-statement", external: true });
      } else {
        // platform "neutral" with no node_modules: every other bare import is unresolvable, as esbuild says.
        errors.push(message(`Could not resolve "${spec}"`, locate(file, text, ref.pos, cwd)));
      }
    }
    metafile.inputs[path.relative(cwd, file) || file] = { bytes: Buffer.byteLength(text), imports };
    // esbuild's binding form for API headers (`var import_x = require("linux/x")`), which the host's
    // check of imported names reads (host/src/api-imports.ts); same line, so the map still holds.
    const code = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n").replace(/^const ([\w$]+) = require\(("(?:linux|asm|faultline)\/[^"]+")\);/gm, "var $1 = require($2);");
    modules[i] = { file, code, map: out.sourceMapText ?? "", links };
    return i;
  };
  visit(entry);
  if (errors.length) throw new BuildFailure(errors);
  return { modules, metafile };
}

/**
 * Lays the modules out one after another, each in a function of its own, and
 * writes one source map for the whole by shifting each module's mappings to
 * where its lines landed.
 */
function link(modules: readonly Module[], outfile: string): { code: string; map: string } {
  const lines: string[] = [];
  const mappings: SourceMapSegment[][] = [];
  const push = (l: string, segs: SourceMapSegment[] = []) => { lines.push(l); mappings.push(segs); };
  const single = modules.length === 1 && Object.keys(modules[0].links).length === 0;
  if (!single) push("var __fl_defs = [], __fl_cache = [];");
  modules.forEach((m, i) => {
    const decoded = m.map ? decode(JSON.parse(m.map).mappings as string) : [];
    if (!single) push(`__fl_defs[${i}] = [${JSON.stringify(m.links)}, function (require, module, exports) {`);
    m.code.replace(/\n$/, "").split("\n").forEach((l, n) => {
      push(l, (decoded[n] ?? []).map((s) => (s.length === 1 ? [s[0]] : s.length === 4 ? [s[0], i, s[2], s[3]] : [s[0], i, s[2], s[3], s[4]]) as SourceMapSegment));
    });
    if (!single) push("}];");
  });
  if (!single) {
    push("function __fl_load(i, outer) {");
    push("  if (__fl_cache[i]) return __fl_cache[i].exports;");
    push("  var m = __fl_cache[i] = { exports: {} }, d = __fl_defs[i];");
    push("  d[1](function (spec) { return spec in d[0] ? __fl_load(d[0][spec], outer) : outer(spec); }, m, m.exports);");
    push("  return m.exports;");
    push("}");
    push("module.exports = __fl_load(0, require);");
  }
  const dir = path.dirname(outfile);
  const map = { version: 3, file: path.basename(outfile), sources: modules.map((m) => path.relative(dir, m.file)), names: [] as string[], mappings: encode(mappings) };
  return { code: lines.join("\n") + "\n", map: JSON.stringify(map) };
}

function outputFile(p: string, text: string): OutputFile {
  return { path: p, text, contents: Buffer.from(text), hash: "" };
}

export function buildSync(options: BuildOptions): BuildResult {
  const entries = options.entryPoints ?? [];
  if (entries.length !== 1) throw new BuildFailure([message("the extension's bundler takes exactly one entry point", null)]);
  const entry = path.resolve(entries[0]);
  const cwd = process.cwd();
  if (!fs.existsSync(entry)) throw new BuildFailure([message(`Could not resolve "${entries[0]}"`, null)]);
  const { modules, metafile } = compile(entry, matcher(options.external ?? []), cwd);
  const outfile = options.outfile ?? entry.replace(/\.[cm]?tsx?$/, ".js");
  const { code, map } = link(modules, outfile);
  return {
    errors: [], warnings: [], mangleCache: undefined, metafile,
    outputFiles: [outputFile(outfile, code + `//# sourceMappingURL=${path.basename(outfile)}.map\n`), outputFile(outfile + ".map", map)],
  };
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  // transpileModule is synchronous; a tick lets the host process start first, as it does beside esbuild.
  await new Promise((r) => setImmediate(r));
  return buildSync(options);
}

export const version = `typescript-${ts.version}`;
