// Bundles kept for the life of the process: `faultline test` (folders share
// a scenario), the editor (a driver run again unchanged, or with only its
// scenario edited) and a replay for stacks bundle the same files again. A
// bundle is reused while every file esbuild read for it (esbuild's metafile
// inputs: barrels and type-only files included) and every folder they sit in
// (a file added there can change what an import resolves to) is as it was.
// Why not esbuild's incremental context(): its rebuild still re-reads and
// re-emits, and the checks after it (the API's imports, the source map) run
// again, so it saves about a third of a bundle; a hit here saves all of it
// for a few stat() calls.

import * as fs from "node:fs";
import * as path from "node:path";
import { bundleAsync, type Bundle } from "./bundle";

interface Entry { readonly bundle: Bundle; readonly stamps: ReadonlyMap<string, string> }

/** Entries kept (least recently used dropped first): a suite's drivers and scenarios, an editor's recent files. */
const MAX_ENTRIES = 128;
/**
 * A file changed this recently may change again within the clock's resolution without its stamp moving (a save
 * during the bundling): its bundle is not kept. The same guard as git's "racily clean" index entries.
 */
const RACY_MS = 1000;

const cache = new Map<string, Entry>();
let hits = 0;

function stampOf(file: string): string | undefined {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.mtimeNs}:${st.ctimeNs}:${st.size}:${st.ino}`;
  } catch {
    return undefined;
  }
}

function stillValid(e: Entry): boolean {
  for (const [file, stamp] of e.stamps) if (stampOf(file) !== stamp) return false;
  return true;
}

/** bundleAsync(), reusing an earlier bundle of the same entry whose inputs have not changed. */
export async function bundleCached(entry: string): Promise<Bundle> {
  const abs = path.resolve(entry);
  const known = cache.get(abs);
  if (known && stillValid(known)) {
    cache.delete(abs);
    cache.set(abs, known);
    hits++;
    return known.bundle;
  }
  cache.delete(abs);
  const bundle = await bundleAsync(abs);
  const inputs = (bundle as Bundle & { inputs?: readonly string[] }).inputs;
  if (!inputs?.length) return bundle; // a bundler that does not say what it read: nothing can be reused safely
  const stamps = new Map<string, string>();
  const now = Date.now();
  for (const f of new Set([abs, ...inputs, ...inputs.map((i) => path.dirname(i))])) {
    let st: fs.Stats;
    try { st = fs.statSync(f); } catch { return bundle; }
    if (now - st.mtimeMs < RACY_MS) return bundle;
    stamps.set(f, stampOf(f)!);
  }
  cache.set(abs, { bundle, stamps });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return bundle;
}

/** Bundles reused so far (tests). */
export function bundleCacheHits(): number {
  return hits;
}
