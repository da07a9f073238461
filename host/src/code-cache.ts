// Running a bundle from V8's code cache. Node 20 has no module.enableCompileCache,
// and compiling the driver host's bundle (700 kB) and then compiling lazily each
// function its start calls is a good part of the host's start, which is on the
// path of every run to the driver's first line. So the bundle is compiled
// with vm.Script and the cachedData scripts/build.mjs produced after a warm-up
// run (script.createCachedData() then holds every function that run compiled).
//
// The cache is used only when it was made from this very bundle (its first
// line carries a build id, and so does the cache's header: V8's own check is
// of the source's length); V8 rejects it on another V8 or with other V8 flags
// (the heap cap is one: a run with --heap-mb other than the default compiles
// as if there were no cache). Either way the bundle runs, compiled afresh.

import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";

/** Set (to any value) in the environment of the warm-up run that writes the cache; the host's environment is empty. */
export const WRITE_ENV = "FAULTLINE_WRITE_CODE_CACHE";

/** The build id in a bundle's first line (scripts/build.mjs writes it into the banner). */
const BUILD_ID_RE = /\/\*faultline-build:([0-9a-f]{16})\*\//;
const HEADER_PREFIX = "faultline-code-cache ";
/** `faultline-code-cache <id>\n`: the cache file's header, then V8's data. */
const HEADER_BYTES = HEADER_PREFIX.length + 16 + 1;

/** Where the bundle finds how it was compiled (the host reports it in its "ready"). */
export const CACHE_USE = Symbol.for("faultline.codeCache");

export type CacheUse = "accepted" | "rejected" | "stale" | "none" | "source-maps";

export interface CachedRun {
  readonly script?: vm.Script;
  /**
   * accepted, rejected (by V8), stale (made from another build: not offered to V8), none (no cache, or no build
   * id), source-maps (Node maps stacks through source maps: compiled by Node's loader, which alone registers them).
   */
  readonly cache: CacheUse;
}

/** Node rewrites stacks through source maps (--enable-source-maps): only for code its own loader compiled. */
function sourceMapsEnabled(): boolean {
  return (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true || process.execArgv.includes("--enable-source-maps");
}

/** `variant`: a cache made by another Node or with other flags (the debug host's: host.js.debug.cache). */
export function cacheFileOf(bundle: string, variant?: string): string {
  return variant ? `${bundle}.${variant}.cache` : bundle + ".cache";
}

export function buildIdOf(source: string): string | undefined {
  return BUILD_ID_RE.exec(source.slice(0, 200))?.[1];
}

/** The cache's V8 data when its header names this build, else why not. */
function readCache(file: string, id: string | undefined): { data?: Buffer; use: CacheUse } {
  if (id === undefined) return { use: "none" };
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch {
    return { use: "none" };
  }
  if (raw.length <= HEADER_BYTES || raw.toString("latin1", 0, HEADER_BYTES) !== `${HEADER_PREFIX}${id}\n`) return { use: "stale" };
  return { data: raw.subarray(HEADER_BYTES), use: "accepted" };
}

/**
 * Runs a CommonJS bundle as the module `mod` (the loader's own, so that the
 * bundle's `require.main === module` holds when the loader is the main
 * module), from its code cache when there is a good one. With `write` (or
 * WRITE_ENV set), the cache is written when the process exits, holding what
 * the process compiled.
 */
export function runCached(bundle: string, mod: NodeJS.Module, req: NodeJS.Require, write = process.env[WRITE_ENV] !== undefined, variant?: string): CachedRun {
  const source = fs.readFileSync(bundle, "utf8");
  // Stacks mapped to the TypeScript (npm start) matter more than the start's speed: the bundle is then compiled
  // by Node's loader as the loader's own module (so that `require.main === module` holds as it does below).
  const compile = (mod as { _compile?: (content: string, filename: string) => void })._compile;
  if (sourceMapsEnabled() && typeof compile === "function") {
    (globalThis as Record<symbol, unknown>)[CACHE_USE] = "source-maps";
    compile.call(mod, source, bundle);
    return { cache: "source-maps" };
  }
  const id = buildIdOf(source);
  const cacheFile = cacheFileOf(bundle, variant);
  const { data, use } = readCache(cacheFile, id);
  // One line: the bundle's lines keep their numbers (stacks, source maps). A #! line is not JavaScript inside a function.
  const body = source.startsWith("#!") ? `//${source}` : source;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${body}\n})`, { filename: bundle, cachedData: data });
  const cache: CacheUse = data ? (script.cachedDataRejected ? "rejected" : "accepted") : use;
  if (write && id !== undefined) {
    process.once("exit", () => {
      const out = script.createCachedData();
      fs.writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${HEADER_PREFIX}${id}\n`, "latin1"), out]));
    });
  }
  (globalThis as Record<symbol, unknown>)[CACHE_USE] = cache;
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, req, mod, bundle, path.dirname(bundle));
  return { script, cache };
}
