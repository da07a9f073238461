// Finding the driver files of a workspace for a workspace-wide check, and
// reading a driver's siblings (its relative imports) for the analyses.

import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const SKIP_DIRS = new Set(["node_modules", "out", "dist", ".git", ".vscode-test"]);
/** A driver imports the kernel API; scenarios import faultline/user and are checked too (they may share helpers). */
const DRIVER_IMPORT_RE = /\bfrom\s*["'](?:linux|asm)\/[\w.-]+["']|\brequire\(\s*["'](?:linux|asm)\//;
const MAX_FILES = 5000;

export function isDriverText(text: string): boolean {
  return DRIVER_IMPORT_RE.test(text);
}

/** Driver files under `roots` (depth-first, sorted, so the order is stable), with their modification times. */
export function findDriverFiles(roots: readonly string[], isCancelled: () => boolean = () => false, seen: Map<string, { mtimeMs: number; driver: boolean }> = new Map()): { file: string; mtimeMs: number }[] {
  const out: { file: string; mtimeMs: number }[] = [];
  const walk = (dir: string): void => {
    if (out.length >= MAX_FILES || isCancelled()) return;
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith(".")) walk(full);
      } else if (e.isFile() && /\.[cm]?ts$/.test(e.name) && !/\.d\.[cm]?ts$/.test(e.name)) {
        try {
          // A file is read again only when its mtime moved: repeated workspace pulls cost a stat per file.
          const mtimeMs = statSync(full).mtimeMs;
          let known = seen.get(full);
          if (!known || known.mtimeMs !== mtimeMs) {
            known = { mtimeMs, driver: isDriverText(readFileSync(full, "utf8")) };
            seen.set(full, known);
          }
          if (known.driver) out.push({ file: full, mtimeMs });
        } catch { /* vanished or unreadable: not ours to report */ }
      }
      if (out.length >= MAX_FILES) return;
    }
  };
  for (const r of roots) walk(r);
  return out;
}

/** Candidate files for a relative import from `fromFile`, as TypeScript's node resolution would try them. */
export function importCandidates(fromFile: string, spec: string): string[] {
  const base = path.resolve(path.dirname(fromFile), spec);
  const noJs = base.replace(/\.[cm]?js$/, "");
  return [...new Set([base.endsWith(".ts") ? base : undefined, `${noJs}.ts`, path.join(base, "index.ts")].filter((x): x is string => !!x))];
}

export function readFileOrUndefined(file: string): string | undefined {
  try { return readFileSync(file, "utf8"); } catch { return undefined; }
}
