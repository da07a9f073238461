/**
 * The entry points: one file's text in, findings out. Runs the setup
 * functions (module_init, probe) first so the state they leave in struct
 * fields and globals becomes the starting state of every handler, then every
 * function, then the file-wide rules; applies suppression comments and the
 * caller's rule settings last.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { isRuleId, type RuleId } from "../../sim-core/src/rules/catalogue";
import { fileRules, FileFacts } from "./filewide";
import { CancelSignal, FlowAnalysis } from "./flow";
import { runFlowCached } from "./flowcache";
import { parseUnit, type Unit } from "./program";
import { Reporter } from "./report";
import { isSetup, namesReached, relevant, setupExit, setupOnly, union, inherited } from "./setup";
import { State } from "./state";
import { AnalysisCancelled, type AnalysisOptions, type StaticFinding } from "./types";

/** Resolves a relative import of the analysed file ("./helpers") to its text, or undefined. */
export type SiblingResolver = (relativeImport: string) => { fileName: string; text: string } | undefined;

/** Analyses one driver file. Never throws on malformed input; throws AnalysisCancelled when options.isCancelled() says so. */
export function analyzeSource(fileName: string, text: string, options: AnalysisOptions = {}, siblings?: SiblingResolver): StaticFinding[] {
  const isCancelled = options.isCancelled ?? (() => false);
  const reuse = options.reuse !== false;
  const unit = parseUnit(fileName, text, reuse);
  const rep = new Reporter(unit.sf, fileName);
  const flow = new FlowAnalysis(unit, rep, isCancelled);
  const sibs = siblings ? loadSiblings(unit, siblings, flow, reuse) : [];
  try {
    if (reuse) runFlowCached(unit, flow, sibs);
    else runFlow(unit, flow);
    fileRules(unit, new FileFacts(unit), rep);
  } catch (e) {
    if (e instanceof CancelSignal) throw new AnalysisCancelled();
    throw e;
  }
  if (isCancelled()) throw new AnalysisCancelled();
  return applySettings(suppress(rep.findings(), unit.sf), options);
}

/** Parses the sibling files the unit imports from; returns what was loaded (module, file, text), for the flow cache's keys. */
function loadSiblings(unit: Unit, resolve: SiblingResolver, flow: FlowAnalysis, reuse: boolean): string[] {
  const modules = new Set([...unit.relativeImports.values()].map((i) => i.module));
  const loaded: string[] = [];
  for (const m of modules) {
    let sib: { fileName: string; text: string } | undefined;
    try { sib = resolve(m); } catch { sib = undefined; }
    if (sib) {
      flow.siblings.set(m, parseUnit(sib.fileName, sib.text, reuse));
      loaded.push(m, sib.fileName, sib.text);
    }
  }
  return loaded;
}

function runFlow(unit: Unit, flow: FlowAnalysis): void {
  const fns = [...unit.functions.values()];
  let setupEnd: State | null = null;
  for (const f of fns.filter(isSetup)) {
    const s = setupExit(flow.run(f, new State()));
    if (s) setupEnd = union(setupEnd, inherited(s));
  }
  const entry = setupEnd ?? new State();
  for (const f of fns) {
    if (isSetup(f)) continue;
    flow.run(f, setupOnly(unit, f) ? new State() : relevant(entry, namesReached(unit, f)));
  }
}

const SUPPRESS = /\/\/\s*faultline-disable-(next-line|line)\b([^\n]*)/g;

/** Drops findings silenced by `// faultline-disable-next-line RULE…` or `// faultline-disable-line RULE…` (no rule: all). */
export function suppress(findings: readonly StaticFinding[], sf: ts.SourceFile): StaticFinding[] {
  const off = new Map<number, Set<string> | "all">();
  for (const m of sf.text.matchAll(SUPPRESS)) {
    const line = sf.getLineAndCharacterOfPosition(m.index!).line + (m[1] === "next-line" ? 1 : 0);
    const ids = (m[2] ?? "").split(/[\s,]+/).filter((x) => isRuleId(x));
    const prev = off.get(line);
    if (!ids.length || prev === "all") off.set(line, "all");
    else off.set(line, new Set([...(prev ?? []), ...ids]));
  }
  if (!off.size) return [...findings];
  return findings.filter((f) => {
    const o = off.get(f.range.start.line);
    return !o || (o !== "all" && !o.has(f.rule));
  });
}

function applySettings(findings: StaticFinding[], options: AnalysisOptions): StaticFinding[] {
  const rules = options.rules;
  if (!rules) return findings;
  const out: StaticFinding[] = [];
  for (const f of findings) {
    const s = rules[f.rule as RuleId];
    if (s === "off") continue;
    out.push(s ? { ...f, severity: s } : f);
  }
  return out;
}

/** The .ts files under the given files and folders (node_modules, out and dist skipped; .d.ts skipped), sorted. */
export function collectFiles(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) {
        if (e === "node_modules" || e === "out" || e === "dist" || e.startsWith(".")) continue;
        walk(path.join(p, e));
      }
    } else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.add(path.resolve(p));
  };
  for (const p of paths) walk(p);
  return [...out].sort();
}

/** Analyses files from disk (faultline check): sibling imports resolve to files beside each one. */
export function analyzeFiles(paths: readonly string[], options?: AnalysisOptions): StaticFinding[] {
  const out: StaticFinding[] = [];
  for (const file of collectFiles(paths)) {
    const text = fs.readFileSync(file, "utf8");
    out.push(...analyzeSource(file, text, options, diskSiblings(file)));
  }
  return out;
}

export function diskSiblings(file: string): SiblingResolver {
  return (spec) => {
    for (const cand of [spec, `${spec}.ts`, path.join(spec, "index.ts")]) {
      const p = path.resolve(path.dirname(file), cand);
      if (p.endsWith(".ts") && fs.existsSync(p) && fs.statSync(p).isFile()) return { fileName: p, text: fs.readFileSync(p, "utf8") };
    }
    return undefined;
  };
}
