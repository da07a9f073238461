// The extension's stand-in for esbuild (client/src/bundler/tsBundler.ts):
// every sample driver and scenario bundles, evaluates against the API's
// require, and maps its lines back; errors come out as esbuild shapes them.

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { buildSync } from "../src/bundler/tsBundler";

const root = path.resolve(__dirname, "../../..");
const samples = path.join(root, "samples");
const EXTERNAL = ["linux/*", "asm/*", "faultline/*"];

function tsFiles(): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(samples, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(samples, d.name))) if (f.endsWith(".ts")) out.push(path.join(samples, d.name, f));
  }
  return out;
}

function bundleOf(entry: string) {
  const r = buildSync({ entryPoints: [entry], outfile: entry + ".bundle.js", external: EXTERNAL, sourcemap: "external", write: false, metafile: true });
  const js = r.outputFiles.find((f) => f.path.endsWith(".js"))!;
  const map = r.outputFiles.find((f) => f.path.endsWith(".map"))!;
  return { r, code: js.text, map: new TraceMap(map.text) };
}

/** Evaluates a bundle as the host does (a function of require, module, exports), recording the headers it asks for. */
function evaluate(code: string): { exports: Record<string, unknown>; required: string[] } {
  const required: string[] = [];
  const proxy = (): unknown => new Proxy(function () { return 0; }, { get: (_t, k) => (k === "__esModule" ? false : proxy()), apply: () => 0, construct: () => ({}) });
  const req = (spec: string) => { required.push(spec); return proxy(); };
  const module = { exports: {} as Record<string, unknown> };
  // Only top-level definitions run: drivers call their API from functions the kernel invokes later.
  new Function("require", "module", "exports", code)(req, module, module.exports);
  return { exports: module.exports, required };
}

describe("client: the TypeScript bundler that stands in for esbuild", () => {
  const files = tsFiles();
  it("finds the samples", () => assert.ok(files.length > 20, `only ${files.length} sample files`));

  for (const file of files) {
    const rel = path.relative(root, file);
    it(`${rel}: bundles, keeps the API external, and maps each line back`, () => {
      const { r, code, map } = bundleOf(file);
      const inputs = Object.values(r.metafile.inputs);
      assert.equal(inputs.length, 1);
      const headers = inputs[0].imports.filter((i) => i.external).map((i) => i.path);
      assert.ok(headers.length > 0 && headers.every((h) => /^(linux|asm|faultline)\//.test(h)), `headers: ${headers}`);
      // Each generated line that calls a function maps to a source line that has that call.
      const src = fs.readFileSync(file, "utf8").split("\n");
      const gen = code.split("\n");
      let checked = 0;
      gen.forEach((line, i) => {
        const m = /\(0, [\w$]+\.([A-Za-z_]\w*)\)\(/.exec(line);
        if (!m) return;
        const pos = originalPositionFor(map, { line: i + 1, column: m.index });
        assert.ok(pos.line !== null, `${rel}: generated line ${i + 1} (${m[1]}) has no mapping`);
        const around = src.slice(Math.max(0, pos.line! - 3), pos.line! + 2).join("\n");
        assert.ok(around.includes(m[1]), `${rel}: ${m[1]} at generated line ${i + 1} maps to line ${pos.line}: ${src[pos.line! - 1]}`);
        checked++;
      });
      assert.ok(checked > 0, `${rel}: no API call checked`);
      const { required } = evaluate(code);
      // Type-only imports leave no require (as with esbuild); every require is a header the metafile named.
      for (const h of required) assert.ok(headers.includes(h), `${rel}: require("${h}") is not among the imports ${headers}`);
      assert.ok(required.length > 0);
    });
  }

  it("bundles the user's relative imports, once each, and maps both files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-bundle-"));
    fs.writeFileSync(path.join(dir, "util.ts"), `import { PAGE_SIZE } from "asm/page";\nexport const pages = (n: number): number => n * PAGE_SIZE;\nexport let loads = 0;\nloads++;\n`);
    fs.writeFileSync(path.join(dir, "other.ts"), `import { pages, loads } from "./util";\nexport const two = (): number => pages(2) + loads;\n`);
    fs.writeFileSync(path.join(dir, "main.ts"), `import { pages } from "./util";\nimport { two } from "./other.js";\n\nexport default function f(): number {\n  return pages(1) + two();\n}\n`);
    const { r, code, map } = bundleOf(path.join(dir, "main.ts"));
    assert.equal(Object.keys(r.metafile.inputs).length, 3);
    const req = (spec: string) => { assert.equal(spec, "asm/page"); return { PAGE_SIZE: 4096 }; };
    const module = { exports: {} as Record<string, unknown> };
    new Function("require", "module", "exports", code)(req, module, module.exports);
    assert.equal((module.exports.default as () => number)(), 4096 + 8192 + 1);
    const line = code.split("\n").findIndex((l) => l.includes("* asm_page_1.PAGE_SIZE") || /n \* [\w$]+\.PAGE_SIZE/.test(l));
    assert.ok(line >= 0, code);
    const pos = originalPositionFor(map, { line: line + 1, column: 0 });
    assert.ok(pos.source?.endsWith("util.ts") && pos.line === 2, JSON.stringify(pos));
  });

  it("reports what it cannot resolve as esbuild does: file, line, column and text", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-bundle-"));
    const f = path.join(dir, "bad.ts");
    fs.writeFileSync(f, `import { kmalloc } from "linux/slab";\nimport * as fs from "fs";\nimport { x } from "./missing";\nexport default () => kmalloc(1, 0) + x + fs.length;\n`);
    assert.throws(() => bundleOf(f), (e: { errors?: Array<{ text: string; location: { line: number; file: string } | null }> }) => {
      assert.deepEqual(e.errors?.map((m) => [m.text, m.location?.line]), [["Could not resolve \"fs\"", 2], ["Could not resolve \"./missing\"", 3]]);
      assert.ok(e.errors!.every((m) => path.resolve(m.location!.file) === f));
      return true;
    });
  });

  it("reports a syntax error at its line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-bundle-"));
    const f = path.join(dir, "syntax.ts");
    fs.writeFileSync(f, `import { kmalloc } from "linux/slab";\n\nexport default function () {\n  return kmalloc(1, ;\n}\n`);
    assert.throws(() => bundleOf(f), (e: { errors?: Array<{ location: { line: number } | null }> }) => e.errors?.[0]?.location?.line === 4);
  });
});
