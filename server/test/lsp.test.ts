// The language server over a real LSP connection (in-memory streams, a
// vscode-jsonrpc client): documents, pull and push diagnostics, code actions
// applied and re-analysed, code lenses, settings, cancellation, runtime
// findings, the workspace-wide check and bad requests. Findings come from
// the real analyses (analysis/); expectations are either a golden file or
// the analyses called directly on the same text.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { LSPErrorCodes, ErrorCodes, type Diagnostic, type DocumentDiagnosticReport } from "vscode-languageserver-protocol";
import { analyzeSource } from "../../analysis/src";
import { expectGolden } from "../../sim-core/test/golden";
import { Commands, RUN_SOURCE, RunFindingsNotification, StatusNotification } from "../src/protocol";
import { fileOfUri } from "../src/convert";
import {
  DOCS_BASE, PULL_CAPS, PUSH_CAPS, ROOT, SAMPLES, applyEdits, connect, fullItems, rejects, sampleFiles, uriOf, type Client,
} from "./harness";

const GOLDEN = path.resolve(__dirname, "../../../server/test/golden");

/** What the analyses say about a text, as `RULE@line:col` sorted, for comparing with a report. */
function expected(file: string, text: string): string[] {
  return analyzeSource(file, text).filter((f) => path.resolve(f.file) === path.resolve(file)).map((f) => `${f.rule}@${f.range.start.line}:${f.range.start.character}`).sort();
}
const keys = (ds: readonly Diagnostic[]) => ds.map((d) => `${String(d.code)}@${d.range.start.line}:${d.range.start.character}`).sort();

function describeDiagnostic(d: Diagnostic): string {
  const r = d.range;
  const related = (d.relatedInformation ?? []).map((x) => `\n    related ${path.relative(ROOT, fileOfUri(x.location.uri))}:${x.location.range.start.line + 1}: ${x.message}`).join("");
  const data = d.data as { fixes?: { title: string; preferred: boolean }[] } | undefined;
  const fixes = (data?.fixes ?? []).map((f) => `\n    fix${f.preferred ? " (preferred)" : ""}: ${f.title}`).join("");
  const tags = d.tags?.length ? ` tags=${d.tags.join(",")}` : "";
  return `  ${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${["", "error", "warning", "information", "hint"][d.severity ?? 1]} ${String(d.code)} ${d.source}${tags} <${d.codeDescription?.href ?? "no link"}>\n    ${d.message.replace(/\n/g, "\n    ")}${related}${fixes}`;
}

/** Single replace edit that turns `a` into `b` (common prefix and suffix kept), as an incremental change. */
function diffEdit(a: string, b: string) {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return { start: p, end: a.length - s, text: b.slice(p, b.length - s) };
}

