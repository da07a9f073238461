// The packaged extension: what faultline-<version>.vsix holds is the
// bundles, the typings, the plugin package, the templates, schema, webview
// media, walkthrough pages, the samples' sources and the rule docs, and
// nothing else (no sources, maps, tests, goldens or node_modules beyond the
// plugin); and it stays within 5 MB. Packs it when it is not there.

import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const vsix = path.join(root, `${pkg.name}-${pkg.version}.vsix`);

const ALLOWED: RegExp[] = [
  /^extension\.vsixmanifest$/, /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/, /^extension\/readme\.md$/i, /^extension\/(license|LICENSE)(\.md|\.txt)?$/i, /^extension\/changelog\.md$/i,
  /^extension\/dist\/client\/(extension|lsp|runtime|host)\.js$/,
  /^extension\/dist\/server\.js$/,
  /^extension\/dist\/types\/faultline\.d\.ts$/,
  /^extension\/node_modules\/faultline-ts-plugin\/(index\.js|package\.json)$/,
  /^extension\/client\/templates\/\w+\/(mydriver\.ts|scenario\.ts|sample\.json|README\.md)$/,
  /^extension\/dist\/client\/sample\.schema\.json$/,
  /^extension\/client\/media\/memoryMap\.(js|css)$/,
  /^extension\/client\/walkthrough\/[\w-]+\.md$/,
  /^extension\/samples\/README\.md$/,
  /^extension\/samples\/\w+\/([\w.-]+\.ts|sample\.json|README\.md)$/,
  /^extension\/docs\/rules\/[\w-]+\.md$/,
];

const REQUIRED = [
  "extension/package.json", "extension/dist/client/extension.js", "extension/dist/client/runtime.js", "extension/dist/client/lsp.js",
  "extension/dist/client/host.js", "extension/dist/server.js", "extension/dist/types/faultline.d.ts",
  "extension/node_modules/faultline-ts-plugin/index.js", "extension/node_modules/faultline-ts-plugin/package.json",
  "extension/dist/client/sample.schema.json", "extension/client/media/memoryMap.js", "extension/samples/simple/simple.ts",
  "extension/samples/edu_dma/edu_dma_nosync.ts", "extension/client/templates/pci_dma/mydriver.ts",
];

function entries(file: string): Promise<Array<{ name: string; size: number }>> {
  // yauzl is what vsce reads and writes .vsix files with.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yauzl = require("yauzl");
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err: Error | null, zip: { readEntry(): void; on(e: string, f: (x: { fileName: string; uncompressedSize: number }) => void): void }) => {
      if (err) return reject(err);
      const out: Array<{ name: string; size: number }> = [];
      zip.on("entry", (e) => { out.push({ name: e.fileName, size: e.uncompressedSize }); zip.readEntry(); });
      zip.on("end", () => resolve(out));
      zip.on("error", reject as never);
      zip.readEntry();
    });
  });
}

describe("client: the .vsix", function () {
  this.timeout(180_000);
  let list: Array<{ name: string; size: number }>;

  before(async () => {
    // Packed afresh from the bundles there are (built first when there are none).
    const built = fs.existsSync(path.join(root, "dist/client/extension.js")) && fs.existsSync(path.join(root, "dist/server.js"));
    execFileSync(process.execPath, [path.join(root, "scripts/package.mjs"), ...(built ? ["--no-build"] : [])], { cwd: root, stdio: "ignore" });
    list = await entries(vsix);
  });

  it("holds nothing but what the extension needs", () => {
    const extra = list.map((e) => e.name).filter((n) => !ALLOWED.some((re) => re.test(n)));
    assert.deepEqual(extra, []);
  });

  it("holds everything the extension needs", () => {
    const names = new Set(list.map((e) => e.name));
    for (const r of REQUIRED) assert.ok(names.has(r), r);
    // Every sample's driver, scenario and sample.json are there to open.
    for (const d of fs.readdirSync(path.join(root, "samples"), { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      for (const f of fs.readdirSync(path.join(root, "samples", d.name))) {
        if (f.endsWith(".ts") || f === "sample.json") assert.ok(names.has(`extension/samples/${d.name}/${f}`), `${d.name}/${f}`);
      }
    }
    // The manifest's own references resolve inside the package.
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    assert.ok(names.has(`extension/${manifest.main.replace(/^\.\//, "")}`));
    assert.ok(names.has(`extension/${manifest.contributes.jsonValidation[0].url.replace(/^\.\//, "")}`));
    for (const s of manifest.contributes.walkthroughs[0].steps) assert.ok(names.has(`extension/${s.media.markdown}`), s.media.markdown);
  });

  it("fits in 5 MB, with no native binary in it", () => {
    const size = fs.statSync(vsix).size;
    assert.ok(size <= 5 * 1024 * 1024, `${(size / 1048576).toFixed(2)} MiB`);
    assert.ok(!list.some((e) => /esbuild|\.node$/.test(e.name)), "no esbuild binary nor native addon");
  });
});
