/**
 * How the state setup functions (module_init, probe) leave behind becomes the
 * starting state of every other entry point: shared by the plain pass
 * (analyze.ts) and the cached one (flowcache.ts), which must agree exactly.
 */
import ts from "typescript";
import type { FlowResult } from "./flow";
import { SETUP_ROLES, type FnInfo, type Unit } from "./program";
import { State, join } from "./state";

export const isSetup = (f: FnInfo) => [...f.roles].some((r) => SETUP_ROLES.has(r));

/** Helpers only ever called from setup start from nothing; everything else starts from what setup leaves. */
export function setupOnly(unit: Unit, f: FnInfo, seen = new Set<string>()): boolean {
  if (isSetup(f)) return true;
  if (!f.callers.size || f.roles.size) return false;
  if (seen.has(f.name)) return true;
  seen.add(f.name);
  return [...f.callers].every((c) => { const cf = unit.functions.get(c); return !!cf && setupOnly(unit, cf, seen); });
}

/** A setup function's end state: its successful exits joined (all of them when none succeeds). */
export function setupExit(r: FlowResult): State | null {
  const ok = r.exits.filter((e) => !e.error);
  let s: State | null = null;
  for (const e of ok.length ? ok : r.exits) s = join(s, e.state);
  return s;
}

/** The field and variable names a function (and the helpers it calls, two deep) can touch. */
export function namesReached(unit: Unit, fn: FnInfo): Set<string> {
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
export function relevant(s: State, names: ReadonlySet<string>): State {
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
export function union(a: State | null, b: State): State {
  if (!a) return b;
  const out = a.clone();
  for (const [id, r] of b.recs) out.recs.set(id, r);
  for (const [id, x] of b.allocs) out.allocs.set(id, x);
  for (const [k, v] of b.reserved) out.reserved.set(k, v);
  for (const [k, v] of b.fieldVals) out.fieldVals.set(k, v);
  return out;
}

/** What a handler inherits from setup: state held in struct fields and globals, no longer "created here". */
export function inherited(s: State): State {
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

