// `faultline check <files|dirs>... [--format text|json|sarif]`: the static
// analyses of analysis/ run headless, for a terminal or CI. Exit 1 when a
// finding is an error, 0 otherwise (warnings and information are printed, not
// failed on), 2 for a usage error. JSON as cli/schema/check.schema.json has
// it; SARIF 2.1.0 with the rules' metadata and their docs pages as help URIs,
// so GitHub code scanning shows them.

import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Rule } from "../../sim-core/src";
import { analyzeSource, collectFiles, ruleDocPath, staticRules, type Severity, type StaticFinding } from "../../analysis/src";
import { diskSiblings } from "../../analysis/src/analyze";
import { UsageError } from "./args";
import { JSON_FORMAT_VERSION, rel } from "./report";

export const CHECK_FORMATS = ["text", "json", "sarif"] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export { staticRules };

/** The standard identifier of the SARIF 2.1.0 schema (an identifier: nothing fetches it). */
export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** A finding as `check` prints it: 1-based lines and columns, like `faultline run --json`. */
export interface CheckResult {
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity;
  readonly message: string;
  readonly location: Location;
  readonly related: readonly { readonly message: string; readonly location: Location }[];
  readonly finding: StaticFinding;
}
interface Location { readonly file: string; readonly line: number; readonly column: number; readonly endLine: number; readonly endColumn: number }

/** The files to check: TypeScript files, and the .ts files below each folder. */
export function checkFiles(args: readonly string[]): string[] {
  if (!args.length) throw new UsageError("faultline check needs the files or folders to check: faultline check path/to/driver.ts|dir... [--format text|json|sarif]");
  for (const f of args) {
    if (!fs.existsSync(f)) throw new UsageError(`${f}: no such file`);
    if (!fs.statSync(f).isDirectory() && !f.endsWith(".ts")) throw new UsageError(`${f}: faultline check reads TypeScript files (.ts)`);
  }
  const files = collectFiles(args);
  if (!files.length) throw new UsageError(`${args.join(", ")}: no TypeScript files in it`);
  return files;
}

/** Runs the analyses over each file. */
export function checkResults(files: readonly string[]): CheckResult[] {
  const titles = new Map(staticRules().map((r) => [r.id, r.title]));
  const loc = (file: string, r: StaticFinding["range"]): Location => ({
    file, line: r.start.line + 1, column: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1,
  });
  const out: CheckResult[] = [];
  for (const file of files) {
    for (const f of analyzeSource(file, fs.readFileSync(file, "utf8"), {}, diskSiblings(file))) {
      out.push({
        rule: f.rule, title: titles.get(f.rule) ?? f.rule, severity: f.severity, message: f.message, location: loc(f.file, f.range),
        related: f.related.map((x) => ({ message: x.message, location: loc(x.file, x.range) })), finding: f,
      });
    }
  }
  return out;
}

