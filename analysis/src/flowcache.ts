/**
 * The flow pass, one function at a time, reusing what an earlier analysis of
 * the same file found for each function whose inputs are unchanged: typing in
 * one handler of a 3,000-line driver re-runs that handler (and what depends on
 * it), not the whole file.
 *
 * A function's findings are a function of the text it can read, so its cache
 * key is made of texts, never positions:
 *  - the file's skeleton: every top-level statement that is not a function
 *    (imports, globals, tables, classes and their methods, types), every
 *    statement that mentions a spinlock or rwlock (lockDecl() searches the whole
 *    file), the sibling files' texts, and whether the file sets the DMA mask;
 *  - the top-level statements of the functions it can reach by name, to any
 *    depth (what it inlines and what forgetReached() walks), with the roles and
 *    callers of each (those come from the whole file);
 *  - for a handler, the same for each setup function whose end state holds a
 *    key the handler can name (relevant() drops the others' state), and which
 *    setups those are.
 * Positions are stored relative to the start of one of those statements and
 * found again in the new text; a finding placed anywhere else is not cached.
 * The findings of every function, cached or not, are then added to the report
 * in the order one uncached pass adds them, so the deduplication between
 * functions comes out the same. The uncached pass (analyze.ts runFlow) is
 * what the tests hold this one to.
 */
import { createHash } from "node:crypto";
import ts from "typescript";
import type { FlowAnalysis } from "./flow";
import type { FnInfo, Unit } from "./program";
import { inherited, isSetup, namesReached, relevant, setupExit, setupOnly, union } from "./setup";
import { State } from "./state";
import type { Range, StaticFinding } from "./types";

/** A position: [index of a statement in the function's dependency list (-1: offset 0 of the file), offset from its start]. */
type Pos = readonly [number, number];
type StoredRange = { readonly a: Pos; readonly b: Pos } | { readonly abs: Range };
interface Stored {
  readonly f: StaticFinding;
  readonly range: StoredRange;
  readonly related: readonly StoredRange[];
  readonly edits: readonly (readonly StoredRange[])[];
}

interface Entry {
  /** The key of the function's own reach (closureKey). */
  readonly ck: string;
  /** ck plus the setups it inherits from. */
  readonly key: string;
  /** namesReached() of the function (a handler's), valid while ck is. */
  readonly names?: ReadonlySet<string>;
  /** A setup's: the bases of the keys its end state hands on. */
  readonly baseNames?: ReadonlySet<string>;
  /** undefined: not cacheable (a finding outside its dependencies). */
  readonly findings: readonly Stored[] | undefined;
}

interface FileCache { entries: Map<string, Entry>; facts: Map<string, Facts> }

const files = new Map<string, FileCache>();
const MAX_FILES = 32;

const hash = (s: string) => createHash("sha1").update(s).digest("base64");

interface Stmt { readonly start: number; readonly end: number; readonly hash: string; readonly facts: Facts }

/** What a top-level statement holds, from its text alone (cached by its hash). */
interface Facts {
  readonly kind: "fn" | "class" | "import" | "other";
  /** Identifiers used anywhere in it. */
  readonly idents: readonly string[];
  /** Top-level names it declares. */
  readonly declares: readonly string[];
  /** Names of the members of a class. */
  readonly methods: readonly string[];
  /** Holds a member typed as a spinlock or rwlock (lockDecl() searches the whole file for them). */
  readonly lockish: boolean;
}

/** A statement that only defines functions. */
function onlyFunctions(st: ts.Statement): boolean {
  if (ts.isFunctionDeclaration(st)) return true;
  if (ts.isExportAssignment(st)) { const e = skip(st.expression); return ts.isArrowFunction(e) || ts.isFunctionExpression(e); }
  if (ts.isVariableStatement(st)) {
    return st.declarationList.declarations.length > 0 && st.declarationList.declarations.every((d) => { const e = d.initializer && skip(d.initializer); return !!e && (ts.isArrowFunction(e) || ts.isFunctionExpression(e)); });
  }
  return false;
}
function skip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

