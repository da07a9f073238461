// Drivers and scenarios are TypeScript a user is writing. esbuild bundles
// one in memory, with a source map, leaving the kernel API's modules
// (linux/*, asm/*, faultline/*) as imports to be served by this process's
// sim-core, so driver and kernel share one kernel instance.

import { buildSync } from "esbuild";
import * as path from "node:path";
import * as vm from "node:vm";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { DRIVER_MODULES } from "../../sim-core/src";
import type { Frame } from "../../sim-core/src";
import { apiModule } from "./api-modules";

const API_RE = /^(linux|asm|faultline)\//;

export interface Bundle {
  /** Where the code pretends to live (stack traces show it until mapped back). */
  readonly filename: string;
  readonly code: string;
  readonly map: TraceMap;
}

export class BundleError extends Error {
  override readonly name = "BundleError";
}

/** Bundles one entry file. Imports outside the API and the entry's own folder tree are refused. */
export function bundle(entry: string): Bundle {
  const abs = path.resolve(entry);
  const result = buildSync({
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
  });
  for (const [file, input] of Object.entries(result.metafile!.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && API_RE.test(imp.path) && !(DRIVER_MODULES as readonly string[]).includes(imp.path)) {
        throw new BundleError(`${file}: "${imp.path}" is not part of the kernel API this simulator offers (known: ${DRIVER_MODULES.join(", ")})`);
      }
    }
  }
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!js || !map) throw new BundleError(`esbuild produced no output for ${entry}`);
  return { filename: abs + ".bundle.js", code: js.text, map: new TraceMap(map.text) };
}

/** Evaluates a bundle and returns its exports; API imports resolve to sim-core's modules. */
export function evaluate(b: Bundle): Record<string, unknown> {
  const wrapper = vm.runInThisContext(`(function (require, module, exports) {${b.code}\n})`, { filename: b.filename });
  const module = { exports: {} as Record<string, unknown> };
  const req = (spec: string) => {
    const m = apiModule(spec);
    if (!m) throw new Error(`cannot find module '${spec}': drivers may import only the kernel API (${DRIVER_MODULES.join(", ")})`);
    return m;
  };
  wrapper(req, module, module.exports);
  return module.exports;
}

/** Maps a stack frame inside a bundle back to the TypeScript line it came from. */
export function mapFrame(bundles: readonly Bundle[], f: Frame): Frame {
  const b = bundles.find((x) => x.filename === f.file);
  if (!b) return f;
  const pos = originalPositionFor(b.map, { line: f.line, column: Math.max(0, f.column - 1) });
  if (!pos.source || pos.line === null) return f;
  const file = path.resolve(path.dirname(b.filename), pos.source);
  return { fn: pos.name && f.fn === "<anonymous>" ? pos.name : f.fn, file, line: pos.line, column: (pos.column ?? 0) + 1 };
}

/** The source files a bundle was built from, as absolute paths. */
export function sourcesOf(b: Bundle): string[] {
  return b.map.sources.filter((s): s is string => !!s).map((s) => path.resolve(path.dirname(b.filename), s));
}
