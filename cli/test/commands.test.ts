// The bundled command line, run as a user runs it: `node faultline.js ...` in
// a process of its own, on real driver files (samples/simple and fixtures
// written to the temp folder), with its exit codes, its text, and its JSON,
// TAP, JUnit and SARIF checked against their schemas and formats.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import AjvDraft04 from "ajv-draft-04";
import { build } from "esbuild";
import { RULES } from "../../sim-core/src";
import type { FailureKind } from "../../host/src/protocol";
import type { HostRunResult } from "../../host/src/host";
import type { Outcome } from "../src/report";
import { makeReporter, progressReporter, tapReporter, xmlEscape, type TestCase, type TestResult } from "../src/reporters";
import { ruleName } from "../src/check";
import { IMPLEMENTED_RULES } from "../../analysis/src";

const ROOT = path.resolve(__dirname, "../../..");
const SCHEMAS = path.join(ROOT, "cli/schema");
const readJson = (f: string): Record<string, unknown> => JSON.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>;

// ---------------------------------------------------------------- the built CLI

let distDir = "";
let CLI = "";

/**
 * Bundles the command line and the driver host as scripts/build.mjs does
 * (same entry points, same options), into a folder of this test's own below
 * out/ so that the bundle finds node_modules. One difference: esbuild stays
 * outside the bundle. esbuild's JavaScript API refuses to run bundled (it
 * locates its binary relative to its own file, and buildSync starts a worker
 * on __filename), and the command line bundles drivers with it;
 * scripts/build.mjs does not mark it external yet, so its dist/faultline.js
 * fails every run with a "bundle" failure.
 */
async function buildCli(): Promise<void> {
  fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
  distDir = fs.mkdtempSync(path.join(ROOT, "out", "cli-e2e-"));
  const common = { bundle: true, platform: "node", target: "node20", format: "cjs", sourcemap: true, logLevel: "silent", absWorkingDir: ROOT } as const;
  await build({ ...common, entryPoints: { faultline: "cli/src/main.ts" }, outdir: distDir, external: ["esbuild"], banner: { js: "#!/usr/bin/env node\n\"use strict\";" } });
  await build({ ...common, entryPoints: { host: "host/src/child.ts" }, outdir: distDir, banner: { js: "\"use strict\";" } });
  CLI = path.join(distDir, "faultline.js");
}

interface Ran { code: number | null; stdout: string; stderr: string }

