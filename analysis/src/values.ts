/**
 * What an expression denotes, without a type checker: a *key* for the storage
 * a pointer or handle lives in (so `buf`, an alias `q = buf + 16` and the
 * field `priv.rx_buf` can be told apart and matched across functions), and a
 * *value* for sizes, directions and counts (a constant when it folds, else a
 * symbol that only equals itself).
 */
import ts from "typescript";
import { KERNEL_CONSTANTS, skipOuter, type FnInfo, type Unit } from "./program";

export type Val = { readonly k: "const"; readonly n: number; readonly text: string } | { readonly k: "sym"; readonly s: string; readonly param: boolean; readonly text: string };

/** An argument bound to a parameter of an inlined helper: the caller's expression in the caller's frame. */
export interface Binding { readonly expr: ts.Expression; readonly frame: Frame }

export interface Frame {
  readonly unit: Unit;
  readonly fn: FnInfo;
  readonly depth: number;
  readonly params: ReadonlyMap<string, Binding | undefined>;
  /** Every expression assigned to each local (declarations and assignments). */
  readonly defs: ReadonlyMap<string, readonly ts.Expression[]>;
  readonly locals: ReadonlySet<string>;
  /** In the root function: the call that led into this inlined frame. */
  readonly callSite?: ts.CallExpression;
  readonly parent?: Frame;
  /** The kernel calls the root function in hard interrupt context. */
  readonly irq: boolean;
  /** The positions of the calls that inlined this frame: what tells two calls of one helper apart. */
  readonly chain: string;
}

/**
 * A function's locals and their definitions depend on its node alone (its parameters are read from the node
 * too), and an incremental re-parse keeps every node outside the edit, so they are computed once per node:
 * the file-wide facts and every inlined call of a helper would otherwise walk its body again on each edit.
 */
const frameShapes = new WeakMap<ts.Node, { params: string; defs: ReadonlyMap<string, readonly ts.Expression[]>; locals: ReadonlySet<string> }>();

export function makeFrame(unit: Unit, fn: FnInfo, params: ReadonlyMap<string, Binding | undefined>, parent: Frame | undefined, callSite: ts.CallExpression | undefined, irq: boolean, via?: ts.CallExpression): Frame {
  const chain = parent && via ? `${parent.chain}>${via.pos}` : "";
  const paramKey = fn.params.join(",");
  let shape = frameShapes.get(fn.node);
  if (!shape || shape.params !== paramKey) {
    shape = { params: paramKey, ...frameShape(fn) };
    frameShapes.set(fn.node, shape);
  }
  return { unit, fn, depth: parent ? parent.depth + 1 : 0, params, defs: shape.defs, locals: shape.locals, callSite, parent, irq, chain };
}

/** The locals and definitions of a function, computed afresh (makeFrame() keeps them per node). */
export function frameShape(fn: FnInfo): { defs: ReadonlyMap<string, readonly ts.Expression[]>; locals: ReadonlySet<string> } {
  const defs = new Map<string, ts.Expression[]>();
  const locals = new Set<string>(fn.params.filter(Boolean));
  const add = (name: string, e: ts.Expression) => { if (!locals.has(name)) return; const l = defs.get(name) ?? []; l.push(e); defs.set(name, l); };
  const inner = (n: ts.Node) => n !== fn.node && (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n));
  // Declarations first: an assignment to a name the function never declares is to a module-level variable.
  const declare = (n: ts.Node): void => {
    if (inner(n)) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) locals.add(n.name.text);
    ts.forEachChild(n, declare);
  };
  const visit = (n: ts.Node): void => {
    if (inner(n)) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) {
      if (n.initializer) add(n.name.text, n.initializer);
      else if (n.parent && ts.isVariableDeclarationList(n.parent) && n.parent.parent && (ts.isForOfStatement(n.parent.parent) || ts.isForInStatement(n.parent.parent))) add(n.name.text, n.parent.parent.expression);
    } else if (ts.isBinaryExpression(n) && isAssignmentOp(n.operatorToken.kind)) {
      const t = skipOuter(n.left);
      if (ts.isIdentifier(t)) add(t.text, n);
    } else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) {
      const t = skipOuter(n.operand);
      if (ts.isIdentifier(t)) add(t.text, n as unknown as ts.Expression);
    }
    ts.forEachChild(n, visit);
  };
  const body = fn.node.body;
  if (body) { declare(body); visit(body); }
  return { defs, locals };
}

