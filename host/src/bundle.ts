// Drivers and scenarios are TypeScript a user is writing. esbuild bundles
// one in memory, with a source map, leaving the kernel API's modules
// (linux/*, asm/*, faultline/*) as imports to be served by this process's
// sim-core, so driver and kernel share one kernel instance.

import { build, buildSync, type BuildOptions, type BuildResult, type Message, type Metafile, type OutputFile } from "esbuild";
import * as path from "node:path";
import * as vm from "node:vm";
import { TraceMap } from "@jridgewell/trace-mapping";
// The API's export names come from a list generated at build time (scripts/api-exports.mjs), not from sim-core's
// modules: the command line bundles drivers, and loading the kernel only to know its headers' names would be
// most of `faultline run`'s start.
import { API_EXPORTS, API_HEADERS } from "./api-exports";
import { describeMissingImport, missingApiImports } from "./api-imports";
import { displayPath, type Bundle } from "./sourcemap";

export { mapFrame, sourcesOf, fromData, type Bundle } from "./sourcemap";

const API_RE = /^(linux|asm|faultline)\//;
const DRIVER_MODULES: readonly string[] = API_HEADERS;

export class BundleError extends Error {
  override readonly name = "BundleError";
}

function options(abs: string): BuildOptions & { write: false; metafile: true } {
  return {
    entryPoints: [abs],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "neutral",
    target: "es2022",
    sourcemap: "external",
    outfile: abs + ".bundle.js",
    logLevel: "silent",
    external: ["linux/*", "asm/*", "faultline/*"],
    metafile: true,
  };
}

type Built = BuildResult & { outputFiles: OutputFile[]; metafile: Metafile };

/** Bundles one entry file. Imports outside the kernel API and the user's own files are refused, with where they are. */
export function bundle(entry: string): Bundle {
  const abs = path.resolve(entry);
  let result: Built;
  try {
    result = buildSync(options(abs));
  } catch (e) {
    throw new BundleError(describeBuildFailure(e));
  }
  return finish(abs, result);
}

/** bundle(), without blocking: the driver host starts while esbuild works. */
export async function bundleAsync(entry: string): Promise<Bundle> {
  const abs = path.resolve(entry);
  let result: Built;
  try {
    result = await build(options(abs));
  } catch (e) {
    throw new BundleError(describeBuildFailure(e));
  }
  return finish(abs, result);
}

function finish(abs: string, result: Built): Bundle {
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && API_RE.test(imp.path) && !DRIVER_MODULES.includes(imp.path)) {
        throw new BundleError(`${file}: "${imp.path}" is not part of the kernel API this simulator offers (known: ${DRIVER_MODULES.join(", ")})`);
      }
    }
  }
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!js || !map) throw new BundleError(`esbuild produced no output for ${abs}`);
  const traced = new TraceMap(map.text);
  const exportsOf = (h: string): readonly string[] | undefined => Object.prototype.hasOwnProperty.call(API_EXPORTS, h) ? API_EXPORTS[h] : undefined;
  const missing = missingApiImports(js.text, traced, exportsOf, DRIVER_MODULES);
  if (missing.length) throw new BundleError(missing.map((m) => describeMissingImport({ ...m, file: m.file && path.resolve(path.dirname(abs), m.file) }, displayPath)).join("\n"));
  // inputs: every file esbuild read (barrels and type-only files too, which the map's sources leave out): what a cache of bundles must watch.
  return Object.assign({ filename: abs + ".bundle.js", code: js.text, map: traced, mapText: map.text }, { inputs: Object.keys(result.metafile.inputs).map((f) => path.resolve(f)) });
}

const NODE_BUILTIN_RE = /^Could not resolve "(node:)?(fs|path|child_process|os|net|http|https|vm|worker_threads|inspector|process|crypto|util|events|stream|buffer|module|url|dns|tls|zlib|readline|cluster|v8|perf_hooks)(\/[^"]*)?"$/;

/** esbuild's errors as compiler lines: file:line:column: message. */
function describeBuildFailure(e: unknown): string {
  const errors = (e as { errors?: Message[] }).errors;
  if (!Array.isArray(errors) || !errors.length) return (e as Error).message ?? String(e);
  return errors.map((m) => {
    // esbuild names files relative to the working directory; outside it, an absolute path reads better than ../../..
    const file = m.location ? displayPath(path.resolve(m.location.file)) : "";
    const where = m.location ? `${file}:${m.location.line}:${m.location.column + 1}: ` : "";
    const hint = NODE_BUILTIN_RE.test(m.text) ? " (Node's modules are not part of a kernel: drivers can import only linux/*, asm/* and faultline/*)" : "";
    return `${where}error: ${m.text}${hint}`;
  }).join("\n");
}

/** Evaluates a bundle and returns its exports; API imports resolve to sim-core's modules. */
export function evaluate(b: Bundle): Record<string, unknown> {
  const wrapper = vm.runInThisContext(`(function (require, module, exports) {${b.code}\n})`, { filename: b.filename });
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { apiModule } = require("./api-modules") as typeof import("./api-modules");
  const req = (spec: string) => {
    const m = apiModule(spec);
    if (!m) throw new Error(`cannot find module '${spec}': drivers may import only the kernel API (${DRIVER_MODULES.join(", ")})`);
    return m;
  };
  wrapper(req, module, module.exports);
  return module.exports;
}

