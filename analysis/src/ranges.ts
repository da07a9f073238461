/**
 * Byte ranges of a streaming mapping, for the rules that need to know which
 * part of a buffer a dma_sync_single_range_for_cpu() gave back: the range a
 * sync covers and the range an access touches, as values (constants, or
 * symbols compared only for identity), and the finite set of constants a
 * struct field can hold when every store to it in the file is a constant or
 * a constant bit operation (an igb-style `off ^= HALF` flips between two).
 * Anything else is unknown, and an unknown range decides nothing.
 */
import ts from "typescript";
import { skipOuter, type FnInfo, type Unit } from "./program";
import { offsetOf, valOf, type Frame, type Val } from "./values";

export interface ByteRange { readonly off: Val; readonly len: Val }

/** The offset from the buffer's start that a pointer expression adds (`page_address(pg) + s.off`), when it can be written down. */
export function offsetVal(e: ts.Expression, f: Frame, fields: ReadonlyMap<string, Val>, depth = 0): Val | undefined {
  e = skipOuter(e);
  if (depth > 8) return undefined;
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = offsetVal(e.left, f, fields, depth + 1);
    const r = valOf(e.right, f, fields);
    if (!l) return undefined;
    if (l.k === "const" && r.k === "const") return { k: "const", n: l.n + r.n, text: e.getText() };
    if (l.k === "const" && l.n === 0) return r;
    if (r.k === "const" && r.n === 0) return l;
    return undefined;
  }
  if (ts.isBinaryExpression(e)) return undefined;
  // A local alias with its own offset folds as offsetOf() does; any other base starts at 0.
  const n = offsetOf(e, f);
  return n === undefined ? undefined : { k: "const", n, text: String(n) };
}

const MAX_VALUES = 8;
const fieldCache = new WeakMap<ts.SourceFile, Map<string, readonly number[] | null>>();

/**
 * Every constant a field of this name can hold, from the stores to it in the file (assignments, object literal
 * properties, class property initialisers, parameter properties and the arguments `new` passes them), closed under
 * the constant bit operations stored into it. undefined when one store is anything else, or when objects start
 * with different values.
 */
export function fieldValues(unit: Unit, name: string): readonly number[] | undefined {
  let cache = fieldCache.get(unit.sf);
  if (!cache) { cache = new Map(); fieldCache.set(unit.sf, cache); }
  if (!cache.has(name)) cache.set(name, compute(unit, name) ?? null);
  return cache.get(name) ?? undefined;
}

