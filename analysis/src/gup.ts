/**
 * PG007, the "never released" case: user pages taken with get_user_pages*()
 * or pin_user_pages*() into an array of the function's own that nothing ever
 * gives back. Only an array that stays inside the function (and the helpers
 * it is handed to) is judged: one stored in a struct, returned, or given to
 * code out of sight may be released there, and says nothing.
 */
import ts from "typescript";
import { apiCallee, skipOuter, type FnInfo, type Unit } from "./program";
import type { Reporter } from "./report";

const TAKE: Readonly<Record<string, number>> = {
  get_user_pages: 3, pin_user_pages: 3, get_user_pages_fast: 3, pin_user_pages_fast: 3, get_user_pages_unlocked: 3, pin_user_pages_unlocked: 3,
  get_user_pages_remote: 4, pin_user_pages_remote: 4,
};
const RELEASE = new Set(["put_page", "unpin_user_page", "unpin_user_pages", "unpin_user_pages_dirty_lock", "unpin_user_page_range_dirty_lock", "release_pages", "put_user_page", "put_user_pages", "put_user_pages_dirty_lock", "folio_put"]);
/** Calls that use the pages without keeping them. */
const BORROW = new Set(["kmap", "kmap_local_page", "kmap_atomic", "kunmap", "page_address", "set_page_dirty", "set_page_dirty_lock", "SetPageDirty", "dma_map_page", "flush_dcache_page", "page_to_pfn", "page_to_phys", "offset_in_page", "memcpy_to_page", "memcpy_from_page", "PageHighMem", "page_count"]);

type Use = "release" | "escape" | "none";

/** How `name` (a local array of pages, or a parameter holding one) is used in fn: released, kept somewhere, or only borrowed. */
function usesOf(unit: Unit, fn: FnInfo, name: string, depth: number, seen: Set<string>): Use {
  const body = fn.node.body;
  if (!body) return "escape";
  let released = false, escaped = false;
  // Locals that hold one of its pages (const p = pages[0]): releasing them releases the array's pages.
  const aliases = new Set<string>();
  const findAliases = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      const init = skipOuter(n.initializer);
      if (ts.isElementAccessExpression(init) && ts.isIdentifier(skipOuter(init.expression)) && (skipOuter(init.expression) as ts.Identifier).text === name) aliases.add(n.name.text);
    }
    ts.forEachChild(n, findAliases);
  };
  findAliases(body);
  const isName = (e: ts.Node): boolean => { const s = ts.isExpression(e) ? skipOuter(e) : e; return ts.isIdentifier(s) && s.text === name; };
  const mentions = (e: ts.Node, withAliases = false): boolean => {
    let hit = false;
    const v = (n: ts.Node): void => { if (hit) return; if (ts.isIdentifier(n) && (n.text === name || (withAliases && aliases.has(n.text)))) hit = true; else ts.forEachChild(n, v); };
    v(e);
    return hit;
  };
  const visit = (n: ts.Node): void => {
    if (escaped) return;
    if (ts.isCallExpression(n)) {
      const api = apiCallee(unit, n);
      if (api && RELEASE.has(api) && n.arguments.some((a) => mentions(a, true))) released = true;
      const argIdx = n.arguments.findIndex((a) => mentions(a));
      if (argIdx >= 0) {
        if (api && RELEASE.has(api)) released = true;
        else if (api && (BORROW.has(api) || TAKE[api] === argIdx)) { /* borrowed, or filled */ }
        else if (!api) {
          const callee = ts.isIdentifier(skipOuter(n.expression)) ? unit.functions.get((skipOuter(n.expression) as ts.Identifier).text) : undefined;
          const arg = n.arguments[argIdx]!;
          const param = callee?.params[argIdx];
          // A helper given the array itself is followed (two deep); anything else may keep it.
          if (callee && param && isName(arg) && depth < 2 && !seen.has(`${callee.name}:${param}`)) {
            seen.add(`${callee.name}:${param}`);
            const u = usesOf(unit, callee, param, depth + 1, seen);
            if (u === "escape") escaped = true;
            else if (u === "release") released = true;
          } else if (!(callee && !isName(arg))) escaped = true;
        } else escaped = true;
      }
      // Arguments were judged as a whole; their insides need no second look, the callee expression does.
      ts.forEachChild(n.expression, visit);
      for (const a of n.arguments) if (!mentions(a)) visit(a);
      return;
    }
    if (ts.isIdentifier(n) && n.text === name) {
      const p = n.parent;
      // Reading an element (pages[i]) or the length is a borrow; any other use of the array itself may keep it.
      const borrowed = (ts.isElementAccessExpression(p) && p.expression === n) || (ts.isPropertyAccessExpression(p) && p.expression === n && p.name.text === "length")
        || (ts.isVariableDeclaration(p) && p.name === n) || ts.isParameter(p) || (ts.isNonNullExpression(p));
      if (!borrowed) escaped = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return escaped ? "escape" : released ? "release" : "none";
}

/** The local variable a call's argument names, when it is declared in fn (not a parameter). */
function localArray(fn: FnInfo, arg: ts.Expression | undefined): string | undefined {
  const e = arg && skipOuter(arg);
  if (!e || !ts.isIdentifier(e) || fn.params.includes(e.text)) return undefined;
  let declared = false;
  const visit = (n: ts.Node): void => {
    if (declared) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === e.text) declared = true;
    else ts.forEachChild(n, visit);
  };
  if (fn.node.body) visit(fn.node.body);
  return declared ? e.text : undefined;
}

export function gupLeakRule(unit: Unit, rep: Reporter): void {
  for (const fn of unit.functions.values()) {
    if (!fn.node.body) continue;
    const takes: { call: ts.CallExpression; api: string; arr: string }[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const api = apiCallee(unit, n);
        const i = api ? TAKE[api] : undefined;
        const arr = i !== undefined ? localArray(fn, n.arguments[i]) : undefined;
        if (api && arr) takes.push({ call: n, api, arr });
      }
      ts.forEachChild(n, visit);
    };
    visit(fn.node.body);
    const judged = new Set<string>();
    for (const t of takes) {
      if (judged.has(t.arr)) continue;
      judged.add(t.arr);
      if (usesOf(unit, fn, t.arr, 0, new Set()) !== "none") continue;
      const pin = t.api.startsWith("pin_");
      rep.report("PG007", t.call, `the user pages ${t.api}() takes into ${t.arr} are never released: each one needs ${pin ? "unpin_user_page() (or unpin_user_pages(), unpin_user_pages_dirty_lock() when written)" : "put_page() (after set_page_dirty_lock() when written)"}, or the pages stay ${pin ? "pinned" : "referenced"} for good`, "warning");
    }
  }
}
