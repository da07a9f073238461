// The VS Code extension's bundles, minified, all under dist/client/ (the
// driver host finds its child, host.js, beside the code that starts it):
//   extension.js  the entry: commands, views, debug registration (vscode external)
//   lsp.js        the language client, loaded on the first driver document
//   runtime.js    the driver host's parent side and the inline debug adapter,
//                 loaded on the first run or debug session; "esbuild" is
//                 replaced by a TypeScript-based bundler (client/src/bundler/),
//                 so no native binary ships and the .vsix fits in 5 MB
//   host.js       the driver host process
//   sample.schema.json  sample.json's schema, with the catalogue's rule ids
//   ts-plugin.js  the TypeScript server plugin (packaged as node_modules/faultline-ts-plugin)
// and dist/server.js, the language server (started by the client over IPC).
import { build } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const common = {
  bundle: true, platform: "node", target: "node20", format: "cjs", minify: true, keepNames: true,
  sourcemap: true, sourcesContent: false, logLevel: "warning", absWorkingDir: root, banner: { js: "\"use strict\";" },
  // vscode-languageclient/-server pick their node flavour by require.resolve of these; bundled, the main fields do.
  mainFields: ["module", "main"],
};
const outdir = "dist/client";

/** sample.json's schema with the catalogue's rule ids as the twins' values (so they complete and bad ones are underlined). */
function buildSampleSchema() {
  const catalogue = fs.readFileSync(path.join(root, "sim-core/src/rules/catalogue.ts"), "utf8");
  const list = /export const RULE_IDS = \[([\s\S]*?)\] as const/.exec(catalogue);
  if (!list) throw new Error("sim-core/src/rules/catalogue.ts: RULE_IDS not found");
  const ids = [...list[1].matchAll(/"([A-Z]+\d+)"/g)].map((m) => m[1]);
  const schema = JSON.parse(fs.readFileSync(path.join(root, "client/schemas/sample.schema.json"), "utf8"));
  schema.properties.twins.additionalProperties = { type: "string", enum: ids, description: "A rule id from the catalogue (RULES.md)." };
  fs.mkdirSync(path.join(root, outdir), { recursive: true });
  fs.writeFileSync(path.join(root, outdir, "sample.schema.json"), JSON.stringify(schema, null, 2) + "\n");
}

export async function buildExtension() {
  buildSampleSchema();
  await Promise.all([
    build({ ...common, entryPoints: { extension: "client/src/extension.ts" }, outdir, external: ["vscode"] }),
    build({ ...common, entryPoints: { lsp: "client/src/lsp.ts" }, outdir, external: ["vscode"] }),
    build({ ...common, entryPoints: { runtime: "client/src/runtime.ts" }, outdir, external: ["vscode"], alias: { esbuild: "./client/src/bundler/tsBundler.ts" } }),
    // Not minified: the minifier drops calls to empty functions, and the host's debug trap is one
    // (the adapter breaks on it with Debugger.setBreakpointOnFunctionCall).
    build({ ...common, minify: false, keepNames: false, entryPoints: { host: "host/src/child.ts" }, outdir }),
    build({ ...common, entryPoints: { server: "server/src/main.ts" }, outdir: "dist" }),
    build({ ...common, entryPoints: { "ts-plugin": "client/src/tsPlugin/index.ts" }, outdir, external: ["typescript"] }),
  ]);
}