describe("server: LSP over streams", function () {
  this.timeout(120_000);
  let c: Client;
  afterEach(() => c?.dispose());

  it("pulls the diagnostics of every sample (golden) and they are the analyses' findings", async () => {
    c = await connect();
    const out: string[] = [];
    for (const file of sampleFiles()) {
      const uri = c.open(file).uri;
      const items = fullItems(await c.pull(uri));
      assert.deepEqual(keys(items), expected(file, fs.readFileSync(file, "utf8")), `${file}: the report is not what the analyses found`);
      for (const d of items) {
        assert.equal(d.source, "faultline");
        assert.equal(d.codeDescription?.href, `${DOCS_BASE}docs/rules/${String(d.code)}.md`);
      }
      out.push(`${path.relative(ROOT, file)}: ${items.length} diagnostic(s)`, ...items.map(describeDiagnostic));
      c.close(uri);
    }
    expectGolden("../../../server/test/golden/samples.diagnostics.txt", out.join("\n") + "\n");
    assert.ok(fs.existsSync(path.join(GOLDEN, "samples.diagnostics.txt")));
  });

  it("answers unchanged for the previous result id, and a new report after an edit", async () => {
    c = await connect();
    const file = path.join(SAMPLES, "kmalloc_mmap", "kmalloc_mmap.ts");
    const uri = c.open(file).uri;
    const first = await c.pull(uri) as DocumentDiagnosticReport & { resultId: string };
    assert.ok(first.resultId);
    assert.deepEqual(await c.pull(uri, first.resultId), { kind: "unchanged", resultId: first.resultId });
    c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "// edited\n" }]);
    const second = await c.pull(uri, first.resultId);
    assert.equal(second.kind, "full");
  });

  it("incremental sync: turning each correct driver into its twin by an edit reports what the twin's text has", async () => {
    c = await connect();
    let twins = 0;
    for (const dir of fs.readdirSync(SAMPLES).filter((d) => fs.existsSync(path.join(SAMPLES, d, "sample.json")))) {
      const spec = JSON.parse(fs.readFileSync(path.join(SAMPLES, dir, "sample.json"), "utf8")) as { twins?: Record<string, string> };
      const base = path.join(SAMPLES, dir, `${dir}.ts`);
      for (const twin of Object.keys(spec.twins ?? {})) {
        const twinFile = path.join(SAMPLES, dir, `${twin}.ts`);
        const a = fs.readFileSync(base, "utf8"), b = fs.readFileSync(twinFile, "utf8");
        // Open the correct driver under the twin's name, so findings carry the twin's path.
        const doc = c.open(twinFile, a);
        const e = diffEdit(a, b);
        const next = c.change(doc.uri, [{ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, text: e.text }]);
        assert.equal(next.getText(), b);
        assert.deepEqual(keys(fullItems(await c.pull(doc.uri))), expected(twinFile, b), `${twin}: report after the edit`);
        c.close(doc.uri);
        twins++;
      }
    }
    assert.ok(twins >= 10, `only ${twins} twins`);
  });

  it("puts Run/Debug scenario lenses over module_init (renamed or through a namespace) and a scenario's default export", async () => {
    c = await connect();
    const drv = path.join(SAMPLES, "kmalloc_mmap", "kmalloc_mmap.ts");
    const text = fs.readFileSync(drv, "utf8");
    const initLine = text.split("\n").findIndex((l) => l.startsWith("module_init("));
    const lenses = await c.codeLenses(c.open(drv).uri);
    assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]), [
      [initLine, "Run scenario", Commands.runScenario, [uriOf(drv)]],
      [initLine, "Debug scenario", Commands.debugScenario, [uriOf(drv)]],
    ]);
    const scen = path.join(SAMPLES, "kmalloc_mmap", "scenario.ts");
    const sText = fs.readFileSync(scen, "utf8");
    const defLine = sText.split("\n").findIndex((l) => l.startsWith("export default"));
    const sl = await c.codeLenses(c.open(scen).uri);
    assert.deepEqual(sl.map((l) => [l.range.start.line, l.command?.command]), [[defLine, Commands.runScenario], [defLine, Commands.debugScenario]]);

    const renamed = c.open("/tmp/renamed/drv.ts", 'import { module_init as start } from "linux/module";\nimport * as mod from "linux/module";\nfunction f() { return 0; }\nstart(f);\nmod.module_init(f);\nexport default f;\n');
    assert.deepEqual((await c.codeLenses(renamed.uri)).map((l) => l.range.start.line), [3, 3, 4, 4], "a driver's default export is no scenario");
  });

  it("applies each quick fix and the disable action, and the re-analysed file no longer has that finding", async function () {
    c = await connect();
    let applied = 0, disabled = 0;
    const failures: string[] = [];
    for (const file of sampleFiles()) {
      const uri = c.open(file).uri;
      const items = fullItems(await c.pull(uri));
      c.close(uri);
      for (const d of items) {
        c.open(file);
        const actions = await c.codeActions(uri, [d]);
        const disable = actions.find((a) => a.title === `Disable ${String(d.code)} for this line`);
        assert.ok(disable, `${file}: no disable action for ${String(d.code)}`);
        const fixes = actions.filter((a) => a !== disable);
        assert.deepEqual(fixes.map((a) => a.title), ((d.data as { fixes: { title: string }[] }).fixes).map((f) => f.title));
        for (const action of [...fixes, disable]) {
          const doc = c.doc(uri);
          const edits = action.edit?.changes?.[uri];
          assert.ok(edits?.length, `${action.title}: no edit for the file`);
          const after = applyEdits(doc, edits);
          c.change(uri, [{ text: after }]);
          const still = fullItems(await c.pull(uri)).filter((x) => x.code === d.code);
          // The fix may move the line; what must be gone is the finding at the line the fix addressed (or below it, shifted).
          const shift = after.split("\n").length - doc.getText().split("\n").length;
          if (still.some((x) => x.range.start.line === d.range.start.line + shift || x.range.start.line === d.range.start.line)) {
            failures.push(`${path.basename(file)}: "${action.title}" left ${String(d.code)} at line ${d.range.start.line + 1}`);
          }
          assert.deepEqual(keys(fullItems(await c.pull(uri))), expected(file, after));
          c.change(uri, [{ text: doc.getText() }]);
          if (action === disable) disabled++; else applied++;
        }
        c.close(uri);
      }
    }
    if (disabled === 0) this.skip(); // the analyses found nothing in any sample
    assert.deepEqual(failures, [], `${failures.length} of ${applied + disabled} actions did not remove their finding`);
    assert.ok(applied > 0, "no finding in any sample has a quick fix");
  });

  it("settings: a rule off or at another severity, onType off; each change refreshes the diagnostics", async function () {
    c = await connect(PULL_CAPS, { settings: {} });
    // A sample with a finding, to switch its rule.
    let target: { uri: string; d: Diagnostic } | undefined;
    for (const file of sampleFiles()) {
      const uri = c.open(file).uri;
      const items = fullItems(await c.pull(uri));
      if (items.length) { target = { uri, d: items[0] }; break; }
      c.close(uri);
    }
    if (!target) this.skip();
    const { uri, d } = target!;
    const rule = String(d.code);
    const refreshes = c.refreshes;
    c.settings = { rules: { [rule]: "hint" } };
    await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await new Promise<void>((r) => { const t = setInterval(() => { if (c.refreshes > refreshes) { clearInterval(t); r(); } }, 5); });
    const hinted = fullItems(await c.pull(uri)).filter((x) => x.code === rule);
    assert.ok(hinted.length && hinted.every((x) => x.severity === 4), "the rule's severity is hint");

    c.settings = { rules: { [rule]: "off" } };
    await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await new Promise<void>((r) => { const t = setInterval(() => { if (c.refreshes > refreshes + 1) { clearInterval(t); r(); } }, 5); });
    assert.equal(fullItems(await c.pull(uri)).filter((x) => x.code === rule).length, 0, "the rule is off");
  });

  it("settings: with check.onType off, edits keep the last report until the file is saved", async () => {
    c = await connect(PULL_CAPS, { settings: { check: { onType: false } } });
    const file = path.join(SAMPLES, "simple", "simple.ts");
    const uri = c.open(file).uri;
    await c.quiescent();
    const first = await c.pull(uri) as { resultId: string };
    c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "// x\n" }]);
    assert.deepEqual(await c.pull(uri, first.resultId), { kind: "unchanged", resultId: first.resultId });
    const before = c.refreshes;
    c.save(uri);
    await new Promise<void>((r) => { const t = setInterval(() => { if (c.refreshes > before) { clearInterval(t); r(); } }, 5); });
    const after = await c.pull(uri, first.resultId) as { kind: string; resultId: string };
    assert.equal(after.kind, "full");
    assert.notEqual(after.resultId, first.resultId);
  });

  it("cancellation: a cancelled pull, or one overtaken by an edit, answers ServerCancelled with retriggerRequest; the next one works", async () => {
    c = await connect();
    const file = path.join(SAMPLES, "nic_rx", "nic_rx.ts");
    const uri = c.open(file).uri;
    // The request and its $/cancelRequest in one chunk, as a server busy with a long check finds them.
    const [r] = await c.raw([
      { id: "pull-1", method: "textDocument/diagnostic", params: { textDocument: { uri } } },
      { method: "$/cancelRequest", params: { id: "pull-1" } },
    ]);
    assert.equal(r.error?.code, LSPErrorCodes.ServerCancelled);
    assert.deepEqual(r.error?.data, { retriggerRequest: true });

    // A pull, then an edit that makes its answer stale, read together.
    const text = fs.readFileSync(file, "utf8");
    const [r2] = await c.raw([
      { id: "pull-2", method: "textDocument/diagnostic", params: { textDocument: { uri } } },
      { method: "textDocument/didChange", params: { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: " " }] } },
    ]);
    assert.equal(r2.error?.code, LSPErrorCodes.ServerCancelled);
    assert.deepEqual(r2.error?.data, { retriggerRequest: true });
    // The retriggered pull answers for the new text.
    assert.deepEqual(keys(fullItems(await c.pull(uri))), expected(file, " " + text));
  });

  it("malformed requests get error responses and the server stays up", async () => {
    c = await connect();
    assert.equal((await rejects(c.rpc.sendRequest("textDocument/diagnostic", {}))).code, ErrorCodes.InvalidParams);
    assert.equal((await rejects(c.rpc.sendRequest("textDocument/diagnostic", { textDocument: { uri: 17 } }))).code, ErrorCodes.InvalidParams);
    assert.equal((await rejects(c.rpc.sendRequest("textDocument/codeAction", { textDocument: { uri: "file:///x.ts" } }))).code, ErrorCodes.InvalidParams);
    assert.equal((await rejects(c.rpc.sendRequest("textDocument/codeLens", null))).code, ErrorCodes.InvalidParams);
    assert.equal((await rejects(c.rpc.sendRequest("workspace/executeCommand", { command: "no.such" }))).code, ErrorCodes.InvalidParams);
    await rejects(c.rpc.sendRequest("faultline/noSuchRequest", {}));
    await c.rpc.sendNotification(RunFindingsNotification.method, { findings: "nope" });
    await c.rpc.sendNotification(RunFindingsNotification.method, { findings: [null, { uri: 3 }, { uri: "file:///a.ts", rule: "DMA001", message: "m" }] });
    await c.rpc.sendNotification("textDocument/didChange", { textDocument: { uri: "file:///never-opened.ts", version: 2 }, contentChanges: [{ text: "x" }] });
    // Still answering:
    const file = path.join(SAMPLES, "simple", "simple.ts");
    const uri = c.open(file).uri;
    assert.deepEqual(keys(fullItems(await c.pull(uri))), expected(file, fs.readFileSync(file, "utf8")));
    assert.deepEqual(fullItems(await c.pull("file:///not/open.ts")), []);
  });

  it("a throw in the analyses is an empty report and faultline/status health error, and the server recovers", async () => {
    const crashing: typeof analyzeSource = (f, t, o, s) => { if (t.includes("CRASH_THE_ANALYSIS")) throw new Error("boom"); return analyzeSource(f, t, o, s); };
    c = await connect(PULL_CAPS, { analyze: crashing });
    const file = path.join(SAMPLES, "dma_map_single", "dma_map_single_nocheck.ts");
    const text = fs.readFileSync(file, "utf8");
    const uri = c.open(file, text + "\n// CRASH_THE_ANALYSIS\n").uri;
    const n = c.statuses.length;
    assert.deepEqual(fullItems(await c.pull(uri)), []);
    const bad = c.statuses.slice(n).find((s) => s.health === "error");
    assert.ok(bad, "no error status");
    assert.match(bad.message ?? "", /dma_map_single_nocheck\.ts failed: boom/);
    assert.ok(c.logs.some((l) => l.includes("boom")), "the throw is logged");
    const m = c.statuses.length;
    c.change(uri, [{ text }]);
    assert.deepEqual(keys(fullItems(await c.pull(uri))), expected(file, text));
    await c.quiescent(m);
    assert.equal(c.statuses.at(-1)?.health, "ok");
  });

  it("pushes diagnostics (with the document version) to a client that cannot pull; on save only when onType is off", async () => {
    c = await connect(PUSH_CAPS);
    const file = path.join(SAMPLES, "edu_dma", "edu_dma_nosync.ts");
    const text = fs.readFileSync(file, "utf8");
    const uri = c.open(file).uri;
    const p1 = await c.nextPublish(uri, (p) => p.version === 1, 0);
    assert.deepEqual(keys(p1.diagnostics), expected(file, text));
    c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "\n" }]);
    const p2 = await c.nextPublish(uri, (p) => p.version === 2, 0);
    assert.deepEqual(keys(p2.diagnostics), expected(file, "\n" + text));
    await c.quiescent();

    c.settings = { check: { onType: false } };
    await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await c.quiescent(c.statuses.length);
    const since = c.published.length;
    c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, text: "" }]);
    c.save(uri);
    const p3 = await c.nextPublish(uri, () => true, since);
    assert.equal(p3.version, 3, "published only after the save, for the saved version");
  });

  it("runtime findings: published for their files with source 'faultline (run)' until the file changes", async () => {
    c = await connect();
    const file = path.join(SAMPLES, "nic_rx", "nic_rx_peek.ts");
    const uri = c.open(file).uri;
    const other = uriOf(path.join(SAMPLES, "nic_rx", "nic_rx.ts"));
    const range = { start: { line: 5, character: 0 }, end: { line: 5, character: 10 } };
    await c.rpc.sendNotification(RunFindingsNotification.method, { findings: [
      { rule: "DMA001", message: "CPU read of a device-owned buffer", uri, range, report: ["DMA-API: nic_rx 0000:00:03.0: ..."] },
      { rule: "MEM002", message: "use after free", uri: other, range, severity: "warning" },
    ] });
    const mine = await c.nextPublish(uri, (p) => p.diagnostics.length === 1, 0);
    assert.equal(mine.diagnostics[0].source, RUN_SOURCE);
    assert.equal(mine.diagnostics[0].code, "DMA001");
    assert.equal(mine.diagnostics[0].codeDescription?.href, `${DOCS_BASE}docs/rules/DMA001.md`);
    assert.equal((await c.nextPublish(other, () => true, 0)).diagnostics[0].severity, 2);
    // Pulled static diagnostics never carry them.
    assert.ok(fullItems(await c.pull(uri)).every((d) => d.source === "faultline"));
    const since = c.published.length;
    c.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: " " }]);
    assert.deepEqual((await c.nextPublish(uri, () => true, since)).diagnostics, []);
    // A new run replaces the old one: the other file's finding goes.
    await c.rpc.sendNotification(RunFindingsNotification.method, { findings: [] });
    assert.deepEqual((await c.nextPublish(other, () => true, since)).diagnostics, []);
  });

  it("checks the workspace with work-done progress: workspace diagnostics and the checkWorkspace command", async () => {
    c = await connect(PULL_CAPS, { folders: [SAMPLES] });
    const drivers = sampleFiles().filter((f) => /from\s*["'](?:linux|asm)\//.test(fs.readFileSync(f, "utf8")));
    const report = await c.rpc.sendRequest("workspace/diagnostic", { previousResultIds: [], workDoneToken: "wd-1" }) as { items: { uri: string; kind: string; resultId: string; items: Diagnostic[] }[] };
    assert.deepEqual(report.items.map((i) => i.uri).sort(), drivers.map(uriOf).sort());
    for (const it of report.items) assert.deepEqual(keys(it.items), expected(fileOfUri(it.uri), fs.readFileSync(fileOfUri(it.uri), "utf8")));
    const kinds = c.progress.filter((p) => p.token === "wd-1").map((p) => p.value.kind);
    assert.equal(kinds[0], "begin");
    assert.equal(kinds.at(-1), "end");
    assert.ok(kinds.filter((k) => k === "report").length >= drivers.length);

    const again = await c.rpc.sendRequest("workspace/diagnostic", { previousResultIds: report.items.map((i) => ({ uri: i.uri, value: i.resultId })) }) as { items: { kind: string }[] };
    assert.ok(again.items.every((i) => i.kind === "unchanged"), "nothing changed, so nothing is re-sent");

    const n = c.progress.length;
    const r = await c.rpc.sendRequest("workspace/executeCommand", { command: Commands.checkWorkspace }) as { files: number; findings: number; cancelled: boolean };
    assert.equal(r.files, drivers.length);
    assert.equal(r.cancelled, false);
    assert.equal(r.findings, report.items.reduce((s, i) => s + i.items.length, 0));
    assert.ok(c.progress.slice(n).some((p) => p.value.kind === "end"));
    assert.equal(c.statuses.at(-1)?.quiescent, true);
    void StatusNotification;
  });
});
