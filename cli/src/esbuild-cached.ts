// esbuild's JavaScript API as the command line's bundles load it (scripts/build.mjs
// points their `import ... from "esbuild"` here; out/ and the extension load the
// package as usual). A cold `faultline run` loads it on a core it shares with the
// driver host's start, before it can bundle the driver the host waits for, and
// a plain require() costs about 18 ms there: compiling its 100 kB and loading
// `crypto` (~10 ms of Node's internals), which esbuild needs only for the name
// of a temporary file on a path a run does not take. So the package's own
// lib/main.js is compiled with V8's code cache (dist/esbuild.js.cache, written
// by the build's warm-up run, as for the bundles: host/src/code-cache.ts) and
// gets `crypto` when it first uses it. Everything else is the package's own:
// its file and folder (it finds its binary from them), its require, its module
// in require.cache.

import Module = require("node:module");
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { WRITE_ENV } from "../../host/src/code-cache";

type Esbuild = typeof import("esbuild");

/** The cache's header: the package's version and its main file's length (V8 checks its own version and flags). */
function header(version: string, source: string): string {
  return `faultline-esbuild-cache ${version} ${source.length}\n`;
}

function load(): Esbuild {
  const filename = require.resolve("esbuild");
  const cached = require.cache[filename];
  if (cached?.loaded) return cached.exports as Esbuild;
  const source = fs.readFileSync(filename, "utf8");
  const version = /\bvar version = "([^"]+)"/.exec(source)?.[1] ?? "?";
  const cacheFile = path.join(__dirname, "esbuild.js.cache");
  const head = header(version, source);
  let data: Buffer | undefined;
  try {
    const raw = fs.readFileSync(cacheFile);
    if (raw.toString("latin1", 0, head.length) === head) data = raw.subarray(head.length);
  } catch {
    /* no cache: compiled afresh */
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename, cachedData: data });
  if (process.env[WRITE_ENV] !== undefined) {
    process.once("exit", () => { fs.writeFileSync(cacheFile, Buffer.concat([Buffer.from(head, "latin1"), script.createCachedData()])); });
  }
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
  const own = Module.createRequire(filename);
  let crypto: typeof import("node:crypto") | undefined;
  const lazyCrypto = { randomBytes: (n: number) => (crypto ??= own("crypto") as typeof import("node:crypto")).randomBytes(n) };
  const req = Object.assign((id: string) => (id === "crypto" ? lazyCrypto : own(id)), { resolve: own.resolve, cache: own.cache, main: own.main, extensions: own.extensions });
  require.cache[filename] = mod;
  try {
    (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, req, mod, filename, path.dirname(filename));
  } catch (e) {
    delete require.cache[filename];
    throw e;
  }
  mod.loaded = true;
  return mod.exports as Esbuild;
}

const esbuild = load();
export = esbuild;
