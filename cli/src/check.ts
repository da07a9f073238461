// `faultline check <file.ts>... [--format text|json|sarif]`: the static rules,
// headless, for CI. The analyses themselves belong to the language server,
// which does not exist yet: today the command checks its arguments, names the
// rules it will run (the catalogue's rules marked static) and reports no
// results. Its output shapes are fixed already: JSON as
// cli/schema/check.schema.json has it, SARIF 2.1.0 for code-scanning tools.

import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { RULES, type Rule } from "../../sim-core/src";
import { UsageError } from "./args";
import { JSON_FORMAT_VERSION, rel } from "./report";

export const CHECK_FORMATS = ["text", "json", "sarif"] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export const PENDING_NOTE =
  "The static analyses arrive with the language server; until then faultline check runs none of them and reports no results. " +
  "faultline run and faultline test find the dynamic rules today.";

/** The standard identifier of the SARIF 2.1.0 schema (an identifier: nothing fetches it). */
export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** A result, when the analyses arrive: a finding as `faultline run --json` has it, found before the driver runs. */
export interface CheckResult {
  readonly rule: string;
  readonly title: string;
  readonly message: string;
  readonly location: { readonly file: string; readonly line: number; readonly column: number; readonly endLine?: number; readonly endColumn?: number };
}

/** The rules `check` runs: the catalogue's static ones, in catalogue order. */
export function staticRules(): Rule[] {
  return RULES.filter((r) => r.static);
}

/** The files to check: each must exist, be a file, and be TypeScript. */
export function checkFiles(files: readonly string[]): string[] {
  if (!files.length) throw new UsageError("faultline check needs the files to check: faultline check path/to/driver.ts... [--format text|json|sarif]");
  return files.map((f) => {
    if (!fs.existsSync(f)) throw new UsageError(`${f}: no such file`);
    if (fs.statSync(f).isDirectory()) throw new UsageError(`${f}: a folder; name its files (e.g. ${path.join(f, "*.ts")})`);
    if (!f.endsWith(".ts")) throw new UsageError(`${f}: faultline check reads TypeScript files (.ts)`);
    return path.resolve(f);
  });
}

export function checkCommand(files: readonly string[], format: string | undefined, out: (s: string) => void): number {
  const fmt = format ?? "text";
  if (!(CHECK_FORMATS as readonly string[]).includes(fmt)) throw new UsageError(`--format must be one of ${CHECK_FORMATS.join(", ")}, got "${fmt}"`);
  const abs = checkFiles(files);
  const rules = staticRules();
  const results: CheckResult[] = [];
  switch (fmt as CheckFormat) {
    case "text": out(checkText(abs, rules, results)); break;
    case "json": out(JSON.stringify(checkJson(abs, rules, results), null, 2) + "\n"); break;
    case "sarif": out(JSON.stringify(checkSarif(abs, rules, results), null, 2) + "\n"); break;
  }
  return results.length ? 1 : 0;
}

export function checkText(files: readonly string[], rules: readonly Rule[], results: readonly CheckResult[]): string {
  const w = Math.max(...rules.map((r) => r.id.length));
  return [
    `faultline check: ${files.length} file${files.length === 1 ? "" : "s"}, ${rules.length} static rules`,
    ...files.map((f) => `  ${rel(f)}`),
    "",
    `rules (the catalogue's static rules):`,
    ...rules.map((r) => `  ${r.id.padEnd(w)}  ${r.title}`),
    "",
    `note: ${PENDING_NOTE}`,
    "",
    results.length ? `results (${results.length}):` : "results: none",
    ...results.map((r) => `  ${r.rule} ${rel(r.location.file)}:${r.location.line}:${r.location.column}: ${r.message}`),
  ].join("\n") + "\n";
}

/** `--format json`: the shape cli/schema/check.schema.json pins down. */
export function checkJson(files: readonly string[], rules: readonly Rule[], results: readonly CheckResult[]): Record<string, unknown> {
  return {
    faultline: JSON_FORMAT_VERSION,
    command: "check",
    note: PENDING_NOTE,
    rules: rules.map((r) => ({ id: r.id, title: r.title, category: r.category, summary: r.summary, dynamic: r.dynamic })),
    files: files.map(rel),
    results: results.map((r) => ({ ...r, location: { ...r.location, file: rel(r.location.file) } })),
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

/** `--format sarif`: a SARIF 2.1.0 log with one run, the static rules as its tool's rules, the files as its artifacts. */
export function checkSarif(files: readonly string[], rules: readonly Rule[], results: readonly CheckResult[]): Record<string, unknown> {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const fileIndex = new Map(files.map((f, i) => [f, i]));
  const version = packageVersion();
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
            help: { text: r.summary, markdown: r.docs },
            defaultConfiguration: { level: "error" },
            properties: { category: r.category, tags: [r.category, ...(r.dynamic ? ["dynamic"] : []), "static"] },
          })),
        },
      },
      invocations: [{
        executionSuccessful: true,
        toolExecutionNotifications: [{ level: "note", message: { text: PENDING_NOTE } }],
      }],
      originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileURL(process.cwd()).href.replace(/\/?$/, "/") } },
      artifacts: files.map((f) => ({ location: artifactLocation(f), sourceLanguage: "typescript" })),
      results: results.map((r) => ({
        ruleId: r.rule,
        ...(index.has(r.rule) ? { ruleIndex: index.get(r.rule) } : {}),
        level: "error",
        message: { text: r.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { ...artifactLocation(r.location.file), ...(fileIndex.has(r.location.file) ? { index: fileIndex.get(r.location.file) } : {}) },
            region: {
              startLine: r.location.line, startColumn: r.location.column,
              ...(r.location.endLine ? { endLine: r.location.endLine } : {}), ...(r.location.endColumn ? { endColumn: r.location.endColumn } : {}),
            },
          },
        }],
      })),
      columnKind: "utf16CodeUnits",
    }],
  };
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
