// The pure parts of the server: finding → diagnostic, settings, the
// suppression comment edit. Over the protocol, see lsp.test.ts.

import { strict as assert } from "node:assert";
import { TextDocument } from "vscode-languageserver-textdocument";
import { DiagnosticSeverity, DiagnosticTag } from "vscode-languageserver-protocol";
import type { StaticFinding } from "../../analysis/src";
import { disableEdit, disabledRules, codeActionsFor } from "../src/actions";
import { fileOfUri, ruleHref, runFindingToDiagnostic, toDiagnostic, uriOfFile } from "../src/convert";
import { END_OF_LINE, RUN_SOURCE, STATIC_SOURCE, toRunFinding } from "../src/protocol";
import { parseSettings } from "../src/settings";

const finding = (over: Partial<StaticFinding> = {}): StaticFinding => ({
  rule: "DMA001", file: "/w/drv/nic.ts",
  range: { start: { line: 10, character: 2 }, end: { line: 10, character: 20 } },
  message: "CPU write of a buffer the device owns", severity: "warning",
  related: [{ file: "/w/drv/nic.ts", range: { start: { line: 4, character: 2 }, end: { line: 4, character: 30 } }, message: "mapped for the device here" }],
  fixes: [{ title: "Sync for the CPU first", file: "/w/drv/nic.ts", edits: [{ range: { start: { line: 10, character: 0 }, end: { line: 10, character: 0 } }, newText: "  dma_sync_single_for_cpu(dev, h, n, DMA_FROM_DEVICE);\n" }], preferred: true }],
  ...over,
});

describe("server: convert", () => {
  it("maps a finding to a diagnostic with code, doc link, source, related places and fixes", () => {
    const d = toDiagnostic(finding(), 7, "https://example.org/faultline/");
    assert.equal(d.code, "DMA001");
    assert.equal(d.source, STATIC_SOURCE);
    assert.equal(d.severity, DiagnosticSeverity.Warning);
    assert.equal(d.codeDescription?.href, "https://example.org/faultline/docs/rules/DMA001.md");
    assert.deepEqual(d.range, { start: { line: 10, character: 2 }, end: { line: 10, character: 20 } });
    assert.deepEqual(d.relatedInformation, [{ location: { uri: "file:///w/drv/nic.ts", range: { start: { line: 4, character: 2 }, end: { line: 4, character: 30 } } }, message: "mapped for the device here" }]);
    assert.equal(d.tags, undefined);
    const data = d.data as { version: number; fixes: { uri: string; preferred: boolean; edits: unknown[] }[] };
    assert.equal(data.version, 7);
    assert.equal(data.fixes[0].uri, "file:///w/drv/nic.ts");
    assert.equal(data.fixes[0].preferred, true);
  });

  it("tags unnecessary and deprecated code, each once", () => {
    const d = toDiagnostic(finding({ rule: "PG008", tags: ["unnecessary", "deprecated", "unnecessary"], severity: "hint" }), 1, "file:///ext/");
    assert.deepEqual(d.tags, [DiagnosticTag.Unnecessary, DiagnosticTag.Deprecated]);
    assert.equal(d.severity, DiagnosticSeverity.Hint);
    assert.equal(d.codeDescription?.href, "file:///ext/docs/rules/PG008.md");
  });

  it("turns paths into URIs and back, keeping non-file URIs", () => {
    assert.equal(uriOfFile("/a b/c.ts"), "file:///a%20b/c.ts");
    assert.equal(uriOfFile("untitled:Untitled-1"), "untitled:Untitled-1");
    assert.equal(fileOfUri("file:///a%20b/c.ts"), "/a b/c.ts");
    assert.equal(ruleHref("MM002", "not a url"), undefined);
  });

  it("shows a runtime finding with its kernel report, from a sim-core frame (1-based) to LSP (0-based)", () => {
    const rf = toRunFinding({
      rule: "DMA001", message: "device-owned buffer read", report: ["DMA-API: nic 0000:00:03.0: cpu touched a mapped buffer"],
      location: { fn: "nic_poll", file: "/w/nic.ts", line: 42, column: 5 },
      stack: [{ fn: "nic_poll", file: "/w/nic.ts", line: 42, column: 5 }, { fn: "nic_irq", file: "/w/nic.ts", line: 60, column: 3 }],
    }, (f) => uriOfFile(f));
    assert.ok(rf);
    assert.deepEqual(rf.range.start, { line: 41, character: 4 });
    assert.equal(rf.related?.[0].message, "called from nic_irq");
    const d = runFindingToDiagnostic(rf, "https://x/");
    assert.equal(d.source, RUN_SOURCE);
    assert.match(d.message, /device-owned buffer read\nDMA-API: nic/);
    assert.equal(toRunFinding({ rule: "DMA001", message: "m" }, uriOfFile), undefined);
  });

  it("a runtime finding's fix (the line to change) is its first related location; a fix with no line is said in the message", () => {
    const at = { fn: "edu_remove", file: "/w/edu.ts", line: 90, column: 3 };
    const rf = toRunFinding({
      rule: "MEM008", message: "leak", location: { fn: "edu_probe", file: "/w/edu.ts", line: 40, column: 9 },
      stack: [{ fn: "edu_probe", file: "/w/edu.ts", line: 40, column: 9 }, { fn: "edu_init", file: "/w/edu.ts", line: 120, column: 3 }],
      fix: { fn: "edu_remove", location: at, why: "edu_remove() returns without releasing it" },
    }, uriOfFile);
    assert.ok(rf?.related);
    assert.deepEqual(rf.related[0], { uri: "file:///w/edu.ts", range: { start: { line: 89, character: 2 }, end: { line: 89, character: END_OF_LINE } }, message: "fix here (edu_remove): edu_remove() returns without releasing it" });
    assert.equal(rf.related[1].message, "called from edu_init");
    assert.equal(runFindingToDiagnostic(rf, "https://x/").relatedInformation?.[0].location.range.start.line, 89);
    const noLine = toRunFinding({ rule: "MM004", message: "no ref", location: at, fix: { fn: "dev_fault", why: "take the reference" } }, uriOfFile);
    assert.equal(noLine?.message, "no ref\nfix in dev_fault(): take the reference");
  });

  it("a runtime finding hit several times at its line says how many in the diagnostic", () => {
    const at = { fn: "nic_poll", file: "/w/nic.ts", line: 42, column: 5 };
    const rf = toRunFinding({ rule: "DMA001", message: "CPU read of 1 bytes", location: at, count: 7 }, uriOfFile);
    assert.equal(rf?.message, "CPU read of 1 bytes (7 times at this line)");
    assert.equal(toRunFinding({ rule: "DMA001", message: "CPU read of 1 bytes", location: at }, uriOfFile)?.message, "CPU read of 1 bytes");
  });
});

