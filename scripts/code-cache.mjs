// V8 code caches for the bundles whose start is on the path to a driver's
// first line (host/src/code-cache.ts loads them):
//   stampBuildId(file)   writes the bundle's build id into its banner's
//                        placeholder (same length: lines and columns, so the
//                        source map, stay as they are)
//   warmHostCache(dist)  runs the driver host once, as a run starts it (the
//                        same V8 flags, or V8 rejects the cache), on samples/simple,
//                        and keeps what it compiled in dist/host.js.cache
//   warmDebugHostCache(dist)  the same for a debug host, on the debug Node (.debug-node/),
//                        in dist/host.js.debug.cache
//   warmCliCache(dist)   runs `faultline run` on samples/simple once and keeps
//                        what the command line compiled in dist/cli-run.js.cache;
//                        `faultline --help` likewise for dist/cli.js.cache
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BUILD_ID_PLACEHOLDER = "/*faultline-build:0000000000000000*/";
/** The driver host's default heap cap (host/src/protocol.ts, DEFAULT_LIMITS.heapMb): V8 hashes its flags into the cache. */
const HOST_HEAP_MB = 512;

export function stampBuildId(file) {
  const text = readFileSync(file, "utf8");
  if (!text.includes(BUILD_ID_PLACEHOLDER)) throw new Error(`${file} has no build id placeholder in its banner`);
  const id = createHash("sha256").update(text).digest("hex").slice(0, 16);
  writeFileSync(file, text.replace(BUILD_ID_PLACEHOLDER, `/*faultline-build:${id}*/`));
  return id;
}

/** host/src/node.ts's permissionFlag(). */
function permissionFlag() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major >= 24 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13) ? "--permission" : "--experimental-permission";
}

async function bundleData(file) {
  const abs = path.join(ROOT, file);
  const r = await build({
    entryPoints: [abs], bundle: true, write: false, format: "cjs", platform: "neutral", target: "es2022",
    sourcemap: "external", outfile: abs + ".bundle.js", logLevel: "silent", external: ["linux/*", "asm/*", "faultline/*"],
  });
  const js = r.outputFiles.find((f) => f.path.endsWith(".js")), map = r.outputFiles.find((f) => f.path.endsWith(".map"));
  return { filename: abs + ".bundle.js", code: js.text, map: map.text };
}

/** Writes dist/host.js.cache; on failure removes it (the host then compiles as if there were none) and says why. */
export async function warmHostCache(dist) {
  const entry = path.join(dist, "host-entry.js");
  const cache = path.join(dist, "host.js.cache");
  rmSync(cache, { force: true });
  const request = JSON.stringify({
    type: "run",
    run: { driver: await bundleData("samples/simple/simple.ts"), scenario: await bundleData("samples/simple/scenario.ts"), module: "simple", debug: false },
  });
  const args = [permissionFlag(), `--allow-fs-read=${dist}`, "--allow-worker", `--max-old-space-size=${HOST_HEAP_MB}`, "--no-warnings", `--allow-fs-write=${cache}`, entry];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "ignore", "pipe", "pipe"], env: { FAULTLINE_WRITE_CODE_CACHE: "1" }, cwd: ROOT });
  let stderr = "", messages = "";
  child.stderr.on("data", (d) => { stderr += d; });
  child.stdio[3].on("data", (d) => {
    if (!messages.includes("\"ready\"") && (messages + d).includes("\"ready\"")) child.stdin.end(request + "\n");
    messages += d;
  });
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0 || !existsSync(cache) || !/"type":"end"/.test(messages)) {
    rmSync(cache, { force: true });
    console.warn(`warning: no code cache for the driver host (its warm-up run exited with ${code}): ${stderr.slice(-1000)}${messages.slice(-1000)}`);
    return undefined;
  }
  return readFileSync(cache).length;
}

