// Bundles the entry points with esbuild: one file per program, with source
// maps so stacks (and the checker's reports) point at the TypeScript.
import { build } from "esbuild";

const common = { bundle: true, platform: "node", target: "node20", format: "cjs", sourcemap: true, logLevel: "warning" };

await build({ ...common, entryPoints: { faultline: "cli/src/main.ts" }, outdir: "dist", banner: { js: "#!/usr/bin/env node" } });