function factsOf(st: ts.Statement): Facts {
  const idents = new Set<string>();
  let lockish = false;
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) idents.add(n.text);
    // The same test as flow.ts lockDecl(), whatever the member's name.
    else if (!lockish && (ts.isPropertySignature(n) || ts.isPropertyDeclaration(n)) && /spinlock|rwlock/.test(n.type?.getText() ?? (ts.isPropertyDeclaration(n) ? n.initializer?.getText() ?? "" : ""))) lockish = true;
    ts.forEachChild(n, visit);
  };
  visit(st);
  const declares: string[] = [];
  const bind = (b: ts.BindingName) => {
    if (ts.isIdentifier(b)) declares.push(b.text);
    else for (const e of b.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  const methods: string[] = [];
  if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bind(d.name);
  else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st)) && st.name && ts.isIdentifier(st.name)) declares.push(st.name.text);
  if (ts.isClassDeclaration(st)) for (const m of st.members) if (m.name && (ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name))) methods.push(m.name.text);
  const kind = ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st) ? "import" : ts.isClassDeclaration(st) ? "class" : onlyFunctions(st) || ts.isExportAssignment(st) ? "fn" : "other";
  return { kind, idents: [...idents], declares, methods, lockish };
}

function topStatement(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && !ts.isSourceFile(n.parent)) n = n.parent;
  return n;
}

