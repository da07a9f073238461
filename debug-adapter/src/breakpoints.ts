// TypeScript lines ↔ bundle positions, from the source maps esbuild wrote.
// Faultline bundles the driver and the scenario itself, so every breakpoint
// can be resolved before a line of driver code runs: a line with code binds
// where it is, a line without moves down to the next line that has code (as
// tsc-compiled JavaScript debuggers do), and a file or line outside the run
// stays unverified with the reason.

import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, eachMapping, generatedPositionFor, originalPositionFor } from "@jridgewell/trace-mapping";
import type { Bundle } from "../../host/src/sourcemap";

/** The vm wrapper the sandbox puts around a bundle shifts its first line (sandbox.ts createDriverContext). */
export const WRAPPER_PREFIX = "(function (require, module, exports) {".length;

/** How far below a line without code a breakpoint may move. */
const MAX_MOVE = 40;

export interface ScriptBundle {
  readonly bundle: Bundle;
  /** file: URL the inspector knows the script by. */
  readonly url: string;
  /** Absolute TypeScript sources → the name the map uses. */
  readonly sources: Map<string, string>;
  /** Per source (as the map names it): the lines that have code (1-based). */
  readonly codeLines: Map<string, Set<number>>;
}

export function scriptBundle(b: Bundle): ScriptBundle {
  const sources = new Map<string, string>();
  for (const s of b.map.sources) if (s) sources.set(path.resolve(path.dirname(b.filename), s), s);
  const codeLines = new Map<string, Set<number>>();
  const generated = b.code.split("\n");
  eachMapping(b.map, (m) => {
    if (m.source === null || m.originalLine === null) return;
    // A function declaration's header is hoisted, not a statement: V8 binds a breakpoint there inside the body.
    const text = generated[m.generatedLine - 1] ?? "";
    if (/^\s*(async\s+)?function[\s*][^]*\{\s*$/.test(text)) return;
    let set = codeLines.get(m.source);
    if (!set) codeLines.set(m.source, (set = new Set()));
    set.add(m.originalLine);
  });
  // eachMapping reports sources resolved against the map's sourceRoot/URL: index by both spellings.
  for (const [abs, name] of sources) {
    for (const [k, v] of codeLines) if (k !== name && path.resolve(path.dirname(b.filename), k) === abs) codeLines.set(name, v);
  }
  return { bundle: b, url: pathToFileURL(b.filename).href, sources, codeLines };
}

/** Where a TypeScript breakpoint binds: a bundle position (0-based, as CDP wants) and the TS line it really stands on. */
export type Resolved =
  | { readonly ok: true; readonly script: ScriptBundle; readonly lineNumber: number; readonly columnNumber: number; readonly line: number }
  | { readonly ok: false; readonly message: string };

export function resolveBreakpoint(scripts: readonly ScriptBundle[], file: string, line: number): Resolved {
  const abs = path.resolve(file);
  const script = scripts.find((s) => s.sources.has(abs));
  if (!script) return { ok: false, message: `${path.basename(file)} is not part of this run (the driver and its scenario, and the files they import)` };
  const source = script.sources.get(abs)!;
  const lines = script.codeLines.get(source) ?? new Set<number>();
  for (let l = line; l <= line + MAX_MOVE; l++) {
    if (!lines.has(l)) continue;
    const g = generatedPositionFor(script.bundle.map, { source, line: l, column: 0, bias: LEAST_UPPER_BOUND });
    const pos = g.line !== null ? g : generatedPositionFor(script.bundle.map, { source, line: l, column: 0, bias: GREATEST_LOWER_BOUND });
    if (pos.line === null || pos.column === null) continue;
    const lineNumber = pos.line - 1;
    return { ok: true, script, lineNumber, columnNumber: pos.column + (lineNumber === 0 ? WRAPPER_PREFIX : 0), line: l };
  }
  return { ok: false, message: `no code on line ${line} or the ${MAX_MOVE} lines below it` };
}

/** A TypeScript location of a bundle position (CDP's 0-based line and column). */
export function originalOf(script: ScriptBundle, lineNumber: number, columnNumber: number): { file: string; line: number; column: number; name?: string } | undefined {
  const column = lineNumber === 0 ? Math.max(0, columnNumber - WRAPPER_PREFIX) : columnNumber;
  let pos = originalPositionFor(script.bundle.map, { line: lineNumber + 1, column, bias: GREATEST_LOWER_BOUND });
  if (pos.source === null || pos.line === null) pos = originalPositionFor(script.bundle.map, { line: lineNumber + 1, column, bias: LEAST_UPPER_BOUND });
  if (pos.source === null || pos.line === null) return undefined;
  return { file: path.resolve(path.dirname(script.bundle.filename), pos.source), line: pos.line, column: (pos.column ?? 0) + 1, name: pos.name ?? undefined };
}

/** The first bundle position that maps into one of these TypeScript files: where "stop on entry" stops. */
export function firstUserLine(script: ScriptBundle, file: string): { lineNumber: number; columnNumber: number } | undefined {
  const source = script.sources.get(path.resolve(file));
  let best: { lineNumber: number; columnNumber: number } | undefined;
  eachMapping(script.bundle.map, (m) => {
    if (best || m.originalLine === null || m.source === null) return;
    if (source !== undefined && path.resolve(path.dirname(script.bundle.filename), m.source) !== path.resolve(file)) return;
    best = { lineNumber: m.generatedLine - 1, columnNumber: m.generatedColumn + (m.generatedLine === 1 ? WRAPPER_PREFIX : 0) };
  });
  return best;
}
