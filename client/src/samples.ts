// "Open sample": the samples shipped in the extension, copied into the
// workspace so they can be edited, run and debugged like the user's own.

import * as fs from "node:fs";
import * as path from "node:path";

export interface SampleInfo { readonly name: string; readonly dir: string; readonly summary: string; readonly drivers: string[] }

/** The first sentence of a sample's README, for the picker. */
function summaryOf(dir: string): string {
  try {
    const text = fs.readFileSync(path.join(dir, "README.md"), "utf8");
    const para = text.split(/\n\s*\n/).find((p) => p.trim() && !p.startsWith("#")) ?? "";
    const flat = para.replace(/\s+/g, " ").trim();
    const m = /^(.*?[.:])(\s|$)/.exec(flat);
    return (m ? m[1] : flat).slice(0, 160);
  } catch {
    return "";
  }
}

export function listSamples(root: string): SampleInfo[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, "scenario.ts")))
    .map((e) => {
      const dir = path.join(root, e.name);
      const drivers = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "scenario.ts" && !f.endsWith(".scenario.ts") && !f.endsWith(".d.ts")).sort();
      return { name: e.name, dir, summary: summaryOf(dir), drivers };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A folder name under parent that does not exist yet: name, name-2, name-3… */
export function freeFolder(parent: string, name: string): string {
  let dir = path.join(parent, name);
  for (let i = 2; fs.existsSync(dir); i++) dir = path.join(parent, `${name}-${i}`);
  return dir;
}

/** Copies a sample's sources (not its golden files) into a new folder; returns the folder and its main driver. */
export function copySample(sample: SampleInfo, parent: string): { dir: string; driver: string } {
  const dir = freeFolder(parent, sample.name);
  fs.mkdirSync(dir, { recursive: true });
  const copy = (from: string, to: string) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (e.isDirectory()) { fs.mkdirSync(path.join(to, e.name)); copy(path.join(from, e.name), path.join(to, e.name)); }
      else if (!e.name.endsWith(".golden.txt")) fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
    }
  };
  copy(sample.dir, dir);
  const main = sample.drivers.includes(`${sample.name}.ts`) ? `${sample.name}.ts` : sample.drivers[0];
  return { dir, driver: path.join(dir, main) };
}
