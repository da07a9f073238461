// Thousands of random edits, deletions and truncations of the samples sent
// to one server as incremental changes, with pulls, code actions and code
// lenses in between (some pipelined behind the edit that makes them stale):
// the server answers every request, a full report or ServerCancelled, never
// an internal error, and its last report is what the analyses say about the
// text the client holds. FUZZ_RUNS=n runs more.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { LSPErrorCodes, ResponseError, type Diagnostic, type DocumentDiagnosticReport } from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { analyzeSource } from "../../analysis/src";
import { connect, sampleFiles, type Client } from "./harness";

type Op =
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; len: number }
  | { kind: "replace"; at: number; len: number; text: string }
  | { kind: "truncate"; at: number }
  | { kind: "full"; keep: number };

const TOKENS = ["{", "}", "(", ")", ";", "\n", "\"", "'", "`", "/*", "*/", "//", " ", "dma_map_single(", "dma_unmap_single(", "kfree(", "return -EINVAL;", "vma.vm_pgoff", "remap_pfn_range(", "import { x } from \"linux/mm\";\n", "module_init(", "export default ", "\u00e9", "\ud83d\ude00", "\r\n", "\t", "x", "0x"];
const textArb = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 })), { maxLength: 8 }).map((a) => a.join(""));
const frac = fc.double({ min: 0, max: 1, noNaN: true });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: frac, text: textArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: frac, len: fc.nat({ max: 400 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("replace" as const), at: frac, len: fc.nat({ max: 60 }), text: textArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: frac }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("full" as const), keep: frac }) },
);
// Analyses cost far more than edits: most edits are followed by nothing, as when typing.
const stepArb = fc.record({ op: opArb, then: fc.oneof({ weight: 12, arbitrary: fc.constant("nothing") }, fc.constantFrom("pull", "pipelined-pull", "actions", "lenses")) });

const keys = (ds: readonly Diagnostic[]) => ds.map((d) => `${String(d.code)}@${d.range.start.line}:${d.range.start.character}`).sort();

describe("server: fuzz", function () {
  this.timeout(600_000);
  let c: Client;
  after(() => c?.dispose());

  it("answers every request through thousands of random edits of the samples", async () => {
    c = await connect();
    const samples = sampleFiles().map((f) => ({ file: f, text: fs.readFileSync(f, "utf8") }));
    let edits = 0, requests = 0, cancelled = 0, rawId = 0;
    const runs = Number(process.env.FUZZ_RUNS ?? 80);

    const answered = async (p: Promise<unknown>) => {
      requests++;
      try { return await p; } catch (e) {
        assert.ok(e instanceof ResponseError, `not a response error: ${String(e)}`);
        assert.equal(e.code, LSPErrorCodes.ServerCancelled, `request failed: ${e.code} ${e.message}`);
        cancelled++;
        return undefined;
      }
    };

    await fc.assert(fc.asyncProperty(fc.nat({ max: samples.length - 1 }), fc.array(stepArb, { minLength: 15, maxLength: 45 }), async (which, steps) => {
      const { file, text } = samples[which];
      const doc0 = c.open(file, text);
      const uri = doc0.uri;
      try {
        for (const { op, then } of steps) {
          const doc = c.doc(uri);
          const len = doc.getText().length;
          const at = Math.floor(op.kind === "full" ? 0 : op.at * len);
          const pos = (o: number) => doc.positionAt(Math.min(len, o));
          const change = op.kind === "insert" ? { range: { start: pos(at), end: pos(at) }, text: op.text }
            : op.kind === "delete" ? { range: { start: pos(at), end: pos(at + op.len) }, text: "" }
            : op.kind === "replace" ? { range: { start: pos(at), end: pos(at + op.len) }, text: op.text }
            : op.kind === "truncate" ? { range: { start: pos(at), end: pos(len) }, text: "" }
            : { text: doc.getText().slice(0, Math.floor(op.keep * len)) };
          if (then === "pipelined-pull") {
            // The pull is read together with the edit after it: it must be answered, normally or ServerCancelled.
            const id = `fz-${++rawId}`;
            const next = c.doc(uri).version + 1;
            const [r] = await c.raw([
              { id, method: "textDocument/diagnostic", params: { textDocument: { uri } } },
              { method: "textDocument/didChange", params: { textDocument: { uri, version: next }, contentChanges: [change] } },
            ]);
            requests++;
            if (r.error) { assert.equal(r.error.code, LSPErrorCodes.ServerCancelled, r.error.message); cancelled++; }
            // Keep the client's copy in step with what was sent raw.
            c.close(uri);
            c.open(file, TextDocument.update(doc, [change], next).getText(), next + 1);
          } else {
            c.change(uri, [change]);
          }
          edits++;
          if (then === "pull") await answered(c.pull(uri));
          else if (then === "actions") {
            const d = c.doc(uri);
            const line = Math.min(d.lineCount - 1, Math.floor(op.kind === "full" ? 0 : op.at * d.lineCount));
            await answered(c.codeActions(uri, [{ range: { start: { line, character: 0 }, end: { line, character: 1 } }, code: "DMA001", source: "faultline", message: "m", data: { version: -1, fixes: [] } }]));
          } else if (then === "lenses") await answered(c.codeLenses(uri));
        }
        const final = c.doc(uri).getText();
        const report = await answered(c.pull(uri)) as DocumentDiagnosticReport | undefined;
        assert.ok(report && report.kind === "full", "the last pull, with nothing after it, is a full report");
        let want: string[];
        try { want = keys(analyzeSource(file, final).filter((f) => path.resolve(f.file) === path.resolve(file)).map((f) => ({ code: f.rule, range: f.range } as unknown as Diagnostic))); }
        catch { want = []; } // an analysis that throws is an empty report (and a status), tested in lsp.test.ts
        assert.deepEqual(keys((report as { items: Diagnostic[] }).items), want);
      } finally {
        c.close(uri);
      }
    }), { numRuns: runs, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined });

    // The server is still up and answering.
    const probe = c.open(samples[0].file, samples[0].text);
    assert.equal((await c.pull(probe.uri)).kind, "full");
    assert.ok(edits >= 1000, `only ${edits} edits`);
    console.log(`      ${edits} edits, ${requests} requests answered (${cancelled} ServerCancelled) over ${runs} runs`);
  });
});