export function checkCommand(args: readonly string[], format: string | undefined, out: (s: string) => void): number {
  const fmt = format ?? "text";
  if (!(CHECK_FORMATS as readonly string[]).includes(fmt)) throw new UsageError(`--format must be one of ${CHECK_FORMATS.join(", ")}, got "${fmt}"`);
  const files = checkFiles(args);
  const rules = staticRules();
  const results = checkResults(files);
  switch (fmt as CheckFormat) {
    case "text": out(checkText(files, rules, results)); break;
    case "json": out(JSON.stringify(checkJson(files, rules, results), null, 2) + "\n"); break;
    case "sarif": out(JSON.stringify(checkSarif(files, rules, results), null, 2) + "\n"); break;
  }
  return results.some((r) => r.severity === "error") ? 1 : 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Compiler-style lines a terminal and an editor's problem matcher both read: `file:line:col: severity RULE: message`. */
export function checkText(files: readonly string[], rules: readonly Rule[], results: readonly CheckResult[]): string {
  const lines = [`faultline check: ${plural(files.length, "file")}, ${rules.length} static rules`];
  for (const r of results) {
    lines.push(`${rel(r.location.file)}:${r.location.line}:${r.location.column}: ${r.severity} ${r.rule}: ${r.message}`);
    for (const x of r.related) lines.push(`    ${rel(x.location.file)}:${x.location.line}:${x.location.column}: ${x.message}`);
  }
  const by = (s: Severity) => results.filter((r) => r.severity === s).length;
  const withFindings = new Set(results.map((r) => r.location.file)).size;
  lines.push(results.length
    ? `${plural(results.length, "finding")} (${plural(by("error"), "error")}, ${plural(by("warning"), "warning")}, ${by("information") + by("hint")} information) in ${plural(withFindings, "file")}`
    : "no findings");
  return lines.join("\n") + "\n";
}

/** `--format json`: the shape cli/schema/check.schema.json pins down. */
export function checkJson(files: readonly string[], rules: readonly Rule[], results: readonly CheckResult[]): Record<string, unknown> {
  const relLoc = (l: Location) => ({ ...l, file: rel(l.file) });
  return {
    faultline: JSON_FORMAT_VERSION,
    command: "check",
    rules: rules.map((r) => ({ id: r.id, title: r.title, category: r.category, summary: r.summary, dynamic: r.dynamic, help: ruleDocPath(r.id) })),
    files: files.map(rel),
    results: results.map((r) => ({
      rule: r.rule, title: r.title, severity: r.severity, message: r.message, location: relLoc(r.location),
      related: r.related.map((x) => ({ message: x.message, location: relLoc(x.location) })),
      fixes: r.finding.fixes.map((f) => f.title),
    })),
  };
}

/** "mapping memory that can't be DMA'd" → "MappingMemoryThatCantBeDmad": SARIF's rule name is an identifier. */
export function ruleName(title: string): string {
  return title.replace(/['’]/g, "").split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

/** A file as a SARIF artifact location: relative to %SRCROOT% (the current directory) when it is below it. */
function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const r = path.relative(process.cwd(), file);
  if (r && !r.startsWith("..") && !path.isAbsolute(r)) return { uri: r.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: "%SRCROOT%" };
  return { uri: pathToFileURL(file).href };
}

const SARIF_LEVEL: Readonly<Record<Severity, string>> = { error: "error", warning: "warning", information: "note", hint: "note" };

/** `--format sarif`: a SARIF 2.1.0 log with one run: the static rules with their docs, the files, the results with related locations and fixes. */
export function checkSarif(files: readonly string[], rules: readonly Rule[], results: readonly CheckResult[]): Record<string, unknown> {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const fileIndex = new Map(files.map((f, i) => [f, i]));
  const version = packageVersion();
  const physical = (l: Location) => ({
    artifactLocation: { ...artifactLocation(l.file), ...(fileIndex.has(l.file) ? { index: fileIndex.get(l.file) } : {}) },
    region: { startLine: l.line, startColumn: l.column, endLine: l.endLine, endColumn: l.endColumn },
  });
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "Faultline",
          ...(version ? { version, semanticVersion: version } : {}),
          rules: rules.map((r) => ({
            id: r.id,
            name: ruleName(r.title),
            shortDescription: { text: r.title },
            fullDescription: { text: r.summary },
            helpUri: docUri(r.id),
            help: { text: `${r.summary} See ${ruleDocPath(r.id)}.`, markdown: r.docs },
            defaultConfiguration: { level: "error" },
            properties: { category: r.category, helpPath: ruleDocPath(r.id), tags: [r.category, ...(r.dynamic ? ["dynamic"] : []), "static"] },
          })),
        },
      },
      invocations: [{ executionSuccessful: true }],
      originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileURL(process.cwd()).href.replace(/\/?$/, "/") } },
      artifacts: files.map((f) => ({ location: artifactLocation(f), sourceLanguage: "typescript" })),
      results: results.map((r) => ({
        ruleId: r.rule,
        ...(index.has(r.rule) ? { ruleIndex: index.get(r.rule) } : {}),
        level: SARIF_LEVEL[r.severity],
        message: { text: r.message },
        locations: [{ physicalLocation: physical(r.location) }],
        ...(r.related.length ? { relatedLocations: r.related.map((x, i) => ({ id: i, message: { text: x.message }, physicalLocation: physical(x.location) })) } : {}),
        ...(r.finding.fixes.length ? {
          fixes: r.finding.fixes.map((f) => ({
            description: { text: f.title },
            artifactChanges: [{
              artifactLocation: artifactLocation(f.file),
              replacements: f.edits.map((e) => ({
                deletedRegion: { startLine: e.range.start.line + 1, startColumn: e.range.start.character + 1, endLine: e.range.end.line + 1, endColumn: e.range.end.character + 1 },
                insertedContent: { text: e.newText },
              })),
            }],
          })),
        } : {}),
      })),
      columnKind: "utf16CodeUnits",
    }],
  };
}

/**
 * The rule's page as the absolute URI SARIF requires: on the repository's web
 * view when package.json names a GitHub repository, else the page in this
 * installation. (properties.helpPath keeps the repository-relative path.)
 */
export function docUri(id: string): string {
  const root = packageRoot();
  const repo = root ? repositoryUrl(root) : undefined;
  if (repo) return `${repo}/blob/HEAD/${ruleDocPath(id)}`;
  return pathToFileURL(path.join(root ?? process.cwd(), ruleDocPath(id))).href;
}

function packageRoot(): string | undefined {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const f = path.join(d, "package.json");
    try { if ((JSON.parse(fs.readFileSync(f, "utf8")) as { name?: string }).name === "faultline") return d; } catch { /* not here */ }
  }
  return undefined;
}

function repositoryUrl(root: string): string | undefined {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { repository?: string | { url?: string } };
    const url = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
    const m = url && /github\.com[/:]([^/]+\/[^/.]+)/.exec(url);
    return m ? `https://github.com/${m[1]}` : undefined;
  } catch { return undefined; }
}

/** This installation's version, from the package.json above dist/ or out/cli/src/. */
function packageVersion(): string | undefined {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const f = path.join(d, "package.json");
    if (!fs.existsSync(f)) continue;
    try {
      const pkg = JSON.parse(fs.readFileSync(f, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "faultline") return pkg.version;
    } catch { /* not ours */ }
  }
  return undefined;
}
