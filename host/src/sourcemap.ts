// Stack frames of bundled driver code, mapped back to the TypeScript lines
// they came from. Both sides of the driver host use it: the host process
// (which never bundles anything itself) and in-process runs.

import * as path from "node:path";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import type { Frame } from "../../sim-core/src";

export interface Bundle {
  /** Where the code pretends to live (stack traces show it until mapped back). */
  readonly filename: string;
  readonly code: string;
  readonly map: TraceMap;
  /** The source map as esbuild wrote it (what crosses to the host process). */
  readonly mapText: string;
}

/** A path as messages show it: relative to the working directory when inside it, else absolute. */
export function displayPath(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r && !r.startsWith("..") ? r : file;
}

/** A bundle rebuilt from what crossed the process boundary. */
export function fromData(d: { filename: string; code: string; map: string }): Bundle {
  return { filename: d.filename, code: d.code, map: new TraceMap(d.map), mapText: d.map };
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