export function isAssignmentOp(k: ts.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

/** The one expression ever stored in a local (`const x = e`, or a lone `x = e`), if there is exactly one. */
export function singleDef(f: Frame, name: string): ts.Expression | undefined {
  const defs = f.defs.get(name) ?? [];
  if (defs.length !== 1) return undefined;
  const d = skipOuter(defs[0]!);
  if (ts.isBinaryExpression(d) && isAssignmentOp(d.operatorToken.kind)) return d.operatorToken.kind === ts.SyntaxKind.EqualsToken ? d.right : undefined;
  if (ts.isPrefixUnaryExpression(d) || ts.isPostfixUnaryExpression(d)) return undefined;
  // for-of/for-in: the loop variable is an element, not the collection.
  const p = defs[0]!.parent;
  if (p && (ts.isForOfStatement(p) || ts.isForInStatement(p)) && p.expression === defs[0]) return undefined;
  return defs[0]!;
}

function isAliasShape(e: ts.Expression): boolean {
  e = skipOuter(e);
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return true;
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.PlusToken || e.operatorToken.kind === ts.SyntaxKind.MinusToken)) return isAliasShape(e.left);
  return false;
}

/**
 * The storage an expression names or points into: `v:<fn>:<name>` for a
 * local, `g:<name>` for a module-level variable, `.field` for any struct field
 * (by name, whatever the object: the same field read through `d` in one
 * handler and `priv` in another), `[]` appended for an element, `.value` for a
 * `Ref`. Pointer arithmetic keeps the base's key.
 */
export function keyOf(e: ts.Expression, f: Frame, depth = 0): string | undefined {
  if (depth > 12) return undefined;
  e = skipOuter(e);
  if (ts.isIdentifier(e)) {
    const name = e.text;
    if (f.locals.has(name)) {
      if (f.params.has(name)) {
        const b = f.params.get(name);
        if (b) return keyOf(b.expr, b.frame, depth + 1) ?? `v:${f.fn.name}:${name}`;
        return `v:${f.fn.name}:${name}`;
      }
      const only = singleDef(f, name);
      if (only && isAliasShape(only)) {
        const k = keyOf(only, f, depth + 1);
        if (k) return k;
      }
      return `v:${f.fn.name}:${name}`;
    }
    if (f.unit.globals.has(name)) return `g:${name}`;
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e)) {
    if (e.name.text === "value" && ts.isIdentifier(skipOuter(e.expression))) {
      const base = keyOf(e.expression, f, depth + 1);
      return base ? `${base}.value` : undefined;
    }
    return `.${e.name.text}`;
  }
  if (ts.isElementAccessExpression(e)) {
    const base = keyOf(e.expression, f, depth + 1);
    return base ? `${base}[]` : undefined;
  }
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.PlusToken || e.operatorToken.kind === ts.SyntaxKind.MinusToken)) {
    return keyOf(e.left, f, depth + 1) ?? (e.operatorToken.kind === ts.SyntaxKind.PlusToken ? keyOf(e.right, f, depth + 1) : undefined);
  }
  if (ts.isCallExpression(e)) {
    // page_address(), sg_virt() and friends name the memory of their argument; sg_page() and sg_dma_address()
    // name the scatterlist entry they read, so the entry's page and bus address are the mapping's buffer and handle.
    const callee = skipOuter(e.expression);
    const name = ts.isIdentifier(callee) ? f.unit.api.get(callee.text) : undefined;
    if ((name === "page_address" || name === "sg_virt" || name === "virt_to_page" || name === "sg_page" || name === "sg_dma_address") && e.arguments[0]) return keyOf(e.arguments[0], f, depth + 1);
  }
  return undefined;
}

