// dist/types/faultline.d.ts, the driver API's typings in one ambient file:
// a driver in a folder of its own, with that file as the only other root of
// the program (no tsconfig, no paths, no @types), type-checks when correct and
// gets the compiler's real errors when not. The file is built here when it is
// missing or older than sim-core's sources, so a fresh clone passes.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { DRIVER_MODULES } from "../../sim-core/src";

const ROOT = path.resolve(__dirname, "../../..");
const TYPES = path.join(ROOT, "dist", "types", "faultline.d.ts");
const SCRIPT = path.join(ROOT, "scripts", "build-types.mjs");

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function typesAreStale(): boolean {
  if (!fs.existsSync(TYPES)) return true;
  const built = fs.statSync(TYPES).mtimeMs;
  return built < Math.max(newestSource(path.join(ROOT, "sim-core", "src")), fs.statSync(SCRIPT).mtimeMs);
}

/** The diagnostics of a program of the given files plus faultline.d.ts, as `file:line: message`. */
function check(dir: string, files: string[], extra: ts.CompilerOptions = {}): string[] {
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10, types: [], ...extra,
  };
  const program = ts.createProgram([...files.map((f) => path.join(dir, f)), TYPES], options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(dir, d.file.fileName)}:${line + 1}: ${text}`;
  });
}

const GOOD_DRIVER = `
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { kfree, kmalloc } from "linux/slab";
import { GFP_KERNEL } from "linux/gfp";
import { KERN_INFO, printk, pr_err } from "linux/printk";
import { PCI_DEVICE, pci_enable_device, pci_disable_device, pci_register_driver, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver } from "linux/pci";
import { DMA_BIT_MASK, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask, dma_unmap_single } from "linux/dma-mapping";
import { register_chrdev, unregister_chrdev, type file, type file_operations } from "linux/fs";

MODULE_LICENSE("GPL");
let major = 0;
let buf = 0;

function demo_open(_filp: file): number { return 0; }
const fops: file_operations = { owner: THIS_MODULE, open: (_inode, filp) => demo_open(filp) };

function demo_probe(pdev: pci_dev, _id: pci_device_id): number {
  const err = pci_enable_device(pdev) || dma_set_mask(pdev.dev, DMA_BIT_MASK(32));
  if (err) return err;
  const handle: number = dma_map_single(pdev.dev, buf, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(pdev.dev, handle)) { pr_err("demo: mapping failed\\n"); return -12; }
  dma_unmap_single(pdev.dev, handle, 64, DMA_TO_DEVICE);
  return 0;
}

const drv: pci_driver = { name: "demo", id_table: [PCI_DEVICE(0x1234, 0x11e8)], probe: demo_probe, remove: (pdev) => pci_disable_device(pdev) };

module_init((): number => {
  buf = kmalloc(64, GFP_KERNEL);
  if (!buf) return -12;
  major = register_chrdev(0, "demo", fops);
  printk(KERN_INFO + "demo: major %d\\n", major);
  return pci_register_driver(drv);
});

module_exit(() => {
  pci_unregister_driver(drv);
  unregister_chrdev(major, "demo");
  kfree(buf);
});
`;

const GOOD_SCENARIO = `
import { expect, major_of, printf, spawn, O_RDWR } from "faultline/user";

export default function scenario(): void {
  const major: number = major_of("demo");
  expect(major > 0, "demo registered a major");
  const p = spawn("demo-test");
  const fd = p.open("/dev/demo", O_RDWR);
  printf("fd %d\\n", fd);
  p.close(fd);
}
`;

/** Each line a mistake: the type error, the misspelt export, the missing argument. */
const BAD_DRIVER = `
import { kmalloc, kfreee } from "linux/slab";
import { GFP_KERNEL } from "linux/gfp";
import { module_init } from "linux/module";

const a = kmalloc("x", GFP_KERNEL);
const b = kmalloc(16);
module_init(() => { kfreee(a + b); });
`;

describe("driver typings (dist/types/faultline.d.ts)", function () {
  let dir = "";

  before(function () {
    this.timeout(120_000);
    if (typesAreStale()) execFileSync(process.execPath, [SCRIPT], { cwd: ROOT, stdio: "pipe" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-types-"));
  });

  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is one ambient file declaring every header of DRIVER_MODULES", function () {
    const text = fs.readFileSync(TYPES, "utf8");
    const declared = new Set([...text.matchAll(/^declare module "([^"]+)" \{$/gm)].map((m) => m[1]));
    for (const m of DRIVER_MODULES) assert.ok(declared.has(m), `no declare module "${m}"`);
    for (const m of declared) assert.ok((DRIVER_MODULES as readonly string[]).includes(m) || m.startsWith("faultline:internal/"), `stray module ${m}`);
    assert.doesNotMatch(text, /^\s*import .* from "\.{1,2}\//m, "a relative import survived");
    assert.doesNotMatch(text, /import\("\.{1,2}\//, "a relative import() type survived");
  });

  it("compiles on its own, strict, with no @types", function () {
    this.timeout(60_000);
    assert.deepEqual(check(dir, []), []);
  });

  it("type-checks a correct driver and scenario with nothing else in the program", function () {
    this.timeout(60_000);
    fs.writeFileSync(path.join(dir, "demo.ts"), GOOD_DRIVER);
    fs.writeFileSync(path.join(dir, "scenario.ts"), GOOD_SCENARIO);
    assert.deepEqual(check(dir, ["demo.ts", "scenario.ts"]), []);
  });

  it("reports a driver's misuse of the API as the compiler's own errors", function () {
    this.timeout(60_000);
    fs.writeFileSync(path.join(dir, "bad.ts"), BAD_DRIVER);
    const diags = check(dir, ["bad.ts"]);
    const expected: Array<[number, RegExp]> = [
      [2, /'"linux\/slab"' has no exported member named 'kfreee'\. Did you mean 'kfree'\?/],
      [6, /Argument of type 'string' is not assignable to parameter of type 'number'/],
      [7, /Expected 2 arguments, but got 1/],
      [8, /Type 'void' is not assignable to type 'number'/],
    ];
    for (const [line, re] of expected) {
      assert.ok(diags.some((d) => d.startsWith(`bad.ts:${line}: `) && re.test(d)), `no ${re} at line ${line} in:\n${diags.join("\n")}`);
    }
    assert.equal(diags.length, expected.length, diags.join("\n"));
  });

  it("type-checks a real sample (simple) copied out of the repository, alone and by a triple-slash reference", function () {
    this.timeout(60_000);
    const sample = path.join(dir, "simple");
    fs.mkdirSync(sample);
    for (const f of ["simple.ts", "scenario.ts"]) fs.copyFileSync(path.join(ROOT, "samples", "simple", f), path.join(sample, f));
    assert.deepEqual(check(sample, ["simple.ts", "scenario.ts"]), []);

    // As an editor would: the driver names the file itself and is the program's only root.
    const src = fs.readFileSync(path.join(sample, "simple.ts"), "utf8");
    fs.writeFileSync(path.join(sample, "referenced.ts"), `/// <reference path=${JSON.stringify(TYPES.replace(/\\/g, "/"))} />\n${src}`);
    const program = ts.createProgram([path.join(sample, "referenced.ts")], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2020, types: [] });
    assert.deepEqual(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
  });
});
