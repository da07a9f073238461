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
import { parseUnit, SETUP_ROLES, type FnInfo, type Unit } from "./program";
import { Reporter } from "./report";
import { State, join } from "./state";
import { AnalysisCancelled, type AnalysisOptions, type StaticFinding } from "./types";

/** Resolves a relative import of the analysed file ("./helpers") to its text, or undefined. */
export type SiblingResolver = (relativeImport: string) => { fileName: string; text: string } | undefined;

/** Analyses one driver file. Never throws on malformed input; throws AnalysisCancelled when options.isCancelled() says so. */
export function analyzeSource(fileName: string, text: string, options: AnalysisOptions = {}, siblings?: SiblingResolver): StaticFinding[] {
  const isCancelled = options.isCancelled ?? (() => false);
  const unit = parseUnit(fileName, text);
  const rep = new Reporter(unit.sf, fileName);
  const flow = new FlowAnalysis(unit, rep, isCancelled);
  if (siblings) loadSiblings(unit, siblings, flow);
  try {
    runFlow(unit, flow);
    fileRules(unit, new FileFacts(unit), rep);
  } catch (e) {
    if (e instanceof CancelSignal) throw new AnalysisCancelled();
    throw e;
  }
  if (isCancelled()) throw new AnalysisCancelled();
  return applySettings(suppress(rep.findings(), unit.sf), options);
}

function loadSiblings(unit: Unit, resolve: SiblingResolver, flow: FlowAnalysis): void {
  const modules = new Set([...unit.relativeImports.values()].map((i) => i.module));
  for (const m of modules) {
    let sib: { fileName: string; text: string } | undefined;
    try { sib = resolve(m); } catch { sib = undefined; }
    if (sib) flow.siblings.set(m, parseUnit(sib.fileName, sib.text));
  }
}

function runFlow(unit: Unit, flow: FlowAnalysis): void {
  const fns = [...unit.functions.values()];
  const isSetup = (f: FnInfo) => [...f.roles].some((r) => SETUP_ROLES.has(r));
  // Helpers only ever called from setup start from nothing; everything else starts from what setup leaves.
  const setupOnly = (f: FnInfo, seen = new Set<string>()): boolean => {
    if (isSetup(f)) return true;
    if (!f.callers.size || f.roles.size) return false;
    if (seen.has(f.name)) return true;
    seen.add(f.name);
    return [...f.callers].every((c) => { const cf = unit.functions.get(c); return !!cf && setupOnly(cf, seen); });
  };
  let setupEnd: State | null = null;
  for (const f of fns.filter(isSetup)) {
    const r = flow.run(f, new State());
    const ok = r.exits.filter((e) => !e.error);
    let s: State | null = null;
    for (const e of ok.length ? ok : r.exits) s = join(s, e.state);
    if (s) setupEnd = union(setupEnd, inherited(s));
  }
  const entry = setupEnd ?? new State();
  for (const f of fns) {
    if (isSetup(f)) continue;
    flow.run(f, setupOnly(f) ? new State() : relevant(entry, namesReached(unit, f)));
  }
}

/** The field and variable names a function (and the helpers it calls, two deep) can touch. */
function namesReached(unit: Unit, fn: FnInfo): Set<string> {
  const names = new Set<string>();
  const seen = new Set<FnInfo>();
  const walk = (f: FnInfo, depth: number): void => {
    if (seen.has(f) || depth > 2) return;
    seen.add(f);
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) {
        names.add(n.text);
        const callee = unit.functions.get(n.text);
        if (callee && callee !== f) walk(callee, depth + 1);
      }
      ts.forEachChild(n, visit);
    };
    if (f.node.body) visit(f.node.body);
  };
  walk(fn, 0);
  return names;
}

/** Only what a function can reach of the setup state: a big file's many buffers need not be copied at every branch of every handler. */
function relevant(s: State, names: Set<string>): State {
  const base = (k: string) => k.replace(/^(\.|g:)/, "").replace(/(\[\]|\.value)+$/, "");
  const hit = (keys: Iterable<string>) => { for (const k of keys) if (names.has(base(k))) return true; return false; };
  const out = new State();
  for (const [id, r] of s.recs) if (hit(r.handleKeys) || hit(r.bufKeys) || hit(r.retKeys)) out.recs.set(id, r);
  for (const [id, a] of s.allocs) if (hit(a.keys)) out.allocs.set(id, a);
  for (const [k, v] of s.reserved) if (hit([k])) out.reserved.set(k, v);
  for (const [k, v] of s.fieldVals) if (hit([k])) out.fieldVals.set(k, v);
  return out;
}

/** Two setup functions' results side by side: what one leaves does not become "maybe" because the other never touched it. */
function union(a: State | null, b: State): State {
  if (!a) return b;
  const out = a.clone();
  for (const [id, r] of b.recs) out.recs.set(id, r);
  for (const [id, x] of b.allocs) out.allocs.set(id, x);
  for (const [k, v] of b.reserved) out.reserved.set(k, v);
  for (const [k, v] of b.fieldVals) out.fieldVals.set(k, v);
  return out;
}

/** What a handler inherits from setup: state held in struct fields and globals, no longer "created here". */
function inherited(s: State): State {
  const out = s.clone();
  const keep = (k: string) => k.startsWith(".") || k.startsWith("g:");
  for (const [id, r] of out.recs) {
    r.handleKeys = new Set([...r.handleKeys].filter(keep));
    r.bufKeys = new Set([...r.bufKeys].filter(keep));
    r.retKeys = new Set([...r.retKeys].filter(keep));
    r.local = false;
    r.checked = true;
    if (!r.handleKeys.size && !r.bufKeys.size) out.recs.delete(id);
  }
  for (const [id, a] of out.allocs) {
    a.keys = new Set([...a.keys].filter(keep));
    a.local = false;
    a.checked = true;
    if (!a.keys.size) out.allocs.delete(id);
  }
  out.reserved = new Map([...out.reserved].filter(([k]) => keep(k)));
  out.kmaps = [];
  out.atomic = [];
  out.mmapLocked = false;
  out.dirty = new Set();
  out.written = new Set();
  return out;
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