/** A constant byte offset from the base a pointer expression starts at, when it folds. */
export function offsetOf(e: ts.Expression, f: Frame): number | undefined {
  e = skipOuter(e);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = offsetOf(e.left, f), r = valOf(e.right, f);
    return l !== undefined && r.k === "const" ? l + r.n : undefined;
  }
  if (ts.isIdentifier(e) && f.locals.has(e.text) && !f.params.has(e.text)) {
    const defs = f.defs.get(e.text) ?? [];
    if (defs.length === 1 && isAliasShape(defs[0]!) && !ts.isIdentifier(skipOuter(defs[0]!))) return offsetOf(defs[0]!, f);
  }
  return 0;
}

const sym = (s: string, text: string, param = false): Val => ({ k: "sym", s, param, text });
const cst = (n: number, text: string): Val => ({ k: "const", n, text });

/** The value of a size, count or direction expression. `fields` gives values the flow knows for struct fields. */
export function valOf(e: ts.Expression, f: Frame, fields?: ReadonlyMap<string, Val>, depth = 0): Val {
  const text = e.getText();
  if (depth > 16) return sym(`?${e.pos}`, text);
  e = skipOuter(e);
  if (ts.isNumericLiteral(e)) return cst(Number(e.text), text);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return cst(1, text);
  if (e.kind === ts.SyntaxKind.FalseKeyword) return cst(0, text);
  if (ts.isConditionalExpression(e)) {
    // A helper called with a constant flag (to_user ? DMA_FROM_DEVICE : DMA_TO_DEVICE) takes one branch.
    const c = valOf(e.condition, f, fields, depth + 1);
    if (c.k === "const") return valOf(c.n ? e.whenTrue : e.whenFalse, f, fields, depth + 1);
    const a = valOf(e.whenTrue, f, fields, depth + 1), b = valOf(e.whenFalse, f, fields, depth + 1);
    if (a.k === "const" && b.k === "const" && a.n === b.n) return cst(a.n, text);
  }
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
    const v = valOf(e.operand, f, fields, depth + 1);
    return v.k === "const" ? cst(-v.n, text) : sym(`-${v.s}`, text, v.param);
  }
  if (ts.isIdentifier(e)) {
    const name = e.text;
    if (f.locals.has(name)) {
      if (f.params.has(name)) {
        const b = f.params.get(name);
        if (b) return valOf(b.expr, b.frame, fields, depth + 1);
        // A parameter the function reassigns is a value it computed, not just whatever the caller passed.
        return (f.defs.get(name)?.length ?? 0) > 0 ? sym(`v:${f.fn.name}:${name}`, text) : sym(`p:${f.fn.name}:${name}`, text, true);
      }
      const only = singleDef(f, name);
      if (only) return valOf(only, f, fields, depth + 1);
      return sym(`v:${f.fn.name}:${name}`, text);
    }
    const api = f.unit.api.get(name);
    if (api !== undefined) return api in KERNEL_CONSTANTS ? cst(KERNEL_CONSTANTS[api]!, text) : sym(`api:${api}`, text);
    if (f.unit.globals.has(name)) {
      const init = f.unit.globals.get(name);
      if (init && f.unit.constGlobals.has(name)) return valOf(init, f, fields, depth + 1);
      return sym(`g:${name}`, text);
    }
    return sym(`id:${name}`, text);
  }
  if (ts.isPropertyAccessExpression(e)) {
    const ns = skipOuter(e.expression);
    if (ts.isIdentifier(ns) && f.unit.namespaces.has(ns.text)) {
      const api = e.name.text;
      return api in KERNEL_CONSTANTS ? cst(KERNEL_CONSTANTS[api]!, text) : sym(`api:${api}`, text);
    }
    const key = keyOf(e, f);
    const known = key ? fields?.get(key) : undefined;
    if (known) return known;
    return sym(key ?? `?${e.pos}`, text);
  }
  if (ts.isBinaryExpression(e)) {
    const l = valOf(e.left, f, fields, depth + 1), r = valOf(e.right, f, fields, depth + 1);
    if (l.k === "const" && r.k === "const") {
      const n = fold(e.operatorToken.kind, l.n, r.n);
      if (n !== undefined) return cst(n, text);
    }
    const ls = l.k === "const" ? String(l.n) : l.s, rs = r.k === "const" ? String(r.n) : r.s;
    return sym(`(${ls}${ts.tokenToString(e.operatorToken.kind) ?? "?"}${rs})`, text, (l.k === "sym" && l.param) || (r.k === "sym" && r.param));
  }
  if (ts.isCallExpression(e)) {
    const callee = skipOuter(e.expression);
    const api = ts.isIdentifier(callee) ? f.unit.api.get(callee.text) : undefined;
    if (api === "DMA_BIT_MASK" && e.arguments[0]) {
      const b = valOf(e.arguments[0], f, fields, depth + 1);
      if (b.k === "const") return cst(b.n >= 64 ? 2 ** 64 - 1 : 2 ** b.n - 1, text);
    }
  }
  return sym(`?${e.pos}`, text);
}