function cli(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------- fixtures

let tmp = "";
/** A folder with a driver that runs clean, one that trips MM004 unexpected, and one that does not bundle. */
let suiteDir = "";
let brokenDriver = "";

function writeFixtures(): void {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-cli-"));
  suiteDir = path.join(tmp, "suite");
  fs.mkdirSync(suiteDir);
  const simple = path.join(ROOT, "samples/simple");
  fs.copyFileSync(path.join(simple, "scenario.ts"), path.join(suiteDir, "scenario.ts"));
  fs.copyFileSync(path.join(simple, "simple.ts"), path.join(suiteDir, "pass.ts"));
  // simple_noref without the sample.json that names it a twin: MM004 is a failure here.
  fs.copyFileSync(path.join(simple, "simple_noref.ts"), path.join(suiteDir, "fail.ts"));
  const broken = path.join(tmp, "broken");
  fs.mkdirSync(broken);
  fs.copyFileSync(path.join(simple, "scenario.ts"), path.join(broken, "scenario.ts"));
  brokenDriver = path.join(broken, "nobundle.ts");
  fs.writeFileSync(brokenDriver, [
    "// A driver that reaches for Node's file system: no kernel has one.",
    "import * as fs from \"fs\";",
    "export const size = fs.statSync(\"/etc/passwd\").size;",
    "",
  ].join("\n"));
}

/** The line of a file that contains a string, from 1. */
function lineOf(file: string, needle: string): number {
  const i = fs.readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} is in ${file}`);
  return i + 1;
}

// ---------------------------------------------------------------- schemas

function ajv(): Ajv {
  return new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
}

function compile(file: string, ...refs: string[]): ValidateFunction {
  const a = ajv();
  for (const r of refs) a.addSchema(readJson(path.join(SCHEMAS, r)), r);
  return a.compile(readJson(path.join(SCHEMAS, file)));
}

function assertValid(validate: ValidateFunction, doc: unknown, what: string): void {
  const ok = validate(doc);
  assert.ok(ok, `${what} does not match its schema:\n${JSON.stringify(validate.errors, null, 2)}`);
}

/** The official SARIF 2.1.0 schema (the OASIS standard's, as the SARIF SDK ships it: draft-04). */
function sarifValidator(): ValidateFunction {
  const pkg = path.dirname(require.resolve("@microsoft/jest-sarif/package.json"));
  const schema = readJson(path.join(pkg, "lib/schemas/sarif-2.1.0-rtm.5.json"));
  assert.match(String(schema.title), /SARIF\) Version 2\.1\.0/);
  // The schema's patterns are ECMAScript regular expressions without the u flag (one does not compile with it).
  const a = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
  const isUrl = (s: string, base?: string): boolean => { try { new URL(s, base); return true; } catch { return false; } };
  a.addFormat("uri", (s) => isUrl(s));
  a.addFormat("uri-reference", (s) => isUrl(s, "file:///base/"));
  a.addFormat("date-time", (s) => !Number.isNaN(Date.parse(s)));
  return a.compile(schema);
}

// ---------------------------------------------------------------- TAP and XML

interface TapTest { ok: boolean; n: number; name: string; yaml?: Record<string, unknown> }

/** A strict reader of TAP version 13: every line must be the version, the plan, a test point, a YAML block or a comment. */
function parseTap(text: string): { plan: number; tests: TapTest[]; comments: string[] } {
  // js-yaml comes with mocha (its config files are YAML): a real YAML reader for the diagnostic blocks.
  const yaml = require("js-yaml") as { load(s: string): unknown };
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  assert.equal(lines[0], "TAP version 13");
  let plan = -1;
  const tests: TapTest[] = [];
  const comments: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    let m: RegExpExecArray | null;
    if ((m = /^1\.\.(\d+)$/.exec(l))) { assert.equal(plan, -1, "one plan"); plan = Number(m[1]); continue; }
    if ((m = /^(ok|not ok) (\d+) - (.+)$/.exec(l))) { tests.push({ ok: m[1] === "ok", n: Number(m[2]), name: m[3] }); continue; }
    if (l.startsWith("#")) { comments.push(l); continue; }
    if (l === "  ---") {
      assert.ok(tests.length, "a YAML block follows a test point");
      const end = lines.indexOf("  ...", i);
      assert.ok(end > i, "the YAML block ends with ...");
      tests[tests.length - 1].yaml = yaml.load(lines.slice(i + 1, end).map((x) => x.slice(2)).join("\n")) as Record<string, unknown>;
      i = end;
      continue;
    }
    assert.fail(`line ${i + 1} is not TAP: ${JSON.stringify(l)}`);
  }
  assert.ok(plan >= 0, "a plan");
  return { plan, tests, comments };
}

interface XmlElement { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" };
function unescapeXml(s: string, where: string): string {
  assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s), `a bare & in ${where}`);
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) => e[0] === "#" ? String.fromCodePoint(Number(e[1] === "x" ? `0${e.slice(1)}` : e.slice(1))) : ENTITIES[e]);
}

/**
 * A small well-formedness check of XML 1.0 as JUnit reporters write it (a
 * declaration, elements, attributes, text; no DTD, CDATA or comments): tags
 * balance, attributes are quoted and unique, text and attributes hold no raw
 * < or bare &, no character XML forbids. Returns the root element.
 */
function parseXml(xml: string): XmlElement {
  assert.ok(!/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml), "only characters XML 1.0 allows");
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>/.exec(xml);
  assert.ok(decl, "an XML declaration");
  let s = xml.slice(decl[0].length);
  const root: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
  const stack = [root];
  const NAME = "[A-Za-z_][\\w.-]*";
  const tag = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`);
  while (s.length) {
    const lt = s.indexOf("<");
    const text = lt < 0 ? s : s.slice(0, lt);
    if (text) {
      stack[stack.length - 1].text += unescapeXml(text, `the text of <${stack[stack.length - 1].name}>`);
      if (stack.length === 1) assert.match(text, /^\s*$/, "nothing but space outside the root");
    }
    if (lt < 0) break;
    s = s.slice(lt);
    const m = tag.exec(s);
    assert.ok(m, `a well-formed tag at ${JSON.stringify(s.slice(0, 60))}`);
    const [whole, close, name, attrText, selfClose] = m;
    s = s.slice(whole.length);
    if (close) {
      assert.equal(attrText.trim(), "", "no attributes on a closing tag");
      const open = stack.pop()!;
      assert.equal(open.name, name, `</${name}> closes <${open.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "g"))) {
      assert.ok(!(a[1] in attrs), `attribute ${a[1]} once on <${name}>`);
      attrs[a[1]] = unescapeXml(a[2] ?? a[3], `${name}@${a[1]}`);
    }
    const el: XmlElement = { name, attrs, children: [], text: "" };
    stack[stack.length - 1].children.push(el);
    if (!selfClose) stack.push(el);
  }
  assert.equal(stack.length, 1, `unclosed <${stack[stack.length - 1].name}>`);
  assert.equal(root.children.length, 1, "one root element");
  return root.children[0];
}

const all = (e: XmlElement, name: string): XmlElement[] => [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))];

// ---------------------------------------------------------------- the tests

describe("faultline commands (the built CLI)", function () {
  this.timeout(30_000);
  const simple = "samples/simple/simple.ts";
  const noref = "samples/simple/simple_noref.ts";

  before(async function () {
    this.timeout(120_000);
    await buildCli();
    writeFixtures();
  });

  after(() => {
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe("run", () => {
    it("runs a clean driver: the kernel log, the program's output, /proc/<pid>/maps, exit 0", () => {
      const r = cli("run", simple);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^== samples\/simple\/simple\.ts · scenario scenario \(x86_64, 256 MiB\)$/m);
      assert.match(r.stdout, /^\[ +\d+\.\d{6}\] Simple VMA open, virt 7fff[0-9a-f]+, phys 100000$/m);
      assert.match(r.stdout, /^\$ scenario {3}# the scenario's output$/m);
      assert.match(r.stdout, /^\$ cat \/proc\/1000\/maps {3}# simple-test, at the end of the scenario$/m);
      assert.match(r.stdout, /^[0-9a-f]+-[0-9a-f]+ r--s 00100000 00:05 \d+ +\/dev\/simpler$/m);
      assert.match(r.stdout, /^7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 +\[stack\]$/m);
      assert.match(r.stdout, /^result: clean$/m);
      assert.doesNotMatch(r.stdout, /findings \(/);
    });

    it("runs a buggy twin: MM004 at the driver's file:line, exit 1", () => {
      const r = cli("run", noref);
      assert.equal(r.code, 1, r.stderr);
      const line = lineOf(path.join(ROOT, noref), "vmf.page = pfn_to_page");
      assert.match(r.stdout, new RegExp(`^  MM004 samples/simple/simple_noref\\.ts:${line}: fault handler returned page \\[pfn=0x[0-9a-f]+\\]`, "m"));
      assert.match(r.stdout, /^result: 1 finding \(MM004\); sample\.json expects MM004$/m);
    });

    it("a leak at unbind names the remove() to change: 'fix here' in the text, fix in --json (valid), the report unchanged", () => {
      const leak = "samples/edu_dma/edu_dma_leak.ts";
      const removeStart = lineOf(path.join(ROOT, leak), "function edu_remove(");
      const r = cli("run", leak);
      assert.equal(r.code, 1, r.stderr);
      const m = /^ {4}fix here: edu_remove \(samples\/edu_dma\/edu_dma_leak\.ts:(\d+)\): edu_remove\(\) returns with DMA of \S+ still mapped/m.exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.ok(Number(m[1]) > removeStart && Number(m[1]) < removeStart + 12, `line ${m[1]} is inside edu_remove()`);
      const doc = JSON.parse(cli("run", leak, "--json").stdout);
      assertValid(compile("run.schema.json"), doc, "run --json with a fix");
      const f = doc.runs[0].findings[0];
      assert.deepEqual([f.rule, f.fix.function, f.fix.location.file, f.fix.location.line], ["DMA020", "edu_remove", leak, Number(m[1])]);
      assert.ok(!f.report.join("\n").includes("fix here"), "the kernel's report stays the kernel's");
    });

    it("one bug hit for buffer after buffer is one finding with its count (through the host), the log keeping each report", () => {
      const peek = "samples/nic_rx/nic_rx_peek.ts";
      const r = cli("run", peek);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^findings \(1\):$/m);
      assert.match(r.stdout, /^ {2}DMA001 samples\/nic_rx\/nic_rx_peek\.ts:\d+: CPU read of 1 bytes at 0x[0-9a-f]+ .* \(7 times at this line; the message is the first's\)$/m);
      assert.equal(r.stdout.match(/DMA-API: .*CPU read of 1 bytes/g)?.length, 7, "the kernel log has each report");
      const doc = JSON.parse(cli("run", peek, "--json").stdout);
      assertValid(compile("run.schema.json"), doc, "run --json with a count");
      assert.deepEqual(doc.runs[0].findings.map((f: { rule: string; count?: number }) => [f.rule, f.count]), [["DMA001", 7]]);
    });

    it("--json matches cli/schema/run.schema.json for clean, findings and failed runs", () => {
      const validate = compile("run.schema.json");
      const clean = cli("run", simple, "--json");
      const findings = cli("run", noref, "--json");
      const failed = cli("run", brokenDriver, "--json");
      assert.deepEqual([clean.code, findings.code, failed.code], [0, 1, 1]);
      const docs = [clean, findings, failed].map((r) => JSON.parse(r.stdout) as { runs: Array<Record<string, any>>; summary: Record<string, number> });
      docs.forEach((d, i) => assertValid(validate, d, `run --json #${i}`));
      assert.deepEqual(docs.map((d) => d.runs[0].outcome), ["clean", "findings", "failed"]);
      for (const d of docs) assert.equal(d.summary.clean + d.summary.findings + d.summary.failed, d.summary.runs);
      const f = docs[1].runs[0].findings[0];
      assert.equal(f.rule, "MM004");
      assert.deepEqual([f.location.file, f.location.line], [noref, lineOf(path.join(ROOT, noref), "vmf.page = pfn_to_page")]);
      assert.equal(docs[2].runs[0].failures[0].kind, "bundle");
      assert.equal(docs[2].runs[0].insmod, null);

      // The schema is strict: it refuses what the format does not have.
      const bad = structuredClone(docs[1]);
      bad.runs[0].outcome = "passed";
      assert.equal(validate(bad), false, "an unknown outcome");
      const extra = structuredClone(docs[0]);
      extra.runs[0].colour = "green";
      assert.equal(validate(extra), false, "a property the format does not have");
      const missing = structuredClone(docs[2]);
      delete missing.runs[0].failures[0].detail;
      assert.equal(validate(missing), false, "a failure without detail");
    });

    it("the schema's enums are exactly the outcomes and failure kinds the code has", () => {
      // Records over the union types: the compiler refuses a missing or an extra key.
      const kinds: Record<FailureKind, true> = {
        bundle: true, oops: true, assertion: true, insmod: true, rmmod: true, "cpu-limit": true, heap: true, memory: true,
        "log-flood": true, "unhandled-rejection": true, "host-exit": true, internal: true,
      };
      const outcomes: Record<Outcome, true> = { clean: true, findings: true, failed: true };
      const defs = readJson(path.join(SCHEMAS, "run.schema.json")).definitions as any;
      assert.deepEqual([...defs.failure.properties.kind.enum].sort(), Object.keys(kinds).sort());
      assert.deepEqual([...defs.run.properties.outcome.enum].sort(), Object.keys(outcomes).sort());
      const pattern = new RegExp(defs.ruleId.pattern);
      for (const r of RULES) assert.match(r.id, pattern);
    });

    it("usage errors exit 2 and name the problem", () => {
      const cases: Array<[string[], RegExp]> = [
        [["run", "samples/simple/nonesuch.ts"], /^faultline: samples\/simple\/nonesuch\.ts: no such file$/m],
        [["run", simple, "--scenario", "nonesuch"], /no scenario "nonesuch" \(found: scenario\)/],
        [["run", simple, "--arch", "arm64"], /--arch must be i386 or x86_64, got "arm64"/],
        [["run"], /faultline run needs a driver file/],
        [["run", simple, "--cpu-ms", "soon"], /--cpu-ms must be a positive whole number, got "soon"/],
      ];
      for (const [args, message] of cases) {
        const r = cli(...args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(" "));
        assert.equal(r.stdout, "", `${args.join(" ")} prints nothing on stdout`);
      }
    });

    it("a driver that does not bundle fails with its file:line, exit 1", () => {
      const r = cli("run", brokenDriver);
      assert.equal(r.code, 1, r.stderr);
      const line = lineOf(brokenDriver, "import * as fs");
      assert.match(r.stdout, new RegExp(`bundle: \\S*nobundle\\.ts:${line}:\\d+: error: Could not resolve "fs"`));
      assert.match(r.stdout, /drivers can import only linux\/\*, asm\/\* and faultline\/\*/);
      assert.match(r.stdout, /^result: failed \(bundle\)$/m);
    });
  });

  describe("test", () => {
    it("runs a folder as a suite and prints TAP when stdout is not a terminal: exit 1 when a test fails", () => {
      const r = cli("test", suiteDir, "--jobs", "2");
      assert.equal(r.code, 1, r.stderr);
      const tap = parseTap(r.stdout);
      assert.equal(tap.plan, 2);
      assert.deepEqual(tap.tests.map((t) => t.n), [1, 2], "test points in suite order");
      const [fail, pass] = tap.tests;
      assert.deepEqual([fail.ok, fail.name], [false, `${path.join(suiteDir, "fail.ts")} [scenario]`]);
      assert.deepEqual([pass.ok, pass.name, pass.yaml], [true, `${path.join(suiteDir, "pass.ts")} [scenario]`, undefined]);
      const line = lineOf(path.join(suiteDir, "fail.ts"), "vmf.page = pfn_to_page");
      assert.equal(fail.yaml?.message, "expected no findings, got MM004");
      assert.equal(fail.yaml?.severity, "fail");
      assert.equal(fail.yaml?.expected, "clean");
      assert.equal(fail.yaml?.got, "findings MM004");
      assert.equal(fail.yaml?.at, `${path.join(suiteDir, "fail.ts")}:${line}`);
      assert.ok(tap.comments.includes("# pass 1") && tap.comments.includes("# fail 1"), tap.comments.join("\n"));
      assert.ok(tap.comments.some((c) => c.startsWith("# failed: ") && c.includes(`fail.ts:${line}`)), "the failures, with where, at the end");
    });

    it("a driver that does not bundle is a failed test with its file:line", () => {
      const r = cli("test", brokenDriver, path.join(suiteDir, "pass.ts"));
      assert.equal(r.code, 1, r.stderr);
      const tap = parseTap(r.stdout);
      assert.deepEqual(tap.tests.map((t) => t.ok), [false, true]);
      assert.equal(tap.tests[0].yaml?.got, "failed (bundle)");
      assert.equal(tap.tests[0].yaml?.at, `${brokenDriver}:${lineOf(brokenDriver, "import * as fs")}`);
      assert.match(String(tap.tests[0].yaml?.message), /^bundle: .*nobundle\.ts:\d+:\d+: error: Could not resolve "fs"/);
    });

    it("samples/simple passes: the driver runs clean and its twin trips exactly MM004", () => {
      const r = cli("test", "samples/simple");
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const tap = parseTap(r.stdout);
      assert.equal(tap.plan, 2);
      assert.deepEqual(tap.tests.map((t) => [t.ok, t.name]), [
        [true, "samples/simple/simple.ts [scenario]"],
        [true, "samples/simple/simple_noref.ts [scenario]"],
      ]);
      assert.ok(tap.comments.includes("# fail 0"));
    });

    it("--reporter junit writes well-formed JUnit XML, one testcase per driver x scenario, messages escaped", () => {
      const r = cli("test", suiteDir, brokenDriver, "--reporter", "junit");
      assert.equal(r.code, 1, r.stderr);
      const root = parseXml(r.stdout);
      assert.equal(root.name, "testsuites");
      assert.deepEqual([root.attrs.tests, root.attrs.failures, root.attrs.errors], ["3", "2", "0"]);
      const cases = all(root, "testcase");
      assert.deepEqual(cases.map((c) => [c.attrs.classname, c.attrs.name]), [
        [path.join(suiteDir, "fail.ts"), "scenario"], [path.join(suiteDir, "pass.ts"), "scenario"], [brokenDriver, "scenario"],
      ]);
      for (const c of cases) assert.match(c.attrs.time, /^\d+\.\d{3}$/);
      assert.equal(all(cases[1], "failure").length, 0);
      const [f0] = all(cases[0], "failure");
      assert.equal(f0.attrs.message, "expected no findings, got MM004");
      assert.match(f0.text, /MM004 at \S+fail\.ts:\d+: fault handler returned page/);
      // The bundle message has quotes and an apostrophe: escaped in the attribute, whole again once read.
      const [f2] = all(cases[2], "failure");
      assert.equal(f2.attrs.type, "bundle");
      assert.match(f2.attrs.message, /Could not resolve "fs" \(Node's modules are not part of a kernel/);
      assert.match(r.stdout, /Could not resolve &quot;fs&quot; \(Node&apos;s modules/);
      assert.match(r.stderr, /^1 passed, 2 failed$/m, "the human summary goes to stderr");
      const suites = all(root, "testsuite");
      assert.equal(suites.reduce((n, s) => n + Number(s.attrs.tests), 0), 3);
    });

    it("--reporter json matches cli/schema/test.schema.json", () => {
      const r = cli("test", suiteDir, "--reporter", "json");
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout) as { tests: Array<Record<string, any>>; summary: Record<string, number> };
      assertValid(compile("test.schema.json", "run.schema.json"), doc, "test --reporter json");
      assert.deepEqual(doc.tests.map((t) => [t.ok, t.run.outcome]), [[false, "findings"], [true, "clean"]]);
      assert.deepEqual([doc.summary.tests, doc.summary.passed, doc.summary.failed], [2, 1, 1]);
      assert.match(doc.tests[0].at, /fail\.ts:\d+$/);
    });

    it("usage errors exit 2", () => {
      const cases: Array<[string[], RegExp]> = [
        [["test", path.join(tmp, "nonesuch")], /nonesuch: no such file or folder/],
        [["test", "samples/simple", "--reporter", "xml"], /--reporter must be one of auto, progress, tap, junit, json, got "xml"/],
        [["test", "samples/simple", "--jobs", "0"], /--jobs must be a positive whole number, got "0"/],
        [["test", "samples/simple", "--arch", "arm64"], /--arch must be i386 or x86_64/],
        [["test", path.join(ROOT, "cli/schema")], /schema: no driver with a scenario in it or below it/],
      ];
      for (const [args, message] of cases) {
        const r = cli(...args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, message, args.join(" "));
      }
    });
  });

  describe("check", () => {
    const statics = RULES.filter((r) => IMPLEMENTED_RULES.includes(r.id as never));
    const files = [simple, noref];

    it("text: a compiler-style line per finding with its related places, a summary, exit 1 on an error", () => {
      const r = cli("check", ...files);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, new RegExp(`^faultline check: 2 files, ${statics.length} static rules$`, "m"));
      // simple_noref's bug line (// BUG: no get_page()) is line 16.
      assert.match(r.stdout, /^samples\/simple\/simple_noref\.ts:16:3: error MM004: fault handler simple_vma_fault\(\) returns a page/m);
      assert.doesNotMatch(r.stdout, /^samples\/simple\/simple\.ts:/m, "the correct driver is silent");
      assert.match(r.stdout, /^1 finding \(1 error, 0 warnings, 0 information\) in 1 file$/m);
      const clean = cli("check", simple);
      assert.equal(clean.code, 0, clean.stdout);
      assert.match(clean.stdout, /^no findings$/m);
    });

    it("a folder is every .ts file below it; warnings alone exit 0", () => {
      const r = cli("check", "samples/dma_map_single");
      assert.match(r.stdout, /^faultline check: 7 files,/m);
      assert.match(r.stdout, /dma_map_single_nocheck\.ts:61:\d+: warning DMA002: /);
      assert.equal(r.code, 1, "the folder has error findings too");
      const w = cli("check", "samples/dma_map_single/dma_map_single_nocheck.ts");
      assert.equal(w.code, 0, w.stdout);
      assert.match(w.stdout, /warning DMA002/);
      // Reported at the handle's use; the line to change, the map, is indented below it.
      assert.match(w.stdout, /warning DMA002: .*\n {4}samples\/dma_map_single\/dma_map_single_nocheck\.ts:59:\d+: fix here: test the handle with dma_mapping_error\(\) right after this dma_map_single\(\)/);
    });

    it("json matches cli/schema/check.schema.json", () => {
      const r = cli("check", ...files, "--format", "json");
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout) as Record<string, any>;
      const validate = compile("check.schema.json");
      assertValid(validate, doc, "check --format json");
      assert.deepEqual(doc.rules.map((x: { id: string }) => x.id), statics.map((x) => x.id));
      assert.deepEqual(doc.rules.map((x: { help: string }) => x.help), statics.map((x) => `docs/rules/${x.id}.md`));
      assert.deepEqual(doc.files, files);
      assert.deepEqual(doc.results.map((x: any) => [x.rule, x.severity, x.location.file, x.location.line]), [["MM004", "error", noref, 16]]);
      assert.deepEqual(doc.results[0].fixes, ["Take a reference with get_page()"]);
      assert.equal(validate({ ...doc, results: [{ rule: "MEM001" }] }), false, "a result needs its fields");
      assert.equal(validate({ ...doc, extra: 1 }), false, "no properties the format does not have");
    });

    it("sarif is a SARIF 2.1.0 log the official schema accepts: the static rules with help URIs, results with levels, related locations and fixes", () => {
      const r = cli("check", ...files, "samples/edu_dma/edu_dma_nosync.ts", "--format", "sarif");
      assert.equal(r.code, 1, r.stderr);
      const log = JSON.parse(r.stdout) as Record<string, any>;
      const validate = sarifValidator();
      assertValid(validate, log, "check --format sarif");
      assert.equal(log.version, "2.1.0");
      assert.match(log.$schema, /sarif-schema-2\.1\.0\.json$/);
      const run = log.runs[0];
      assert.equal(run.tool.driver.name, "Faultline");
      assert.deepEqual(run.tool.driver.rules.map((x: { id: string }) => x.id), statics.map((x) => x.id));
      for (const [i, rule] of run.tool.driver.rules.entries()) {
        assert.equal(rule.shortDescription.text, statics[i].title);
        assert.equal(rule.fullDescription.text, statics[i].summary);
        assert.equal(rule.name, ruleName(statics[i].title));
        assert.match(rule.name, /^[A-Z][A-Za-z0-9]*$/);
        assert.equal(rule.properties.helpPath, `docs/rules/${statics[i].id}.md`);
        assert.ok(rule.helpUri.endsWith(`/docs/rules/${statics[i].id}.md`), rule.helpUri);
        assert.ok(fs.existsSync(path.join(ROOT, rule.properties.helpPath)), `${rule.properties.helpPath} exists`);
      }
      assert.deepEqual(run.artifacts.map((a: any) => a.location.uri), [...files, "samples/edu_dma/edu_dma_nosync.ts"].sort());
      assert.match(run.originalUriBaseIds["%SRCROOT%"].uri, /^file:\/\/\/.*\/$/);
      const byRule = new Map(run.results.map((x: any) => [x.ruleId, x]));
      const dma001 = byRule.get("DMA001") as any;
      assert.equal(dma001.level, "error");
      assert.equal(dma001.locations[0].physicalLocation.region.startLine, 114);
      assert.equal(dma001.relatedLocations[0].message.text, "mapped for the device here");
      assert.equal(dma001.relatedLocations[0].physicalLocation.region.startLine, 154);
      assert.ok(dma001.fixes[0].artifactChanges[0].replacements.some((x: any) => /dma_sync_single_for_cpu\(dev, d\.rx_handle, EDU_BUFFER_SIZE, DMA_FROM_DEVICE\)/.test(x.insertedContent.text)));
      assert.equal(run.tool.driver.rules[dma001.ruleIndex].id, "DMA001");
      assert.equal(run.invocations[0].executionSuccessful, true);
      // The schema is live: it refuses a log without a version, and a rule without an id.
      const { version: _v, ...noVersion } = log;
      assert.equal(validate(noVersion), false);
      const noId = structuredClone(log);
      delete noId.runs[0].tool.driver.rules[0].id;
      assert.equal(validate(noId), false);
    });

    it("usage errors exit 2", () => {
      const js = path.join(tmp, "driver.js");
      fs.writeFileSync(js, "");
      const empty = fs.mkdtempSync(path.join(tmp, "empty-"));
      const cases: Array<[string[], RegExp]> = [
        [["check"], /faultline check needs the files or folders to check/],
        [["check", "samples/simple/nonesuch.ts"], /samples\/simple\/nonesuch\.ts: no such file/],
        [["check", js], /driver\.js: faultline check reads TypeScript files \(\.ts\)/],
        [["check", empty], /no TypeScript files in it/],
        [["check", simple, "--format", "xml"], /--format must be one of text, json, sarif, got "xml"/],
      ];
      for (const [args, message] of cases) {
        const r = cli(...args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, message, args.join(" "));
      }
    });
  });
});

