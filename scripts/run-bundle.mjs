// dist/cli-run.js: the command line for `faultline run` alone (cli/src/main.ts,
// the same code as dist/cli.js, without the modules only other commands load).
// A cold run compiles its command line on a core it shares with the driver
// host's start, which is what the driver's first line waits for: 180 kB read
// and deserialized instead of 1 MB. main.ts's requires of the other commands'
// modules become a module that throws, so a command dist/faultline.js sent
// here by mistake fails loudly instead of doing something else.
import * as path from "node:path";

/** What main.ts loads for commands other than `run` (paths from the package root, no extension). */
const NOT_RUN = new Set([
  "debug-adapter/src/standalone",
  "sim-core/src",
  "sim-core/src/index",
  "cli/src/demo",
  "cli/src/layout",
  "cli/src/samples",
  "cli/src/test-command",
  "cli/src/check",
]);

export function runOnlyPlugin(root) {
  return {
    name: "faultline-run-only",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (a) => {
        if (path.relative(root, a.importer).replace(/\\/g, "/") !== "cli/src/main.ts") return undefined;
        const rel = path.relative(root, path.resolve(a.resolveDir, a.path)).replace(/\\/g, "/").replace(/\.ts$/, "");
        return NOT_RUN.has(rel) ? { path: rel, namespace: "faultline-not-in-run" } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: "faultline-not-in-run" }, (a) => ({
        contents: `throw new Error(${JSON.stringify(`faultline: ${a.path} is not in the run command's bundle (dist/cli-run.js)`)});`,
        loader: "js",
      }));
    },
  };
}

/**
 * The command line's bundles load esbuild through cli/src/esbuild-cached.ts (its main file from a code cache,
 * `crypto` when first used); that module alone requires the package itself.
 */
export function esbuildCachedPlugin(root) {
  const shim = path.join(root, "cli/src/esbuild-cached.ts");
  return {
    name: "faultline-esbuild-cached",
    setup(b) {
      b.onResolve({ filter: /^esbuild$/ }, (a) => (a.importer === shim ? { path: "esbuild", external: true } : { path: shim }));
    },
  };
}
