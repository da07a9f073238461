// The bundle cache (host/src/bundle-cache.ts): an entry bundled again with
// nothing it read changed is the same bundle; a change to any file esbuild
// read (a barrel that contributes no code included), a file added beside
// them that an import now resolves to, or a file saved moments ago is
// bundled afresh.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundleCached } from "../src/bundle-cache";

/** A driver folder whose files were last written a minute ago (older than the cache's racy window). */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-bundle-cache-"));
  for (const [name, text] of Object.entries(files)) write(dir, name, text);
  return dir;
}

function write(dir: string, name: string, text: string, agoS = 60): void {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  const t = new Date(Date.now() - agoS * 1000);
  fs.utimesSync(f, t, t);
  fs.utimesSync(dir, t, t);
}

const FILES = {
  "main.ts": `import { X } from "./barrel";\nimport type { T } from "./types";\nconst v: T = X;\nexport default v;\n`,
  "barrel.ts": `export * from "./one";\n`,
  "one.ts": `export const X = 1;\n`,
  "two.ts": `export const X = 2;\n`,
  "types.ts": `export type T = number;\n`,
};

describe("bundle cache", function () {
  this.timeout(20_000);

  it("gives the same bundle again while nothing it read has changed", async () => {
    const dir = project(FILES);
    const a = await bundleCached(path.join(dir, "main.ts"));
    const b = await bundleCached(path.join(dir, "main.ts"));
    assert.equal(b, a);
    assert.match(a.code, /X = 1/);
  });

  it("bundles again when a barrel that contributes no code of its own changes", async () => {
    const dir = project(FILES);
    const a = await bundleCached(path.join(dir, "main.ts"));
    write(dir, "barrel.ts", `export * from "./two";\n`, 30);
    const b = await bundleCached(path.join(dir, "main.ts"));
    assert.notEqual(b, a);
    assert.match(b.code, /X = 2/);
  });

  it("bundles again when a file is added that an import now resolves to", async () => {
    const dir = project(FILES);
    const a = await bundleCached(path.join(dir, "main.ts"));
    // esbuild tries .tsx before .ts: ./one now means one.tsx.
    write(dir, "one.tsx", `export const X = 3;\n`, 30);
    const b = await bundleCached(path.join(dir, "main.ts"));
    assert.notEqual(b, a);
    assert.match(b.code, /X = 3/);
  });

  it("does not keep a bundle of a file saved a moment ago (it may change again within the clock's resolution)", async () => {
    const dir = project(FILES);
    fs.writeFileSync(path.join(dir, "one.ts"), `export const X = 4;\n`);
    const a = await bundleCached(path.join(dir, "main.ts"));
    const b = await bundleCached(path.join(dir, "main.ts"));
    assert.notEqual(b, a);
    assert.match(b.code, /X = 4/);
  });

  it("does not keep a failed bundle", async () => {
    const dir = project({ ...FILES, "bad.ts": `import { nope } from "./missing";\nexport default nope;\n` });
    await assert.rejects(bundleCached(path.join(dir, "bad.ts")), /missing/);
    write(dir, "missing.ts", `export const nope = 5;\n`, 30);
    const b = await bundleCached(path.join(dir, "bad.ts"));
    assert.match(b.code, /nope = 5/);
  });
});
