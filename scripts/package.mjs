// `npm run package`: builds the bundles, stages exactly what the extension
// needs in out/vsix-stage, and packs it with @vscode/vsce into
// faultline-<version>.vsix at the repository root.
//
// A stage rather than the repository itself, because the TypeScript server
// plugin must sit in the extension's node_modules (typescriptServerPlugins
// loads it by package name from there) and the repository's node_modules is
// npm's; and because vsce walks `npm list --production`, which in the stage
// names that one package. The .vscodeignore then trims the stage.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const stage = path.join(root, "out", "vsix-stage");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const PLUGIN = "faultline-ts-plugin";

if (!process.argv.includes("--no-build")) execFileSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });
const copy = (rel, filter = () => true) => {
  const from = path.join(root, rel);
  if (!fs.existsSync(from)) return false;
  fs.cpSync(from, path.join(stage, rel), { recursive: true, filter: (src) => filter(path.relative(root, src)) });
  return true;
};

// The bundles the extension runs, and the typings the plugin adds to every project.
for (const f of ["extension.js", "lsp.js", "runtime.js", "host.js", "sample.schema.json"]) copy(path.join("dist", "client", f));
copy(path.join("dist", "server.js"));
copy(path.join("dist", "types", "faultline.d.ts"));
// Templates, the webview's page script and style, the walkthrough's pages.
for (const d of ["templates", "media", "walkthrough"]) copy(path.join("client", d));
// The samples a user can open (their sources, sample.json and README; not the goldens), and the rule docs.
copy("samples", (rel) => !/tsconfig|\.golden\.txt$/.test(rel));
copy(path.join("docs", "rules"));
copy("README.md");
copy("LICENSE");
copy(".vscodeignore");

// The TypeScript server plugin as a package of its own.
const pluginDir = path.join(stage, "node_modules", PLUGIN);
fs.mkdirSync(pluginDir, { recursive: true });
fs.copyFileSync(path.join(root, "dist", "client", "ts-plugin.js"), path.join(pluginDir, "index.js"));
fs.writeFileSync(path.join(pluginDir, "package.json"), JSON.stringify({ name: PLUGIN, version: pkg.version, main: "index.js", license: pkg.license }, null, 2) + "\n");

// The manifest: the extension's fields, with the plugin as its only dependency.
const manifest = { ...pkg, dependencies: { [PLUGIN]: pkg.version } };
for (const k of ["devDependencies", "scripts", "bin", "private"]) delete manifest[k];
manifest.engines = { vscode: pkg.engines.vscode };
fs.writeFileSync(path.join(stage, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

const out = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
const args = [vsce, "package", "--out", out, "--no-update-package-json", "--no-git-tag-version", "--allow-missing-repository", "--no-rewrite-relative-links"];
if (!fs.existsSync(path.join(stage, "LICENSE"))) args.push("--skip-license");
execFileSync(process.execPath, args, { cwd: stage, stdio: "inherit" });
console.log(`${path.relative(root, out)}: ${(fs.statSync(out).size / 1048576).toFixed(2)} MiB`);
