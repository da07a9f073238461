// A name a header lacks is a build error, in the source's own line, with the
// nearest name the header has (or the header that has it), as a C compiler's
// "did you mean" would say; nothing is left to oops at run time.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BundleError, bundle } from "../src/bundle";
import { nearest } from "../src/api-imports";

function driver(src: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-imports-"));
  const file = path.join(dir, "drv.ts");
  fs.writeFileSync(file, src);
  return file;
}

function bundleError(file: string): string {
  try {
    bundle(file);
  } catch (e) {
    assert.ok(e instanceof BundleError, String(e));
    return e.message;
  }
  assert.fail("bundled without an error");
}

describe("imports of names the API lacks", () => {
  it("names the header, the name, the nearest name and the line", () => {
    const file = driver([
      'import { kfree, kvmaloc } from "linux/slab";',
      "",
      "export function f(): void {",
      "  const p = kvmaloc(64, 0);",
      "  kfree(p);",
      "}",
      "",
    ].join("\n"));
    const msg = bundleError(file);
    assert.match(msg, /drv\.ts:4:13: error: `linux\/slab` has no `kvmaloc`; did you mean `kvmalloc`\?$/);
  });

  it("says which header has a name imported from the wrong one, through a namespace import too", () => {
    const file = driver('import * as slab from "linux/slab";\nexport const v = () => slab.vmalloc(10);\n');
    assert.match(bundleError(file), /drv\.ts:2:29: error: `linux\/slab` has no `vmalloc`; it is declared in `linux\/vmalloc`$/);
  });

  it("reports every missing name once, and nothing for names that exist", () => {
    const file = driver([
      'import { kmalloc, kzallocc, GFP_KERNL } from "linux/slab";',
      "export const a = () => kmalloc(1, 0) + kzallocc(1, 0) + kzallocc(2, 0) + GFP_KERNL;",
    ].join("\n"));
    const lines = bundleError(file).split("\n");
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0], /`linux\/slab` has no `kzallocc`; did you mean `kzalloc`\?/);
    assert.match(lines[1], /`linux\/slab` has no `GFP_KERNL`; did you mean `GFP_KERNEL` from `linux\/gfp`\?/);
  });

  it("bundles a driver whose imports all exist", () => {
    const file = driver('import { kmalloc, kfree } from "linux/slab";\nimport type { file } from "linux/fs";\nexport const f = (_f: file) => kfree(kmalloc(8, 0));\n');
    assert.ok(bundle(file).code.includes("import_slab.kmalloc"));
  });

  it("suggests only names close enough to be a slip", () => {
    assert.equal(nearest("kvmaloc", ["kvmalloc", "kmalloc", "vmalloc"]), "kvmalloc");
    assert.equal(nearest("mutex_unlcok", ["mutex_unlock", "mutex_lock"]), "mutex_unlock");
    assert.equal(nearest("frobnicate", ["kmalloc", "kfree"]), undefined);
  });
});