describe("server: settings", () => {
  it("keeps valid rule levels and names what it drops", () => {
    const { settings, problems } = parseSettings({ rules: { DMA001: "off", MM002: "Hint", NOPE1: "error", DMA002: "loud" }, check: { onType: false } });
    assert.deepEqual(settings.rules, { DMA001: "off", MM002: "hint" });
    assert.equal(settings.onType, false);
    assert.equal(problems.length, 2);
    assert.ok(problems.some((p) => p.includes("NOPE1")) && problems.some((p) => p.includes("loud")));
  });
  it("defaults with nothing and complains about garbage", () => {
    assert.deepEqual(parseSettings(undefined), { settings: { rules: {}, onType: true }, problems: [] });
    assert.equal(parseSettings(42).problems.length, 1);
    assert.equal(parseSettings({ check: { onType: "yes" } }).problems.length, 1);
  });
});

describe("server: disable comment", () => {
  const doc = (text: string) => TextDocument.create("file:///w/a.ts", "typescript", 3, text);
  it("writes a comment line above, with the line's indentation", () => {
    const d = doc("function f() {\n    touch(buf);\n}\n");
    const e = disableEdit(d, 1, "DMA001")!;
    assert.equal(TextDocument.applyEdits(d, [e]), "function f() {\n    // faultline-disable-next-line DMA001\n    touch(buf);\n}\n");
  });
  it("adds the rule to a comment already above, and does nothing when it is named there", () => {
    const d = doc("  // faultline-disable-next-line DMA002\n  touch(buf);\n");
    assert.equal(TextDocument.applyEdits(d, [disableEdit(d, 1, "DMA001")!]), "  // faultline-disable-next-line DMA002, DMA001\n  touch(buf);\n");
    assert.deepEqual(disabledRules("  // faultline-disable-next-line DMA002, DMA001"), ["DMA002", "DMA001"]);
    assert.equal(disableEdit(d, 1, "DMA002"), undefined);
  });
  it("offers fixes only for the document version they were made for, and ignores other sources", () => {
    const d = doc("x();\n");
    const diag = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }, code: "MEM001", source: STATIC_SOURCE, message: "m",
      data: { version: 2, fixes: [{ title: "stale fix", uri: d.uri, edits: [], preferred: false }] } };
    const actions = codeActionsFor(d, [diag, { ...diag, source: "eslint" }], undefined, () => [{ title: "fresh fix", uri: d.uri, edits: [], preferred: true }]);
    assert.deepEqual(actions.map((a) => a.title), ["fresh fix", "Disable MEM001 for this line"]);
    assert.equal(actions[0].isPreferred, true);
    assert.deepEqual(codeActionsFor(d, [diag], ["refactor"], () => undefined), []);
  });
});
