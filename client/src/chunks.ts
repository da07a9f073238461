// The extension ships as a small entry bundle plus chunks loaded on demand
// (dist/client/<name>.js). Compiled by tsc for the unit tests, the same
// modules sit beside this file under out/, so one relative name serves both.

import * as path from "node:path";
import type * as Runtime from "./runtime";
import type * as Lsp from "./lsp";

export interface Chunks {
  runtime: typeof Runtime;
  lsp: typeof Lsp;
}

const cache = new Map<string, unknown>();

/** Loads a chunk once; a non-literal require keeps esbuild from inlining it into the entry bundle. */
export function loadChunk<K extends keyof Chunks>(name: K): Chunks[K] {
  let m = cache.get(name);
  if (!m) {
    const file = path.join(__dirname, name);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    m = require(file);
    cache.set(name, m);
  }
  return m as Chunks[K];
}

/** A chunk if something has loaded it already (deactivation must not load one just to dispose it). */
export function loadedChunk<K extends keyof Chunks>(name: K): Chunks[K] | undefined {
  return cache.get(name) as Chunks[K] | undefined;
}
