// The VS Code extension's two budgets: the .vsix's size (≤ 5 MB), measured
// on the file `npm run package` wrote, and activation time (≤ 150 ms),
// measured by the end-to-end test in a real VS Code (code-server) and read
// from its record, out/e2e/metrics.json. Activation is VS Code's "activate"
// time: from the call of activate() to its promise resolving. The e2e run
// also records the time from the entry module's load and from the window's
// load event; those include VS Code's own start-up and are reported beside it.
//
//   node out/bench/extension.js [--json FILE]

import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
export const TARGET_VSIX_BYTES = 5 * 1024 * 1024;
export const TARGET_ACTIVATE_MS = 150;

export interface ExtensionBench {
  vsix?: { file: string; bytes: number; ok: boolean };
  activation?: { activateMs: number; moduleLoadToActivatedMs?: number; loadToActivateMs?: number; vscode?: string; measuredAt: string; ok: boolean };
  notes: string[];
}

export function benchExtension(): ExtensionBench {
  const out: ExtensionBench = { notes: [] };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { name: string; version: string };
  const vsix = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
  if (fs.existsSync(vsix)) {
    const bytes = fs.statSync(vsix).size;
    out.vsix = { file: path.basename(vsix), bytes, ok: bytes <= TARGET_VSIX_BYTES };
  } else out.notes.push(`${path.basename(vsix)} not found: run npm run package`);
  const metrics = path.join(root, "out", "e2e", "metrics.json");
  if (fs.existsSync(metrics)) {
    const m = JSON.parse(fs.readFileSync(metrics, "utf8")) as { when: string; activateMs?: number; moduleLoadToActivatedMs?: number; loadToActivateMs?: number; vscodeVersion?: string };
    if (typeof m.activateMs === "number") {
      out.activation = { activateMs: m.activateMs, moduleLoadToActivatedMs: m.moduleLoadToActivatedMs, loadToActivateMs: m.loadToActivateMs, vscode: m.vscodeVersion, measuredAt: m.when, ok: m.activateMs <= TARGET_ACTIVATE_MS };
    } else out.notes.push("out/e2e/metrics.json has no activation time (the e2e's activate step failed)");
  } else out.notes.push("no activation time: run npm run test:e2e (it writes out/e2e/metrics.json)");
  return out;
}

export function printExtension(r: ExtensionBench): void {
  console.log("\n## VS Code extension: .vsix size and activation time\n");
  if (r.vsix) console.log(`.vsix ${r.vsix.file}: ${(r.vsix.bytes / 1048576).toFixed(2)} MiB (target ≤ ${TARGET_VSIX_BYTES / 1048576} MiB) ${r.vsix.ok ? "ok" : "MISSED"}`);
  if (r.activation) {
    const a = r.activation;
    console.log(`activate(): ${a.activateMs} ms in VS Code ${a.vscode ?? "?"} (target ≤ ${TARGET_ACTIVATE_MS} ms) ${a.ok ? "ok" : "MISSED"}; measured by the e2e at ${a.measuredAt}`);
    if (a.moduleLoadToActivatedMs !== undefined) console.log(`  from the entry module's load: ${a.moduleLoadToActivatedMs} ms; from the window's load event: ${a.loadToActivateMs ?? "?"} ms (VS Code's own start-up included)`);
  }
  for (const n of r.notes) console.log(`  ${n}`);
}

if (require.main === module) {
  const r = benchExtension();
  printExtension(r);
  const i = process.argv.indexOf("--json");
  if (i > 0) fs.writeFileSync(process.argv[i + 1], JSON.stringify(r, null, 2) + "\n");
}
