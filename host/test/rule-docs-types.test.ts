// Every code example in the rule docs (sim-core/src/rules/catalogue.ts)
// type-checks against the driver API's typings (dist/types/faultline.d.ts):
// a fix the docs recommend must be something a driver can write. Each
// example is checked as the body of a function, with every name the API
// headers export in scope and the few names the examples assume from the
// surrounding driver (its private struct, its buffer, its device) declared
// below. A kernel function the API lacks shows as "Cannot find name".

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { RULES } from "../../sim-core/src/rules/catalogue";

const ROOT = path.resolve(__dirname, "../../..");
const TYPES = path.join(ROOT, "dist", "types", "faultline.d.ts");
const SCRIPT = path.join(ROOT, "scripts", "build-types.mjs");

/**
 * What the examples take from the driver around them: its state and its own
 * helpers. Only such names belong here — never a kernel function, which
 * must come from the API.
 */
const DRIVER_CONTEXT = `
type MyPriv = any; type mydev = any; type scull_dev = any; type __user_ptr = number;
declare const NULL: 0;  // C's NULL: a null pointer is 0 here
// The driver's state, arguments and locals the fragments refer to.
declare const priv: any, dev: any, pdev: any, vma: any, vmf: any, filp: any, sg: any, sgl: any, table: any, page: any, pages: any, desc: any;
declare const buf: number, len: number, size: number, count: number, nents: number, handle: number, dma: number, dma_handle: number, user_buf: number;
declare const n: number, off: number, offset: number, order: number, npages: number, pfn: number, irq: number, uaddr: number, is_write: boolean;
declare const src: number, dst: number, rx_buf: Uint8Array, rx_dma: number, res: { start: number; end: number };
declare const src_page: any, dst_page: any, ring_dma: any, desc_dma: any;
// The driver's register offsets and sizes.
declare const EV_LEN: number, BUF_SIZE: number, BUF_LEN: number, RING_SIZE: number, RING_BYTES: number, HDR_LEN: number, CMD_LEN: number;
declare const STATUS: number, CTRL: number, CTRL_GO: number, RX_ENABLE: number;
// The driver's own helpers.
declare function queue_event(priv: any, ev: number): void;
declare function mydev_free_buffer(ref: any): void;
declare function simple_vma_open(vma: any): void;
declare function my_irq(irq: number, dev_id: any): number;
declare function start_rx(dev: any, dma: number, len: number): void;
declare function update_descriptor(buf: number): void;
declare function patch_header(buf: number): void;
declare function fill_command(cmd: number): void;
declare function program_descriptors(dev: any, sgl: any, count: number): void;
declare const simple_remap_vm_ops: any;
`;

/** Every value and type each API header exports, imported once by name (the first header that has it wins). */
function apiPrelude(): string {
  const program = ts.createProgram([TYPES], { noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const mod of checker.getAmbientModules()) {
    const name = mod.getName().replace(/^"|"$/g, "");
    if (!/^(linux|asm|faultline)\//.test(name) || name === "faultline/user") continue;
    const names = checker.getExportsOfModule(mod).map((s) => s.getName()).filter((n) => n !== "default" && !seen.has(n));
    names.forEach((n) => seen.add(n));
    if (names.length) lines.push(`import { ${names.join(", ")} } from "${name}";`);
  }
  return lines.join("\n");
}

function examples(): Array<{ rule: string; code: string }> {
  const out: Array<{ rule: string; code: string }> = [];
  for (const r of RULES) {
    for (const m of r.docs.matchAll(/```ts\n([\s\S]*?)```/g)) out.push({ rule: r.id, code: m[1] });
  }
  return out;
}

describe("rule docs: code examples type-check against the driver API", function () {
  this.timeout(120_000);
  let diags: Map<string, string[]>;

  before(function () {
    if (!fs.existsSync(TYPES) || fs.statSync(TYPES).mtimeMs < fs.statSync(path.join(ROOT, "sim-core", "src", "index.ts")).mtimeMs) {
      execFileSync(process.execPath, [SCRIPT], { cwd: ROOT, stdio: "pipe" });
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-ruledocs-"));
    const prelude = apiPrelude() + "\n" + DRIVER_CONTEXT;
    const files: string[] = [];
    for (const [i, ex] of examples().entries()) {
      const f = path.join(dir, `${ex.rule}_${i}.ts`);
      // A block is a fragment of a driver: function declarations and statements, some ending in `return`.
      fs.writeFileSync(f, `${prelude}\nexport function __example_${i}(): any {\n${ex.code}}\n`);
      files.push(f);
    }
    const program = ts.createProgram([...files, TYPES], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10, types: [], noUnusedLocals: false, allowUnreachableCode: true,
    });
    diags = new Map();
    for (const d of ts.getPreEmitDiagnostics(program)) {
      if (!d.file || d.start === undefined) continue;
      const rule = path.basename(d.file.fileName).replace(/_\d+\.ts$/, "");
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const src = d.file.text.split("\n")[line]?.trim() ?? "";
      const l = diags.get(rule) ?? [];
      l.push(`${ts.flattenDiagnosticMessageText(d.messageText, " ")}  [${src}]`);
      diags.set(rule, l);
    }
  });

  it("finds the examples (one or more per rule that has any)", () => {
    assert.ok(examples().length >= 40, `only ${examples().length} examples found`);
  });

  for (const r of RULES) {
    if (!/```ts\n/.test(r.docs)) continue;
    it(`${r.id}'s examples`, () => {
      assert.deepEqual(diags.get(r.id) ?? [], []);
    });
  }
});