/** The Node debug runs use (host/src/node.ts debugNode(), restated: this script loads no TypeScript). */
function debugNodePath() {
  if (process.env.FAULTLINE_DEBUG_NODE) return process.env.FAULTLINE_DEBUG_NODE;
  const base = path.join(ROOT, ".debug-node", "node_modules");
  if (!existsSync(base)) return undefined;
  for (const pkg of readdirSync(base).filter((p) => p.startsWith("node-"))) {
    const bin = path.join(base, pkg, "bin", "node");
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

/**
 * Writes dist/host.js.debug.cache: the debug host's, made by the debug Node (another V8 than the build's) with a
 * debug host's flags, from a debug run of samples/simple let run to its end. Without that Node, none (the debug
 * host then compiles host.js afresh, as it did before there was one); on failure removes it and says why.
 */
export async function warmDebugHostCache(dist) {
  const cache = path.join(dist, "host.js.debug.cache");
  rmSync(cache, { force: true });
  const node = debugNodePath();
  if (!node) return undefined;
  const entry = path.join(dist, "host-entry.js");
  const request = JSON.stringify({
    type: "run",
    run: { driver: await bundleData("samples/simple/simple.ts"), scenario: await bundleData("samples/simple/scenario.ts"), module: "simple", debug: true },
  });
  // host/src/node.ts hostFlags() for a debug host on a Node 24.10+, and the argument spare.ts gives one.
  const args = ["--permission", `--allow-fs-read=${dist}`, "--allow-inspector", "--allow-worker", `--max-old-space-size=${HOST_HEAP_MB}`, "--no-warnings", `--allow-fs-write=${cache}`, entry, "--faultline-debug-host"];
  const child = spawn(node, args, { stdio: ["pipe", "ignore", "pipe", "pipe", "pipe", "pipe"], env: { FAULTLINE_WRITE_CODE_CACHE: "1" }, cwd: ROOT });
  let stderr = "", messages = "";
  child.stderr.on("data", (d) => { stderr += d; });
  child.stdio[5].resume();
  child.stdio[3].on("data", (d) => {
    const before = messages;
    messages += d;
    if (!before.includes("\"ready\"") && messages.includes("\"ready\"")) child.stdin.write(request + "\n");
    if (!before.includes("\"debug-ready\"") && messages.includes("\"debug-ready\"")) child.stdin.end(JSON.stringify({ type: "start" }) + "\n");
  });
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0 || !existsSync(cache) || !/"type":"end"/.test(messages)) {
    rmSync(cache, { force: true });
    console.warn(`warning: no code cache for the debug host (its warm-up run on ${node} exited with ${code}): ${stderr.slice(-1000)}${messages.slice(-1000)}`);
    return undefined;
  }
  return readFileSync(cache).length;
}

/**
 * Writes the command line's caches: dist/cli-run.js.cache from a `faultline run` of samples/simple (the run's own
 * bundle), dist/cli.js.cache from a `faultline --help` (every other command's); on failure removes the cache and says why.
 */
export async function warmCliCache(dist) {
  return {
    run: await warmCliBundle(dist, "cli-run.js", ["run", "samples/simple/simple.ts", "--json"]),
    // The command line's load alone (what the bench's `faultline --help` row times): a cache holding a command's
    // work too (boot's kernel) was larger and made that load slower; the other commands run for seconds anyway.
    other: await warmCliBundle(dist, "cli.js", ["--help"]),
  };
}

async function warmCliBundle(dist, bundle, args) {
  const cache = path.join(dist, bundle + ".cache");
  rmSync(cache, { force: true });
  // Without NODE_OPTIONS: V8 flags in it would make a cache that a plain start rejects.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_OPTIONS"));
  const child = spawn(process.execPath, [path.join(dist, "faultline.js"), ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...env, FAULTLINE_WRITE_CODE_CACHE: "1" }, cwd: ROOT });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0 || !existsSync(cache)) {
    rmSync(cache, { force: true });
    console.warn(`warning: no code cache for ${bundle} (its warm-up \`faultline ${args[0]}\` exited with ${code}): ${stderr.slice(-1000)}`);
    return undefined;
  }
  return readFileSync(cache).length;
}