export function runFlowCached(unit: Unit, flow: FlowAnalysis, siblings: readonly string[]): void {
  const sf = unit.sf;
  const cache = files.get(unit.fileName) ?? { entries: new Map<string, Entry>(), facts: new Map<string, Facts>() };
  files.delete(unit.fileName);

  // ---- the statements, hashed; what every function depends on
  const lineStarts = sf.getLineStarts();
  const index = new Map<ts.Node, number>();
  const facts = new Map<string, Facts>();
  const stmts: Stmt[] = sf.statements.map((st, i) => {
    index.set(st, i);
    const start = lineStarts[sf.getLineAndCharacterOfPosition(st.getStart(sf)).line]!;
    const h = hash(sf.text.slice(start, st.end));
    const fa = facts.get(h) ?? cache.facts.get(h) ?? factsOf(st);
    facts.set(h, fa);
    return { start, end: st.end, hash: h, facts: fa };
  });
  const base: number[] = [];
  const declared = new Map<string, number[]>();
  const members = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, i: number) => { const l = m.get(k); if (l) l.push(i); else m.set(k, [i]); };
  stmts.forEach((s, i) => {
    if (s.facts.kind === "import" || s.facts.lockish) base.push(i);
    for (const n of s.facts.declares) push(declared, n, i);
    for (const n of s.facts.methods) push(members, n, i);
  });
  const global = hash([...base.map((i) => stmts[i]!.hash), String(flow.setsMask()), ...siblings].join("\n"));

  // ---- what each function can reach by name
  const stmtOf = new Map<FnInfo, number>();
  for (const f of unit.functions.values()) stmtOf.set(f, index.get(topStatement(f.node))!);
  const byStmt = new Map<number, FnInfo[]>();
  for (const [f, i] of stmtOf) byStmt.set(i, [...(byStmt.get(i) ?? []), f]);
  const closures = new Map<FnInfo, { stmts: number[]; ck: string }>();
  /** The statements one statement names (declarations, class members), once per statement. */
  const edges = new Map<number, number[]>();
  const edgesOf = (k: number): number[] => {
    let out = edges.get(k);
    if (out) return out;
    const from = stmts[k]!.facts;
    // A global's initializer is read for its value (values.ts), never followed into a function.
    const intoFunctions = from.kind === "fn" || from.kind === "class";
    const set = new Set<number>();
    for (const t of from.idents) {
      for (const m of [declared.get(t), members.get(t)]) for (const i of m ?? []) if (intoFunctions || stmts[i]!.facts.kind !== "fn") set.add(i);
    }
    out = [...set];
    edges.set(k, out);
    return out;
  };
  const closureOf = (f: FnInfo) => {
    let c = closures.get(f);
    if (c) return c;
    const seen = new Set<number>([stmtOf.get(f)!]);
    const todo = [stmtOf.get(f)!];
    while (todo.length) {
      for (const i of edgesOf(todo.pop()!)) {
        if (seen.has(i)) continue;
        seen.add(i);
        todo.push(i);
      }
    }
    const list = [...seen].sort((a, b) => a - b);
  const fnsIn = list.flatMap((i) => byStmt.get(i) ?? []);
    const parts = [global, f.name, String(setupOnly(unit, f)), ...list.map((i) => stmts[i]!.hash),
      ...fnsIn.map((g) => `${g.name}|${[...g.roles].sort().join(",")}|${[...g.callers].sort().join(",")}`)];
    c = { stmts: list, ck: hash(parts.join("\n")) };
    closures.set(f, c);
    return c;
  };

  // ---- anchoring positions to dependency statements
  type Deps = readonly (readonly number[])[];
  const depsOf = (lists: Deps): Deps => lists;
  const store = (found: readonly StaticFinding[], lists: Deps): Stored[] | undefined => {
    if (!found.length) return [];
    const deps = lists.flat();
    let ok = true;
    const pos = (p: { line: number; character: number }): Pos => {
      const off = sf.getPositionOfLineAndCharacter(p.line, p.character);
      for (let k = 0; k < deps.length; k++) {
        const s = stmts[deps[k]!]!;
        if (off >= s.start && off <= s.end) return [k, off - s.start];
      }
      if (off === 0) return [-1, 0];
      ok = false;
      return [-1, 0];
    };
    const rng = (r: Range, file: string): StoredRange => (file === unit.fileName ? { a: pos(r.start), b: pos(r.end) } : { abs: r });
    const out = found.map((f): Stored => ({
      f, range: rng(f.range, f.file), related: f.related.map((r) => rng(r.range, r.file)), edits: f.fixes.map((x) => x.edits.map((e) => rng(e.range, x.file))),
    }));
    return ok ? out : undefined;
  };
  const restore = (s: readonly Stored[], lists: Deps): StaticFinding[] => {
    if (!s.length) return [];
    const deps = lists.flat();
    const at = (p: Pos) => sf.getLineAndCharacterOfPosition(p[0] < 0 ? 0 : stmts[deps[p[0]]!]!.start + p[1]);
    const rng = (r: StoredRange): Range => ("abs" in r ? r.abs : { start: at(r.a), end: at(r.b) });
    return s.map(({ f, range, related, edits }) => ({
      ...f, range: rng(range), related: f.related.map((r, i) => ({ ...r, range: rng(related[i]!) })),
      fixes: f.fixes.map((x, i) => ({ ...x, edits: x.edits.map((e, j) => ({ ...e, range: rng(edits[i]![j]!) })) })),
    }));
  };

  // ---- running one function, its findings collected rather than reported
  const rep = flow.rep;
  const record = (f: FnInfo, entry: State): { found: StaticFinding[]; result: ReturnType<FlowAnalysis["run"]> } => {
    const found: StaticFinding[] = [];
    rep.divert = (x) => found.push(x);
    try { return { found, result: flow.run(f, entry) }; } finally { rep.divert = undefined; }
  };

  const fns = [...unit.functions.values()];
  const setups = fns.filter(isSetup);
  const next = new Map<string, Entry>();
  const findings = new Map<FnInfo, StaticFinding[]>();
  const ends = new Map<FnInfo, State | null>();
  const baseNames = new Map<FnInfo, ReadonlySet<string>>();
  /** The dependency statements a cached function's positions are anchored to. */
  const depsFor = new Map<FnInfo, Deps>();

  for (const s of setups) {
    const { ck, stmts: reach } = closureOf(s);
    const old = cache.entries.get(s.name);
    if (old && old.key === ck && old.findings && old.baseNames) {
      next.set(s.name, old);
      baseNames.set(s, old.baseNames);
      depsFor.set(s, depsOf([base, reach]));
      continue;
    }
    const { found, result } = record(s, new State());
    const end = setupExit(result);
    const inh = end ? inherited(end) : null;
    ends.set(s, inh);
    const names = inh ? keyBases(inh) : new Set<string>();
    baseNames.set(s, names);
    findings.set(s, found);
    next.set(s.name, { ck, key: ck, baseNames: names, findings: store(found, depsOf([base, reach])) });
  }

  interface Todo { readonly f: FnInfo; readonly alone: boolean; readonly names: ReadonlySet<string>; readonly from: readonly FnInfo[]; readonly ck: string; readonly key: string; readonly deps: Deps }
  const todo: Todo[] = [];
  for (const f of fns) {
    if (isSetup(f)) continue;
    const { ck, stmts: reach } = closureOf(f);
    const old = cache.entries.get(f.name);
    const alone = setupOnly(unit, f);
    const names = alone ? new Set<string>() : old && old.ck === ck && old.names ? old.names : namesReached(unit, f);
    const from = alone ? [] : setups.filter((s) => intersects(baseNames.get(s)!, names));
    const key = hash([ck, ...from.map((s) => `${s.name}=${closureOf(s).ck}`)].join("\n"));
    const deps = depsOf([base, reach, ...from.map((s) => closureOf(s).stmts)]);
    if (old && old.key === key && old.findings) { next.set(f.name, old); depsFor.set(f, deps); continue; }
    todo.push({ f, alone, names, from, ck, key, deps });
  }

  if (todo.length) {
    // The setups the re-run handlers inherit from, in setup order; a cached setup runs again (unreported) for its state.
    const needed = new Set(todo.flatMap((t) => t.from));
    let setupEnd: State | null = null;
    for (const s of setups) {
      if (!needed.has(s)) continue;
      if (!ends.has(s)) {
        const { result } = record(s, new State());
        const end = setupExit(result);
        ends.set(s, end ? inherited(end) : null);
      }
      const inh = ends.get(s);
      if (inh) setupEnd = union(setupEnd, inh);
    }
    const entry = setupEnd ?? new State();
    for (const t of todo) {
      const { found } = record(t.f, t.alone ? new State() : relevant(entry, t.names));
      findings.set(t.f, found);
      next.set(t.f.name, { ck: t.ck, key: t.key, names: t.names, findings: store(found, t.deps) });
    }
  }

  // ---- every function's findings, in the order of the uncached pass
  for (const f of [...setups, ...fns.filter((x) => !isSetup(x))]) {
    let list = findings.get(f);
    list ??= restore(next.get(f.name)!.findings!, depsFor.get(f)!);
    for (const x of list) rep.add(x);
  }

  files.set(unit.fileName, { entries: next, facts });
  if (files.size > MAX_FILES) files.delete(files.keys().next().value!);
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) return true;
  return false;
}

/** The names relevant() matches a state's keys by. */
function keyBases(s: State): Set<string> {
  const base = (k: string) => k.replace(/^(\.|g:)/, "").replace(/(\[\]|\.value)+$/, "");
  const out = new Set<string>();
  const add = (keys: Iterable<string>) => { for (const k of keys) out.add(base(k)); };
  for (const r of s.recs.values()) { add(r.handleKeys); add(r.bufKeys); add(r.retKeys); }
  for (const a of s.allocs.values()) add(a.keys);
  add(s.reserved.keys());
  add(s.fieldVals.keys());
  return out;
}