// ---------------------------------------------------------------- reporters, in this process

function fakeResult(i: number, ok: boolean): TestResult {
  const file = path.join(ROOT, `samples/x/drv${i}.ts`);
  const target = { file, name: `drv${i}`, module: "x", scenarios: [], boot: {} };
  const scenario = { name: "scenario", file: path.join(ROOT, "samples/x/scenario.ts") };
  const result: HostRunResult = {
    log: [], stdout: "", maps: [], phases: {}, exit: { code: 0, signal: null }, stderr: "",
    findings: ok ? [] : [{ rule: "MEM002", title: "use after free", message: "use <after> & free", location: { file, line: 7, column: 3 }, stack: [], report: [] }],
    failures: [],
  };
  const test: TestCase = { index: i, target, scenario, name: `samples/x/drv${i}.ts [scenario]` };
  return { test, rec: { target, scenario, result, wallMs: 12 }, ok, why: ok ? "clean" : "expected no findings, got MEM002" };
}

describe("faultline test reporters", () => {
  const summary = { tests: 2, passed: 1, failed: 1, jobs: 2, wallMs: 40 };

  it("auto is a progress bar on a terminal and TAP elsewhere", () => {
    let tty = "", pipe = "";
    for (const [isTTY, sink] of [[true, (s: string) => { tty += s; }], [false, (s: string) => { pipe += s; }]] as const) {
      const rep = makeReporter("auto", { out: sink, err: () => {}, isTTY, columns: 100 });
      const rs = [fakeResult(0, true), fakeResult(1, false)];
      rep.start(rs.map((r) => r.test), 2);
      for (const r of rs) rep.begin(r.test);
      for (const r of [...rs].reverse()) rep.end(r);
      rep.finish(rs, summary);
    }
    assert.match(tty, /\r\[░{24}\] 0\/2 {2}✓ 0 {2}✗ 0 {2}samples\/x\/drv1\.ts \[scenario\]\x1b\[K/, "the bar names the driver that started last");
    assert.match(tty, /\r\[█{24}\] 2\/2 {2}✓ 1 {2}✗ 1 /);
    assert.match(tty, /✗ samples\/x\/drv1\.ts \[scenario\]: expected no findings, got MEM002\n/, "a failure is printed as it happens");
    assert.match(tty, /^failures \(1\):\n {2}1\) samples\/x\/drv1\.ts \[scenario\]\n {7}expected no findings, got MEM002\n {7}MEM002 at samples\/x\/drv1\.ts:7: use <after> & free$/m);
    assert.match(tty, /^1 passed, 1 failed$/m);
    assert.doesNotMatch(pipe, /\r/);
    assert.match(pipe, /^TAP version 13\n1\.\.2\nok 1 - samples\/x\/drv0\.ts \[scenario\]\nnot ok 2 - /, "in suite order though the runs ended the other way round");
  });

  it("progress without a terminal prints a mark per test, and never a bar wider than the terminal", () => {
    let out = "";
    const rep = progressReporter({ out: (s) => { out += s; }, err: () => {}, isTTY: false });
    const rs = [fakeResult(0, true), fakeResult(1, false)];
    rep.start(rs.map((r) => r.test), 1);
    for (const r of rs) { rep.begin(r.test); rep.end(r); }
    rep.finish(rs, summary);
    assert.match(out, /^\.F\n/);
    let narrow = "";
    const bar = progressReporter({ out: (s) => { narrow += s; }, err: () => {}, isTTY: true, columns: 50 });
    bar.start(rs.map((r) => r.test), 1);
    bar.begin(rs[0].test);
    for (const l of narrow.split(/\r/).filter(Boolean)) assert.ok(l.replace(/\x1b\[K$/, "").length < 50, JSON.stringify(l));
  });

  it("TAP escapes # in descriptions and keeps YAML readable", () => {
    let out = "";
    const rep = tapReporter({ out: (s) => { out += s; }, err: () => {}, isTTY: false });
    const r = fakeResult(0, false);
    const odd = { ...r, test: { ...r.test, name: "a#b.ts [scenario]" }, why: "line one\nline \"two\"" };
    rep.start([odd.test], 1);
    rep.end(odd);
    rep.finish([odd], { tests: 1, passed: 0, failed: 1, jobs: 1, wallMs: 1 });
    const tap = parseTap(out);
    assert.equal(tap.tests[0].name, "a\\#b.ts [scenario]");
    assert.equal(tap.tests[0].yaml?.message, "line one\nline \"two\"");
  });

  it("XML escaping: markup, quotes in attributes, and characters XML cannot hold", () => {
    assert.equal(xmlEscape("a<b>&c\"d'"), "a&lt;b&gt;&amp;c\"d'");
    assert.equal(xmlEscape("a\"b'c\nd", true), "a&quot;b&apos;c&#10;d");
    assert.equal(xmlEscape("bell\x07 esc\x1b nul\0 lone\uD800 ok\u{1F600}"), "bell esc nul lone ok\u{1F600}");
    assert.doesNotThrow(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<a b="${xmlEscape("x\"<&\x01", true)}">${xmlEscape("<&>\x02")}</a>`));
    assert.throws(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<a><b></a></b>`), /closes/);
    assert.throws(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<a>x & y</a>`), /bare &/);
  });
});