function compute(unit: Unit, name: string): number[] | undefined {
  const fn: FnInfo = { name: "", node: undefined as never, params: [], roles: new Set(), callers: new Set() };
  const frame: Frame = { unit, fn, depth: 0, params: new Map(), defs: new Map(), locals: new Set(), irq: false, chain: "" };
  const konst = (e: ts.Expression): number | undefined => { const v = valOf(e, frame); return v.k === "const" ? v.n : undefined; };
  const init: number[] = [];
  const ops: ((x: number) => number)[] = [];
  let ok = true;
  const paramIndex = new Map<string, number>(); // class name → index of the parameter property
  const add = (n: number | undefined) => { if (n === undefined) ok = false; else init.push(n); };
  const named = (n: ts.Node | undefined) => !!n && (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) && n.text === name;
  const visit = (n: ts.Node): void => {
    if (!ok) return;
    if (ts.isBinaryExpression(n) && ts.isPropertyAccessExpression(skipOuter(n.left)) && named((skipOuter(n.left) as ts.PropertyAccessExpression).name)) {
      const op = n.operatorToken.kind, c = konst(n.right);
      if (op === ts.SyntaxKind.EqualsToken) add(c);
      else if (c === undefined) ok = false;
      else if (op === ts.SyntaxKind.CaretEqualsToken) ops.push((x) => x ^ c);
      else if (op === ts.SyntaxKind.BarEqualsToken) ops.push((x) => x | c);
      else if (op === ts.SyntaxKind.AmpersandEqualsToken) ops.push((x) => x & c);
      else ok = false;
    } else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)
      && ts.isPropertyAccessExpression(skipOuter(n.operand)) && named((skipOuter(n.operand) as ts.PropertyAccessExpression).name)) {
      ok = false;
    } else if (ts.isPropertyAssignment(n) && named(n.name)) add(konst(n.initializer));
    else if (ts.isShorthandPropertyAssignment(n) && named(n.name)) ok = false;
    else if (ts.isPropertyDeclaration(n) && named(n.name)) { if (n.initializer) add(konst(n.initializer)); }
    else if (ts.isParameter(n) && named(n.name) && ts.isConstructorDeclaration(n.parent) && n.modifiers?.length) {
      const cls = n.parent.parent;
      if (!ts.isClassDeclaration(cls) || !cls.name) ok = false;
      else {
        paramIndex.set(cls.name.text, n.parent.parameters.indexOf(n));
        if (n.initializer) add(konst(n.initializer));
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(unit.sf);
  // What `new C(…)` passes to the parameter property (a missing argument takes the default, counted above).
  const news = (n: ts.Node): void => {
    if (!ok) return;
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && paramIndex.has(n.expression.text)) {
      const i = paramIndex.get(n.expression.text)!;
      const a = n.arguments?.[i];
      if (a) add(konst(a));
      else if (n.arguments?.some(ts.isSpreadElement)) ok = false;
    }
    ts.forEachChild(n, news);
  };
  if (paramIndex.size) news(unit.sf);
  // Objects made with different values hold one each, and which object an expression reads is not known: only a
  // field every object starts with the same value in, and changes in place, takes each value of its orbit.
  const seen = new Set(init);
  if (!ok || seen.size !== 1) return undefined;
  for (let work = [...seen]; work.length;) {
    const x = work.pop()!;
    for (const op of ops) {
      const y = op(x);
      if (!seen.has(y)) { seen.add(y); work.push(y); if (seen.size > MAX_VALUES) return undefined; }
    }
  }
  return [...seen];
}

/** The constants a value can be: itself, or a field's set; undefined when not known. */
export function candidates(v: Val, unit: Unit): readonly number[] | undefined {
  if (v.k === "const") return [v.n];
  if (v.s.startsWith(".") && /^\.[A-Za-z_$][\w$]*$/.test(v.s)) return fieldValues(unit, v.s.slice(1));
  return undefined;
}

const same = (a: Val, b: Val): boolean => (a.k === "const" && b.k === "const" ? a.n === b.n : a.k === "sym" && b.k === "sym" && a.s === b.s);

/**
 * Whether an access of `len` bytes at `off` lies outside the range the CPU got back: "sure" when on every value
 * the offsets can take, "some" when on some of them, undefined when it cannot tell (or never).
 */
export function outside(sync: ByteRange, access: ByteRange, unit: Unit): "sure" | "some" | undefined {
  // Same start: covered exactly when the access is no longer than the sync.
  if (same(sync.off, access.off)) {
    if (sync.len.k === "const" && access.len.k === "const") return access.len.n > sync.len.n ? "sure" : undefined;
    return undefined;
  }
  // Two fields' values are not independent (one may follow the other): one side must be a constant.
  if (sync.off.k === "sym" && access.off.k === "sym") return undefined;
  const as = candidates(sync.off, unit), bs = candidates(access.off, unit);
  if (!as || !bs) return undefined;
  let hit = 0, miss = 0;
  for (const a of as) for (const b of bs) {
    let out: boolean | undefined;
    if (sync.len.k === "const" && access.len.k === "const") out = b < a || b + access.len.n > a + sync.len.n;
    // Equal lengths: [b, b+n) lies in [a, a+n) only when b === a (a non-empty access).
    else if (same(sync.len, access.len)) out = a !== b;
    else if (b < a) out = true;
    if (out === undefined) return undefined;
    if (out) hit++; else miss++;
  }
  return hit === 0 ? undefined : miss === 0 ? "sure" : "some";
}