function fold(op: ts.SyntaxKind, a: number, b: number): number | undefined {
  switch (op) {
    case ts.SyntaxKind.PlusToken: return a + b;
    case ts.SyntaxKind.MinusToken: return a - b;
    case ts.SyntaxKind.AsteriskToken: return a * b;
    case ts.SyntaxKind.SlashToken: return b ? a / b : undefined;
    case ts.SyntaxKind.LessThanLessThanToken: return a * 2 ** b;
    case ts.SyntaxKind.GreaterThanGreaterThanToken: return Math.floor(a / 2 ** b);
    case ts.SyntaxKind.BarToken: return a | b;
    case ts.SyntaxKind.AmpersandToken: return a & b;
    case ts.SyntaxKind.AsteriskAsteriskToken: return a ** b;
    default: return undefined;
  }
}


export function sameVal(a: Val | undefined, b: Val | undefined): boolean {
  if (!a || !b) return true;
  if (a.k === "const" && b.k === "const") return a.n === b.n;
  if (a.k === "sym" && b.k === "sym") return a.s === b.s;
  return false;
}

/**
 * How sure it is that two values differ: "sure" when both fold to different
 * constants, "likely" when one is a constant and the other a value computed in
 * the driver (not a bare parameter nobody bound), else "unknown".
 */
export function differs(a: Val | undefined, b: Val | undefined): "sure" | "likely" | "unknown" {
  if (!a || !b) return "unknown";
  if (a.k === "const" && b.k === "const") return a.n !== b.n ? "sure" : "unknown";
  if (a.k === "sym" && b.k === "sym") return "unknown";
  const s = (a.k === "sym" ? a : b) as Extract<Val, { k: "sym" }>;
  if (s.param || s.s.startsWith("?") || s.s.startsWith("api:") || s.s.startsWith("id:")) return "unknown";
  return "likely";
}

/** The kernel flag names an expression ORs together (GFP_*, FOLL_*), through locals, parameters and constants. */
export function flagsOf(e: ts.Expression, f: Frame, depth = 0): Set<string> | undefined {
  if (depth > 12) return undefined;
  e = skipOuter(e);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.BarToken) {
    const l = flagsOf(e.left, f, depth + 1), r = flagsOf(e.right, f, depth + 1);
    if (!l || !r) return undefined;
    return new Set([...l, ...r]);
  }
  if (ts.isNumericLiteral(e)) return Number(e.text) === 0 ? new Set() : undefined;
  if (ts.isPropertyAccessExpression(e)) {
    const ns = skipOuter(e.expression);
    if (ts.isIdentifier(ns) && f.unit.namespaces.has(ns.text)) return new Set([e.name.text]);
    return undefined;
  }
  if (ts.isIdentifier(e)) {
    const name = e.text;
    if (f.locals.has(name)) {
      if (f.params.has(name)) {
        const b = f.params.get(name);
        return b ? flagsOf(b.expr, b.frame, depth + 1) : undefined;
      }
      const only = singleDef(f, name);
      return only ? flagsOf(only, f, depth + 1) : undefined;
    }
    const api = f.unit.api.get(name);
    if (api) return new Set([api]);
    const init = f.unit.globals.get(name);
    return init ? flagsOf(init, f, depth + 1) : undefined;
  }
  return undefined;
}

/** Every key mentioned anywhere inside an expression (for "was it tested?"). */
export function keysIn(e: ts.Node, f: Frame, out = new Set<string>()): Set<string> {
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return out;
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    const k = keyOf(e as ts.Expression, f);
    if (k) out.add(k);
  }
  ts.forEachChild(e, (c) => { keysIn(c, f, out); });
  return out;
}
