// Bundles the entry points with esbuild: one file per program, with source
// maps so stacks (and the checker's reports) point at the TypeScript.
//   dist/faultline.js  the command's entry: spawns the host of `faultline run` first, then runs dist/cli.js
//   dist/cli.js        the command line (and the parent side of the driver host), from its code cache dist/cli.js.cache
//   dist/cli-run.js    the same for `faultline run` alone (scripts/run-bundle.mjs), from dist/cli-run.js.cache
//   dist/host.js       the driver host process, started under Node's permission model
//   dist/host-entry.js  its entry: runs host.js from V8's code cache, dist/host.js.cache (scripts/code-cache.mjs),
//                      or dist/host.js.debug.cache in a debug host on the debug Node
//   dist/debug-adapter.js  the debug adapter, standalone (DAP over stdio or --server=PORT)
//   dist/client/*, dist/server.js  the VS Code extension, minified (scripts/build-extension.mjs)
//   dist/types/faultline.d.ts  the driver API's typings (scripts/build-types.mjs)
// --no-types and --no-extension leave those two out (the quick bench: they are most of the
// build's time, and what it measures runs from the bundles).
import { build } from "esbuild";
import * as path from "node:path";
import { buildTypes } from "./build-types.mjs";
import { buildExtension } from "./build-extension.mjs";
import { writeApiExports } from "./api-exports.mjs";
import { BUILD_ID_PLACEHOLDER, stampBuildId, warmCliCache, warmDebugHostCache, warmHostCache } from "./code-cache.mjs";
import { esbuildCachedPlugin, runOnlyPlugin } from "./run-bundle.mjs";

// Strict mode throughout: a sloppy function would hand its `this` and itself to
// a driver's Error.prepareStackTrace through a call site.
const common = { bundle: true, platform: "node", target: "node20", format: "cjs", sourcemap: true, logLevel: "warning" };

// The kernel API's export names, which the command line checks imports against without loading sim-core.
await writeApiExports();
// esbuild stays a package: its JavaScript API finds its binary beside itself and cannot be bundled.
// typescript too: `faultline check` loads it when it runs, so no other command pays for its 9 MB.
await build({ ...common, entryPoints: { cli: "cli/src/main.ts" }, outdir: "dist", external: ["esbuild", "typescript"], plugins: [esbuildCachedPlugin(path.resolve("."))], banner: { js: `"use strict";${BUILD_ID_PLACEHOLDER}` } });
stampBuildId("dist/cli.js");
await build({ ...common, entryPoints: { "cli-run": "cli/src/main.ts" }, outdir: "dist", external: ["esbuild", "typescript"], plugins: [runOnlyPlugin(path.resolve(".")), esbuildCachedPlugin(path.resolve("."))], banner: { js: `"use strict";${BUILD_ID_PLACEHOLDER}` } });
stampBuildId("dist/cli-run.js");
await build({ ...common, entryPoints: { faultline: "cli/src/entry.ts" }, outdir: "dist", banner: { js: "#!/usr/bin/env node\n\"use strict\";" } });
await build({ ...common, entryPoints: { host: "host/src/child.ts" }, outdir: "dist", banner: { js: `"use strict";${BUILD_ID_PLACEHOLDER}` } });
stampBuildId("dist/host.js");
await build({ ...common, entryPoints: { "host-entry": "host/src/host-entry.ts" }, outdir: "dist", banner: { js: "\"use strict\";" } });
await warmHostCache(path.resolve("dist"));
await warmDebugHostCache(path.resolve("dist"));
await warmCliCache(path.resolve("dist"));
// The standalone debug adapter (stdio, or --server=PORT): nvim-dap, dap-mode and the DAP tests run it.
await build({ ...common, entryPoints: { "debug-adapter": "debug-adapter/src/main.ts" }, outdir: "dist", external: ["esbuild"], banner: { js: "#!/usr/bin/env node\n\"use strict\";" } });
const skip = new Set(process.argv.slice(2));
if (!skip.has("--no-types")) buildTypes();
if (!skip.has("--no-extension")) await buildExtension();
