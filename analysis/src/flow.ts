/**
 * The flow-sensitive half of the analyses: an abstract interpreter over a
 * function's statements (branches, loops, early returns, `&&`/`||`/`?:`),
 * inlining same-file helpers a couple of calls deep, that follows DMA
 * ownership, allocations, kmaps, reserved pages and atomic context, and
 * reports the rules that need to know what happened before a call.
 */
import ts from "typescript";
import { apiCallee, localCallee, skipOuter, type FnInfo, type Unit } from "./program";
import { FIX_HERE, importEdit, statementOf, type Related, type Reporter } from "./report";
import { State, join, joinOwned, type Alloc, type AllocFamily, type MapKind, type Rec } from "./state";
import { differs, flagsOf, keyOf, keysIn, makeFrame, offsetOf, singleDef, valOf, type Binding, type Frame, type Val } from "./values";
import type { Fix } from "./types";
import { offsetVal, outside } from "./ranges";

const MAX_INLINE_DEPTH = 2;

/** What a value is, as far as the assignments it flows into care. */
type Prov =
  | { readonly kind: "handle"; readonly rec: string }
  | { readonly kind: "cpu"; readonly rec: string }
  | { readonly kind: "sgcount"; readonly rec: string }
  | { readonly kind: "alloc"; readonly alloc: string }
  | { readonly kind: "kmap"; readonly kmap: string }
  | { readonly kind: "key"; readonly key: string };

interface Exit { readonly state: State; readonly node: ts.Node | undefined; readonly error: boolean; readonly prov: Prov | undefined }

interface LoopCtx { breaks: State[]; conts: State[] }

interface Ctx { frame: Frame; exits: Exit[]; loops: LoopCtx[]; stack: FnInfo[] }

/** API functions that read or write memory through pointer arguments: [argument index, access]. */
const TOUCH: Readonly<Record<string, readonly (readonly [number, "read" | "write"])[]>> = {
  memset: [[0, "write"]], memcpy: [[0, "write"], [1, "read"]], memmove: [[0, "write"], [1, "read"]], memcmp: [[0, "read"], [1, "read"]],
  strlen: [[0, "read"]], strnlen: [[0, "read"]], strcpy: [[0, "write"], [1, "read"]], strscpy: [[0, "write"], [1, "read"]], strcmp: [[0, "read"], [1, "read"]],
  snprintf: [[0, "write"]], scnprintf: [[0, "write"]],
  copy_to_user: [[1, "read"]], copy_from_user: [[0, "write"]], copy_to_iter: [[0, "read"]], copy_from_iter: [[0, "write"]],
  load8: [[0, "read"]], load16: [[0, "read"]], load32: [[0, "read"]], load64: [[0, "read"]], load_bytes: [[0, "read"]], load_string: [[0, "read"]],
  store8: [[0, "write"]], store16: [[0, "write"]], store32: [[0, "write"]], store64: [[0, "write"]], store_bytes: [[0, "write"]],
  memcpy_toio: [[1, "read"]], memcpy_fromio: [[0, "write"]], clear_highpage: [],
};
/** Access sizes of the fixed-width accessors, and which argument gives the length of the others. */
const ACCESS_SIZE: Readonly<Record<string, number>> = { load8: 1, load16: 2, load32: 4, load64: 8, store8: 1, store16: 2, store32: 4, store64: 8 };
const LENGTH_ARG: Readonly<Record<string, number>> = { memset: 2, memcpy: 2, memmove: 2, memcmp: 2, copy_to_user: 2, copy_from_user: 2, strscpy: 2, snprintf: 1, scnprintf: 1, load_bytes: 1 };
const IO_ACCESSORS = new Set(["readb", "readw", "readl", "readq", "writeb", "writew", "writel", "writeq", "ioread8", "ioread16", "ioread32", "iowrite8", "iowrite16", "iowrite32", "memcpy_toio", "memcpy_fromio", "memset_io"]);
/** Register writes: argument 0 is the value the device gets. */
const MMIO_WRITES = new Set(["writeb", "writew", "writel", "writeq", "writel_relaxed", "writeq_relaxed", "iowrite8", "iowrite16", "iowrite32", "iowrite64", "lo_hi_writeq", "hi_lo_writeq"]);
/** Which argument of an I/O accessor is the __iomem address. */
function ioAddrArg(fn: string): number {
  return fn.startsWith("write") || fn.startsWith("iowrite") ? 1 : 0;
}

const ALLOCATORS: Readonly<Record<string, { family: AllocFamily; size?: number; gfp?: number; order?: number }>> = {
  kmalloc: { family: "slab", size: 0, gfp: 1 }, kzalloc: { family: "slab", size: 0, gfp: 1 }, kmalloc_array: { family: "slab", gfp: 2 },
  kcalloc: { family: "slab", gfp: 2 }, krealloc: { family: "slab", size: 1, gfp: 2 },
  vmalloc: { family: "vmalloc", size: 0 }, vzalloc: { family: "vmalloc", size: 0 }, vmalloc_32: { family: "vmalloc", size: 0 },
  __get_free_pages: { family: "pages-addr", gfp: 0, order: 1 }, __get_free_page: { family: "pages-addr", gfp: 0 }, get_zeroed_page: { family: "pages-addr", gfp: 0 },
  alloc_pages: { family: "pages-struct", gfp: 0, order: 1 }, alloc_page: { family: "pages-struct", gfp: 0 },
  ioremap: { family: "iomem", size: 1 }, ioremap_wc: { family: "iomem", size: 1 }, ioremap_uc: { family: "iomem", size: 1 }, pci_iomap: { family: "iomem" }, pci_iomap_wc: { family: "iomem" },
  kmem_cache_alloc: { family: "cache", gfp: 1 }, kmem_cache_zalloc: { family: "cache", gfp: 1 },
  dma_pool_alloc: { family: "pool", gfp: 1 }, dma_pool_zalloc: { family: "pool", gfp: 1 },
  devm_kmalloc: { family: "devm", size: 1, gfp: 2 }, devm_kzalloc: { family: "devm", size: 1, gfp: 2 }, devm_kcalloc: { family: "devm", gfp: 3 },
};
const FREERS: Readonly<Record<string, { families: readonly AllocFamily[]; order?: number; arg?: number }>> = {
  kfree: { families: ["slab"] }, kvfree: { families: ["slab", "vmalloc"] }, vfree: { families: ["vmalloc"] },
  free_pages: { families: ["pages-addr"], order: 1 }, free_page: { families: ["pages-addr"] },
  __free_pages: { families: ["pages-struct"], order: 1 }, __free_page: { families: ["pages-struct"] },
  iounmap: { families: ["iomem"] }, pci_iounmap: { families: ["iomem"], arg: 1 },
  kmem_cache_free: { families: ["cache"], arg: 1 }, dma_pool_free: { families: ["pool"], arg: 1 },
  devm_kfree: { families: ["devm"], arg: 1 },
};
const ALLOC_NAMES: Readonly<Record<AllocFamily, string>> = {
  slab: "kmalloc()", vmalloc: "vmalloc()", "pages-addr": "__get_free_pages()", "pages-struct": "alloc_pages()", iomem: "ioremap()", cache: "kmem_cache_alloc()", pool: "dma_pool_alloc()", "user-pages": "get_user_pages()", devm: "devm_kmalloc()",
};

const SLEEPING_GFP = new Set(["GFP_KERNEL", "GFP_USER", "GFP_HIGHUSER", "GFP_HIGHUSER_MOVABLE", "GFP_NOIO", "GFP_NOFS", "GFP_KERNEL_ACCOUNT", "__GFP_DIRECT_RECLAIM"]);
const ALWAYS_SLEEPS = new Set([
  "vmalloc", "vzalloc", "vmalloc_32", "kmap", "copy_to_user", "copy_from_user", "get_user", "put_user", "clear_user", "strncpy_from_user",
  "wait_for_completion", "wait_for_completion_timeout", "wait_for_completion_interruptible", "wait_for_completion_killable", "wait_for_completion_interruptible_timeout",
  "wait_event", "wait_event_interruptible", "wait_event_killable", "wait_event_timeout", "wait_event_interruptible_timeout",
  "mmap_read_lock", "mmap_write_lock", "get_user_pages", "pin_user_pages", "set_page_dirty_lock", "unpin_user_pages_dirty_lock",
  "cancel_work_sync", "cancel_delayed_work_sync", "flush_work", "request_irq", "free_irq", "misc_register", "misc_deregister",
  "dma_pool_create", "pci_enable_device", "msleep", "ssleep", "usleep_range", "schedule", "schedule_timeout", "mutex_lock", "mutex_lock_interruptible", "mutex_lock_killable",
  "down", "down_interruptible", "down_killable", "down_timeout", "copy_to_iter", "copy_from_iter", "del_timer_sync", "timer_shutdown_sync", "tasklet_kill", "kvmalloc", "kvzalloc",
]);

const DMA_DIRS: readonly string[] = ["DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE"];
function dirName(v: Val | undefined): string {
  if (!v) return "?";
  if (v.k === "const" && v.n >= 0 && v.n < DMA_DIRS.length && Number.isInteger(v.n)) return DMA_DIRS[v.n]!;
  return v.text;
}
function show(v: Val | undefined): string {
  return v ? (v.k === "const" && v.text !== String(v.n) ? `${v.text} (${v.n})` : v.text) : "?";
}

export interface FlowResult { readonly exits: readonly Exit[]; readonly state: State | null }

export class FlowAnalysis {
  /** Field and global state each entry point starts from: what probe/init leave behind. */
  setupState: State = new State();

  constructor(readonly unit: Unit, readonly rep: Reporter, readonly isCancelled: () => boolean) {}

  /** Analyses one function from `entry`; returns its exits. */
  run(fn: FnInfo, entry: State): FlowResult {
    const irq = fn.roles.has("irq");
    const frame = makeFrame(this.unit, fn, new Map(fn.params.map((p) => [p, undefined])), undefined, undefined, irq);
    const ctx: Ctx = { frame, exits: [], loops: [], stack: [fn] };
    const body = fn.node.body;
    let st: State | null = entry.clone();
    if (body && ts.isBlock(body)) st = this.block(body.statements, st, ctx);
    else if (body) { this.expr(body as ts.Expression, st, ctx); }
    if (st) ctx.exits.push({ state: st, node: undefined, error: false, prov: undefined });
    for (const e of ctx.exits) this.atExit(e, ctx);
    return { exits: ctx.exits, state: st };
  }

  // ---- statements ----

  private block(stmts: readonly ts.Statement[], st: State | null, ctx: Ctx): State | null {
    for (let i = 0; i < stmts.length; i++) {
      if (!st) return null;
      const s = stmts[i], next = stmts[i + 1];
      if (ts.isIfStatement(s) && next && ts.isReturnStatement(next) && plainReturn(next)) {
        // Tail duplication: `if (err) { undo } return err;` leaves by two exits, each with its own path's
        // state, instead of one exit where the undo happened only "maybe".
        for (const b of this.branches(s, st, ctx)) if (b) this.stmt(next, b, ctx);
        return null;
      }
      st = this.stmt(s, st, ctx);
    }
    return st;
  }

  private branches(s: ts.IfStatement, st: State, ctx: Ctx): [State | null, State | null] {
    this.expr(s.expression, st, ctx);
    const [thenSt, elseSt] = this.refine(s.expression, st, ctx);
    const a = this.stmt(s.thenStatement, thenSt, ctx);
    const b = s.elseStatement ? this.stmt(s.elseStatement, elseSt, ctx) : elseSt;
    return [a, b];
  }

  private stmt(s: ts.Statement, st: State, ctx: Ctx): State | null {
    if (this.isCancelled()) throw new CancelSignal();
    if (ts.isBlock(s)) return this.block(s.statements, st, ctx);
    if (ts.isExpressionStatement(s)) { this.expr(s.expression, st, ctx); return st; }
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        if (!d.initializer) continue;
        const prov = this.expr(d.initializer, st, ctx);
        if (ts.isIdentifier(d.name)) {
          this.bind(this.ownKey(d.name, ctx), prov, d.initializer, st, ctx);
          const k = keyOf(d.name, ctx.frame);
          if (k) setNonzero(st, k, d.initializer);
        }
      }
      return st;
    }
    if (ts.isReturnStatement(s)) {
      const prov = s.expression ? this.expr(s.expression, st, ctx) : undefined;
      ctx.exits.push({ state: st, node: s, error: isErrorReturn(s, ctx.frame, st), prov });
      return null;
    }
    if (ts.isThrowStatement(s)) { this.expr(s.expression, st, ctx); return null; }
    if (ts.isIfStatement(s)) {
      const [a, b] = this.branches(s, st, ctx);
      return joinOwned(a, b);
    }
    if (ts.isForStatement(s)) {
      if (s.initializer) {
        if (ts.isVariableDeclarationList(s.initializer)) {
          for (const d of s.initializer.declarations) if (d.initializer) this.bind(keyOf(d.name as ts.Identifier, ctx.frame), this.expr(d.initializer, st, ctx), d.initializer, st, ctx);
        } else this.expr(s.initializer, st, ctx);
      }
      return this.loop(st, ctx, s.statement, s.condition, s.incrementor);
    }
    if (ts.isWhileStatement(s)) return this.loop(st, ctx, s.statement, s.expression, undefined);
    if (ts.isDoStatement(s)) {
      const first = this.stmt(s.statement, st, ctx);
      return first ? this.loop(first, ctx, s.statement, s.expression, undefined) : null;
    }
    if (ts.isForOfStatement(s) || ts.isForInStatement(s)) {
      this.expr(s.expression, st, ctx);
      const after = this.loop(st, ctx, s.statement, undefined, undefined);
      return join(after, st);
    }
    if (ts.isBreakStatement(s)) { ctx.loops[ctx.loops.length - 1]?.breaks.push(st); return null; }
    if (ts.isContinueStatement(s)) { ctx.loops[ctx.loops.length - 1]?.conts.push(st); return null; }
    if (ts.isSwitchStatement(s)) {
      this.expr(s.expression, st, ctx);
      const loop: LoopCtx = { breaks: [], conts: [] };
      ctx.loops.push(loop);
      let out: State | null = null, fall: State | null = null;
      let hasDefault = false;
      for (const clause of s.caseBlock.clauses) {
        if (ts.isDefaultClause(clause)) hasDefault = true;
        const entry = join(st, fall);
        fall = this.block(clause.statements, entry, ctx);
      }
      ctx.loops.pop();
      ctx.loops[ctx.loops.length - 1]?.conts.push(...loop.conts);
      out = fall;
      for (const b of loop.breaks) out = join(out, b);
      return hasDefault ? out : join(out, st);
    }
    if (ts.isTryStatement(s)) {
      const a = this.block(s.tryBlock.statements, st.clone(), ctx);
      let out = a;
      if (s.catchClause) out = join(out, this.block(s.catchClause.block.statements, join(st, a)!, ctx));
      if (s.finallyBlock && out) out = this.block(s.finallyBlock.statements, out, ctx);
      return out;
    }
    if (ts.isLabeledStatement(s)) return this.stmt(s.statement, st, ctx);
    return st;
  }

  private loop(st: State, ctx: Ctx, body: ts.Statement, cond: ts.Expression | undefined, incr: ts.Expression | undefined): State | null {
    const loop: LoopCtx = { breaks: [], conts: [] };
    ctx.loops.push(loop);
    let head: State | null = st;
    let exitOnCond: State | null = null;
    let lastEnd: State | null = null;
    // Two passes reach what a second iteration sees (a buffer mapped at the end of one, touched at the start of the next).
    for (let i = 0; i < 2 && head; i++) {
      const cur: State = head.clone();
      if (cond) this.expr(cond, cur, ctx);
      const [inSt, outSt] = cond ? this.refine(cond, cur, ctx) : [cur, null];
      if (cond && !isAlwaysTrue(cond)) exitOnCond = join(exitOnCond, outSt);
      loop.conts = [];
      let end = this.stmt(body, inSt, ctx);
      for (const c of loop.conts) end = join(end, c);
      if (end && incr) this.expr(incr, end, ctx);
      if (end) lastEnd = end;
      head = join(head, end);
    }
    ctx.loops.pop();
    let out = exitOnCond;
    for (const b of loop.breaks) out = join(out, b);
    // A loop that reserves or unreserves pages walks every page of the object: its body's effect is the loop's.
    if (out && lastEnd) out.reserved = new Map(lastEnd.reserved);
    return out;
  }

  /** The states of the then and else branches of a condition: a failed allocation or mapping is gone in the branch that saw it fail. */
  private refine(cond: ts.Expression, st: State, ctx: Ctx): [State, State] {
    const f = ctx.frame;
    const mentioned = keysIn(cond, f);
    for (const a of st.allocs.values()) if ([...a.keys].some((k) => mentioned.has(k))) a.checked = true;
    for (const r of st.recs.values()) if (r.kind === "sg" && [...r.retKeys].some((k) => mentioned.has(k))) r.checked = true;
    // The then branch continues in `st` itself (callers never use it again as the state before the branch).
    const thenSt = st, elseSt = st.clone();
    const failing = (e: ts.Expression, target: State) => {
      e = skipOuter(e);
      if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.BarBarToken) { failing(e.left, target); failing(e.right, target); return; }
      let k: string | undefined;
      if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) k = keyOf(e.operand, f);
      else if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken || e.operatorToken.kind === ts.SyntaxKind.EqualsEqualsToken) && /^(0|null|undefined)$/.test(skipOuter(e.right).getText())) k = keyOf(e.left, f);
      else if (ts.isCallExpression(e)) {
        const api = apiCallee(f.unit, e);
        if ((api === "dma_mapping_error" && e.arguments[1]) || ((api === "IS_ERR" || api === "IS_ERR_OR_NULL") && e.arguments[0])) {
          const hk = keyOf(api === "dma_mapping_error" ? e.arguments[1]! : e.arguments[0]!, f);
          if (hk) for (const r of target.recs.values()) if (r.handleKeys.has(hk)) r.status = "failed";
          k = hk;
        }
      }
      if (!k) return;
      for (const a of target.allocs.values()) if (a.keys.has(k)) a.status = "failed";
      for (const r of target.recs.values()) if (r.kind === "coherent" && r.bufKeys.has(k) || r.kind === "sg" && r.retKeys.has(k)) r.status = "failed";
    };
    failing(cond, thenSt);
    knownNonzero(cond, f, thenSt, elseSt);
    // `if (x) {...}` without else: the else path is the failing one.
    const c = skipOuter(cond);
    if (ts.isIdentifier(c) || ts.isPropertyAccessExpression(c)) {
      const k = keyOf(c, f);
      if (k) for (const a of elseSt.allocs.values()) if (a.keys.has(k)) a.status = "failed";
    } else if (ts.isBinaryExpression(c) && c.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) {
      for (const side of [c.left, c.right]) {
        const k = keyOf(side, f);
        if (k && (ts.isIdentifier(skipOuter(side)) || ts.isPropertyAccessExpression(skipOuter(side)))) for (const a of elseSt.allocs.values()) if (a.keys.has(k) && a.status === "live") a.status = "maybe";
      }
    }
    return [thenSt, elseSt];
  }

  // ---- expressions ----

  private expr(e: ts.Expression, st: State, ctx: Ctx): Prov | undefined {
    e = skipOuter(e);
    const f = ctx.frame;
    if (ts.isCallExpression(e)) return this.call(e, st, ctx);
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === ts.SyntaxKind.EqualsToken) {
        const prov = this.expr(e.right, st, ctx);
        const lk = keyOf(e.left, f);
        if (lk) setNonzero(st, lk, e.right);
        this.evalTarget(e.left, st, ctx);
        this.bind(ts.isIdentifier(skipOuter(e.left)) ? this.ownKey(skipOuter(e.left) as ts.Identifier, ctx) : keyOf(e.left, f), prov, e.right, st, ctx);
        return prov;
      }
      if (op >= ts.SyntaxKind.FirstCompoundAssignment && op <= ts.SyntaxKind.LastCompoundAssignment) {
        this.expr(e.right, st, ctx);
        const k = keyOf(e.left, f);
        if (k) { st.fieldVals.delete(k); st.nonzero.delete(k); }
        return undefined;
      }
      if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
        const l = this.expr(e.left, st, ctx);
        const [t, el] = this.refine(e.left, st, ctx);
        const other = op === ts.SyntaxKind.AmpersandAmpersandToken ? t : el;
        const r = this.expr(e.right, other, ctx);
        st.assign(join(op === ts.SyntaxKind.AmpersandAmpersandToken ? el : t, other)!);
        return r ?? l;
      }
      this.expr(e.left, st, ctx);
      this.expr(e.right, st, ctx);
      if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.MinusToken) {
        const k = keyOf(e, f);
        return k ? { kind: "key", key: k } : undefined;
      }
      return undefined;
    }
    if (ts.isConditionalExpression(e)) {
      this.expr(e.condition, st, ctx);
      const [t, el] = this.refine(e.condition, st, ctx);
      const a = this.expr(e.whenTrue, t, ctx);
      const b = this.expr(e.whenFalse, el, ctx);
      st.assign(join(t, el)!);
      return a ?? b;
    }
    if (ts.isObjectLiteralExpression(e)) {
      for (const p of e.properties) {
        if (ts.isPropertyAssignment(p) && p.name && ts.isIdentifier(p.name)) {
          const prov = this.expr(p.initializer, st, ctx);
          this.bind(`.${p.name.text}`, prov, p.initializer, st, ctx);
        } else if (ts.isShorthandPropertyAssignment(p)) {
          const prov = this.expr(p.name, st, ctx);
          this.bind(`.${p.name.text}`, prov, p.name, st, ctx);
        }
      }
      return undefined;
    }
    if (ts.isNewExpression(e) && ts.isIdentifier(e.expression)) {
      // Parameter properties (`constructor(public pg: page, public dma: number)`) store their arguments in fields: a
      // mapping's handle and buffer are known by those fields too. Only mappings: an object made in a loop is many
      // objects, and an allocation's one abstract object would be freed "twice" by the loop that frees them all.
      const args = e.arguments ?? [];
      const provs = args.map((a) => this.expr(a, st, ctx));
      const ctor = classCtor(f.unit, e.expression.text);
      ctor?.parameters.forEach((p, i) => {
        if (!ts.isIdentifier(p.name) || !p.modifiers?.some((m) => m.kind !== ts.SyntaxKind.Decorator)) return;
        const target = `.${p.name.text}`, prov = args[i] ? provs[i] : undefined;
        for (const r of st.recs.values()) { r.handleKeys.delete(target); r.bufKeys.delete(target); }
        if (prov?.kind === "handle") st.recs.get(prov.rec)?.handleKeys.add(target);
        else if (prov?.kind === "cpu") st.recs.get(prov.rec)?.bufKeys.add(target);
        else if (prov?.kind === "key") for (const r of st.recs.values()) { if (r.handleKeys.has(prov.key)) r.handleKeys.add(target); if (r.bufKeys.has(prov.key)) r.bufKeys.add(target); }
      });
      return undefined;
    }
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return undefined;
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      if (ts.isElementAccessExpression(e)) this.expr(e.argumentExpression, st, ctx);
      else if (ts.isPropertyAccessExpression(e)) this.expr(e.expression, st, ctx);
      const k = keyOf(e, f);
      return k ? { kind: "key", key: k } : undefined;
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e))) {
      this.expr(e.operand, st, ctx);
      if (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken) {
        const k = keyOf(e.operand, f);
        if (k) st.fieldVals.delete(k);
      }
      return undefined;
    }
    ts.forEachChild(e, (c) => { if (ts.isExpression(c)) this.expr(c, st, ctx); });
    return undefined;
  }

  /**
   * The key a store to a variable updates: none for a local that is only an
   * alias of other storage (`const tail = buf + 128` names buf's memory, and
   * storing it must not make buf forget what it is).
   */
  private ownKey(id: ts.Identifier, ctx: Ctx): string | undefined {
    const k = keyOf(id, ctx.frame);
    const f = ctx.frame;
    if (f.locals.has(id.text) && !f.params.has(id.text) && k !== `v:${f.fn.name}:${id.text}`) return undefined;
    return k;
  }

  /** Evaluates the parts of an assignment target that run (indices, objects). */
  private evalTarget(t: ts.Expression, st: State, ctx: Ctx): void {
    t = skipOuter(t);
    if (ts.isElementAccessExpression(t)) { this.expr(t.argumentExpression, st, ctx); }
  }

  /** Stores a value: the target's key joins the mapping, allocation or kmap the value came from, and stops naming what it named before. */
  private bind(target: string | undefined, prov: Prov | undefined, rhs: ts.Expression, st: State, ctx: Ctx): void {
    if (!target) return;
    const weak = target.endsWith("[]");
    if (!weak) {
      for (const r of st.recs.values()) { r.handleKeys.delete(target); r.bufKeys.delete(target); r.retKeys.delete(target); }
      for (const a of st.allocs.values()) a.keys.delete(target);
      for (const m of st.kmaps) m.addrKeys.delete(target);
    }
    if (target.startsWith(".") || target.startsWith("g:")) {
      const v = valOf(rhs, ctx.frame, st.fieldVals);
      st.fieldVals.set(target, v);
    }
    if (!prov) return;
    switch (prov.kind) {
      case "handle": st.recs.get(prov.rec)?.handleKeys.add(target); break;
      case "cpu": st.recs.get(prov.rec)?.bufKeys.add(target); break;
      case "sgcount": st.recs.get(prov.rec)?.retKeys.add(target); break;
      case "alloc": st.allocs.get(prov.alloc)?.keys.add(target); break;
      case "kmap": st.kmaps.find((m) => m.id === prov.kmap)?.addrKeys.add(target); break;
      case "key": {
        const src = prov.key;
        if (src === target) break;
        for (const r of st.recs.values()) {
          if (r.handleKeys.has(src)) r.handleKeys.add(target);
          if (r.bufKeys.has(src)) r.bufKeys.add(target);
          if (r.retKeys.has(src)) r.retKeys.add(target);
        }
        for (const a of st.allocs.values()) if (a.keys.has(src)) a.keys.add(target);
        for (const m of st.kmaps) if (m.addrKeys.has(src)) m.addrKeys.add(target);
        if (st.reserved.has(src)) st.reserved.set(target, st.reserved.get(src)!);
        break;
      }
    }
  }

  // ---- calls ----

  private maskSetter: boolean | undefined;
  /** The file calls dma_set_mask*() somewhere. */
  setsMask(): boolean {
    if (this.maskSetter === undefined) {
      let found = false;
      const visit = (n: ts.Node): void => {
        if (found) return;
        if (ts.isCallExpression(n)) { const a = apiCallee(this.unit, n); if (a && MASK_SETTERS.has(a)) found = true; }
        ts.forEachChild(n, visit);
      };
      visit(this.unit.sf);
      this.maskSetter = found;
    }
    return this.maskSetter;
  }

  /** Helpers imported from a sibling file (`import { helper } from "./helpers"`). */
  siblings = new Map<string, Unit>();
  private siblingCallee(unit: Unit, call: ts.CallExpression): FnInfo | undefined {
    const e = skipOuter(call.expression);
    if (!ts.isIdentifier(e)) return undefined;
    const imp = unit.relativeImports.get(e.text);
    const sib = imp ? this.siblings.get(imp.module) : undefined;
    const fn = sib?.functions.get(imp!.name);
    if (fn && !fn.unit) fn.unit = sib;
    return fn;
  }

  private call(call: ts.CallExpression, st: State, ctx: Ctx): Prov | undefined {
    const f = ctx.frame;
    const api = apiCallee(ctx.frame.unit, call);
    const args = call.arguments;
    const provs: (Prov | undefined)[] = [];
    if (!api) this.expr(call.expression, st, ctx);
    for (const a of args) provs.push(this.expr(a, st, ctx));
    if (api) return this.apiCall(api, call, st, ctx);
    const named = localCallee(ctx.frame.unit, call) ?? this.siblingCallee(ctx.frame.unit, call) ?? this.methodCallee(call, ctx);
    const callee = named ?? this.callbackCallee(call, ctx);
    // A function written inline at a helper's call (`each_entry(sgl, n, (sg) => …)`) is the caller's own code, one
    // level past the helper: it may run one level deeper than named helpers, and what it calls in turn may not.
    const limit = !named && callee && !this.unit.functions.has(callee.name) ? MAX_INLINE_DEPTH + 1 : MAX_INLINE_DEPTH;
    if (callee && ctx.frame.depth < limit && !ctx.stack.includes(callee) && callee.node.body) return this.inline(callee, call, st, ctx);
    if (callee) this.forgetReached(callee, call, st, ctx);
    // A call we do not follow: a handle passed to it counts as used.
    this.noteHandleUses(call, st, ctx);
    void f; void provs;
    return undefined;
  }

  /**
   * `this.step()` inside a class, or `rq.step()` on a local made by `new Request(…)`: the class's method, so a
   * request walked through its steps (pin, transfer, release) is followed as one path, not as three strangers.
   */
  private methodCallee(call: ts.CallExpression, ctx: Ctx): FnInfo | undefined {
    const e = skipOuter(call.expression);
    if (!ts.isPropertyAccessExpression(e) || !ts.isIdentifier(e.name)) return undefined;
    const obj = skipOuter(e.expression);
    let cls: string | undefined;
    if (obj.kind === ts.SyntaxKind.ThisKeyword) {
      for (let n: ts.Node | undefined = obj.parent; n; n = n.parent) if (ts.isClassDeclaration(n)) { cls = n.name?.text; break; }
    } else if (ts.isIdentifier(obj) && ctx.frame.locals.has(obj.text) && !ctx.frame.params.has(obj.text)) {
      const def = singleDef(ctx.frame, obj.text);
      const made = def && skipOuter(def);
      if (made && ts.isNewExpression(made) && ts.isIdentifier(made.expression)) cls = made.expression.text;
    } else if (ts.isIdentifier(obj) && !ctx.frame.locals.has(obj.text)) cls = closureClass(obj);
    return cls ? ctx.frame.unit.functions.get(`${cls}.${e.name.text}`) : undefined;
  }

  /** Functions written inline and handed to a helper, by the node: one FnInfo each, so recursion through them is seen. */
  private callbacks = new Map<ts.Node, FnInfo>();

  /**
   * A call of a helper's parameter that the caller bound to a function (`each_page((a) => SetPageReserved(…))`,
   * or a same-file function by name): the function itself, run with what the helper passes it.
   */
  private callbackCallee(call: ts.CallExpression, ctx: Ctx): FnInfo | undefined {
    const e = skipOuter(call.expression);
    if (!ts.isIdentifier(e)) return undefined;
    let name = e.text, frame: Frame | undefined = ctx.frame;
    for (let i = 0; frame && i < 4; i++) {
      if (!frame.params.has(name)) return undefined;
      const b = frame.params.get(name);
      if (!b) return undefined;
      const x = skipOuter(b.expr);
      if (ts.isArrowFunction(x) || ts.isFunctionExpression(x)) {
        let info = this.callbacks.get(x);
        if (!info) {
          info = { name: `${b.frame.fn.name}>${x.pos}`, node: x, params: x.parameters.map((q) => (ts.isIdentifier(q.name) ? q.name.text : "")), roles: new Set(), callers: new Set([b.frame.fn.name]), unit: b.frame.unit };
          this.callbacks.set(x, info);
        }
        return info;
      }
      if (!ts.isIdentifier(x)) return undefined;
      if (!b.frame.locals.has(x.text)) return b.frame.unit.api.has(x.text) ? undefined : b.frame.unit.functions.get(x.text);
      name = x.text;
      frame = b.frame;
    }
    return undefined;
  }

  private inline(callee: FnInfo, call: ts.CallExpression, st: State, ctx: Ctx): Prov | undefined {
    this.noteHandleUses(call, st, ctx);
    const params = new Map<string, Binding | undefined>();
    callee.params.forEach((p, i) => { const a = call.arguments[i]; params.set(p, a ? { expr: a, frame: ctx.frame } : undefined); });
    // Default parameter values stand in for missing arguments.
    callee.node.parameters.forEach((p, i) => { if (!call.arguments[i] && p.initializer && ts.isIdentifier(p.name)) params.set(p.name.text, { expr: p.initializer, frame: ctx.frame }); });
    const frame = makeFrame(callee.unit ?? this.unit, callee, params, ctx.frame, ctx.frame.depth === 0 ? call : ctx.frame.callSite, ctx.frame.irq, call);
    const sub: Ctx = { frame, exits: [], loops: [], stack: [...ctx.stack, callee] };
    const body = callee.node.body!;
    // The callee runs on the caller's state itself: what it leaves is what the caller continues from.
    let end: State | null = st;
    if (ts.isBlock(body)) end = this.block(body.statements, end, sub);
    else this.expr(body as ts.Expression, end, sub);
    let out: State | null = end;
    let prov: Prov | undefined;
    for (const x of sub.exits) { out = out ? joinOwned(out === st ? out.clone() : out, x.state === st ? x.state.clone() : x.state) : x.state; prov ??= x.prov; }
    if (out && out !== st) st.assign(out);
    // A helper's own local it returns (`return buf;` after mapping it) names nothing once the helper is gone: what the
    // caller stores it in is that mapping's buffer or handle.
    if (prov?.kind === "key" && prov.key.startsWith(`v:${callee.name}:`)) {
      const key = prov.key;
      for (const r of st.recs.values()) {
        if (r.kind === "coherent" || (r.status !== "live" && r.status !== "maybe")) continue;
        if (r.bufKeys.has(key)) return { kind: "cpu", rec: r.id };
        if (r.handleKeys.has(key)) return { kind: "handle", rec: r.id };
      }
    }
    return prov?.kind === "key" ? undefined : prov;
  }

  /**
   * Driver code too deep (or too recursive) to follow may unmap, sync, unlock, kunmap or unreserve what it can
   * reach: whatever it names (through the functions and methods it calls, and the arguments it is given) is no
   * longer known here, and nothing is reported about it afterwards rather than something wrong.
   */
  private forgetReached(callee: FnInfo, call: ts.CallExpression, st: State, ctx: Ctx): void {
    const unit = callee.unit ?? ctx.frame.unit;
    const names = new Set<string>();
    const seen = new Set<ts.Node>();
    const methods = [...unit.functions.values()].filter((x) => x.name.includes("."));
    const walk = (n: ts.Node | undefined, depth: number): void => {
      if (!n || seen.has(n) || depth > 4) return;
      seen.add(n);
      const visit = (x: ts.Node): void => {
        if (ts.isIdentifier(x) || ts.isPrivateIdentifier(x)) {
          names.add(x.text);
          const fn = unit.functions.get(x.text);
          if (fn) walk(fn.node.body, depth + 1);
          if (ts.isPropertyAccessExpression(x.parent) && x.parent.name === x) for (const m of methods) if (m.name.endsWith(`.${x.text}`)) walk(m.node.body, depth + 1);
        }
        ts.forEachChild(x, visit);
      };
      visit(n);
    };
    walk(callee.node.body, 0);
    const argKeys = new Set<string>();
    for (const a of call.arguments) { const k = keyOf(a, ctx.frame); if (k) argKeys.add(k); }
    const reached = (k: string | undefined): boolean => !!k && (argKeys.has(k) || names.has(baseName(k)));
    const any = (keys: Iterable<string>) => { for (const k of keys) if (reached(k)) return true; return false; };
    for (const [id, r] of st.recs) if (any(r.handleKeys) || any(r.bufKeys) || any(r.retKeys)) st.recs.delete(id);
    st.kmaps = st.kmaps.filter((m) => !reached(m.pageKey) && !any(m.addrKeys));
    for (const k of [...st.reserved.keys()]) if (reached(k)) st.reserved.delete(k);
    st.atomic = st.atomic.filter((x) => !reached(x.lock));
  }

  /** First use of a mapping's handle before dma_mapping_error() looked at it: DMA002. */
  private noteHandleUses(call: ts.CallExpression, st: State, ctx: Ctx): void {
    for (const a of call.arguments) {
      const k = keyOf(a, ctx.frame);
      if (!k) continue;
      for (const r of st.recs.values()) {
        if (!r.local || r.checked || r.uncheckedReported || (r.kind !== "single" && r.kind !== "page") || !r.handleKeys.has(k) || r.status === "released" || r.status === "failed") continue;
        r.uncheckedReported = true;
        this.reportUnchecked(r, call, ctx);
      }
    }
  }

  private reportUnchecked(r: Rec, at: ts.Node, ctx: Ctx): void {
    const node = this.site(at, ctx);
    this.rep.report("DMA002", node, `DMA handle from ${r.api}() used without dma_mapping_error(): if the map failed the device is given DMA_MAPPING_ERROR`, "warning",
      [{ node: r.site, message: `${FIX_HERE}test the handle with dma_mapping_error() right after this ${r.api}(), before it is used` }], [this.fixMappingError(r)].filter(isFix));
  }

  /**
   * Where to report something found at `node`: where it is, unless it is in
   * another file's helper (then at this file's call), or `via` — the
   * expression that makes it wrong — came in through a helper's parameter
   * (then at the call that passed it, where the caller's state made it wrong).
   */
  private site(node: ts.Node, ctx: Ctx, via?: ts.Expression): ts.Node {
    if (!ctx.frame.callSite || ctx.frame.depth === 0) return node;
    if (node.getSourceFile() !== this.rep.sf) return ctx.frame.callSite;
    if (via && mentionsParam(via, ctx.frame)) return ctx.frame.callSite;
    return node;
  }

  private recsByHandle(st: State, k: string | undefined): Rec[] {
    if (!k) return [];
    return [...st.recs.values()].filter((r) => r.handleKeys.has(k) || (r.kind === "sg" && (r.bufKeys.has(k) || r.bufKeys.has(sgList(k)))));
  }
  private recsByBuf(st: State, k: string | undefined): Rec[] {
    if (!k) return [];
    return [...st.recs.values()].filter((r) => r.bufKeys.has(k) || (r.kind === "sg" && r.bufKeys.has(sgList(k))));
  }
  private allocsByKey(st: State, k: string | undefined): Alloc[] {
    if (!k) return [];
    return [...st.allocs.values()].filter((a) => a.keys.has(k));
  }

  private context(st: State, ctx: Ctx): { why: string; node?: ts.Node; irqsOff: boolean } | undefined {
    const a = st.atomic[st.atomic.length - 1];
    if (a) return { why: a.why, node: a.node, irqsOff: ctx.frame.irq || st.atomic.some((x) => x.irqsOff) };
    if (ctx.frame.irq) return { why: "hardirq: an interrupt handler", irqsOff: true };
    const root = ctx.stack[0]!;
    if (root.roles.has("softirq")) return { why: "softirq: a timer or tasklet callback", irqsOff: false };
    return undefined;
  }

  /** Where the lock an atomic section holds is declared, when it is a struct member typed as a spinlock. */
  private lockDecl(node: ts.Node | undefined): ts.Node | undefined {
    if (!node || !ts.isCallExpression(node) || !node.arguments[0]) return undefined;
    const a = skipOuter(node.arguments[0]);
    const name = ts.isPropertyAccessExpression(a) ? a.name.text : undefined;
    if (!name) return undefined;
    let found: ts.Node | undefined;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if ((ts.isPropertySignature(n) || ts.isPropertyDeclaration(n)) && n.name.getText() === name && /spinlock|rwlock/.test(n.type?.getText() ?? (ts.isPropertyDeclaration(n) ? n.initializer?.getText() ?? "" : ""))) found = n;
      ts.forEachChild(n, visit);
    };
    visit(this.rep.sf);
    return found;
  }

  private sleeps(api: string, call: ts.CallExpression, ctx: Ctx): boolean {
    if (ALWAYS_SLEEPS.has(api)) return true;
    const spec = ALLOCATORS[api];
    let gfpArg = spec?.gfp;
    if (api === "dma_alloc_coherent") gfpArg = 3;
    if (gfpArg === undefined) return false;
    const a = call.arguments[gfpArg];
    const flags = a ? flagsOf(a, ctx.frame) : undefined;
    return !!flags && [...flags].some((x) => SLEEPING_GFP.has(x)) && !flags.has("GFP_ATOMIC") && !flags.has("GFP_NOWAIT");
  }

  private apiCall(api: string, call: ts.CallExpression, st: State, ctx: Ctx): Prov | undefined {
    const f = ctx.frame;
    const a = call.arguments;
    const k = (i: number) => (a[i] ? keyOf(a[i]!, f) : undefined);
    const v = (i: number) => (a[i] ? valOf(a[i]!, f, st.fieldVals) : undefined);

    if (api !== "dma_mapping_error") this.noteHandleUses(call, st, ctx);

    // An assertion on a pointer is its NULL check.
    if (api === "BUG_ON" || api === "WARN_ON" || api === "WARN_ON_ONCE" || api === "WARN" || api === "IS_ERR_OR_NULL" || api === "ZERO_OR_NULL_PTR") {
      const mentioned = keysIn(call, f);
      for (const al of st.allocs.values()) if ([...al.keys].some((x) => mentioned.has(x))) al.checked = true;
    }

    // Context: sleeping where the CPU may not sleep, freeing coherent memory with interrupts off.
    const c = this.context(st, ctx);
    if (c) {
      if ((api === "dma_free_coherent" || api === "dma_pool_destroy") && c.irqsOff) {
        this.rep.report("DMA023", this.site(call, ctx), `${api}() called in interrupt context (${c.why}): it may sleep and must run with interrupts enabled; free it from process context (a work item, or after the wait)`, "error", c.node ? [{ node: c.node, message: "atomic section starts here" }] : []);
      } else if (this.sleeps(api, call, ctx)) {
        const decl = this.lockDecl(c.node);
        this.rep.report("CTX001", this.site(call, ctx), `sleeping function ${api}() called from invalid context (${c.why})`, "error",
          [...(c.node ? [{ node: c.node, message: "atomic section starts here" }] : []), ...(decl ? [{ node: decl, message: "a spinlock: its holder may not sleep (a mutex or semaphore may)" }] : [])]);
      }
    }

    // DMA directions.
    const dirArg = DIR_ARG[api];
    if (dirArg !== undefined && a[dirArg]) {
      const d = v(dirArg)!;
      if (d.k === "const" && (d.n === 3 || d.n < 0 || d.n > 3 || !Number.isInteger(d.n))) {
        this.rep.report("DMA017", this.site(a[dirArg]!, ctx), `invalid DMA direction ${dirName(d)} passed to ${api}(): use DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL`, "error");
      }
    }

    if (MASK_SETTERS.has(api)) st.maskSet = true;
    // DMA018: in probe, a mapping made before the mask the driver does set (later) is made against the default mask.
    if ((api === "dma_map_single" || api === "dma_map_page" || api === "dma_map_sg" || api === "dma_alloc_coherent") && !st.maskSet && this.setsMask()
      && [...ctx.stack[0]!.roles].some((r) => r === "probe")) {
      this.rep.report("DMA018", this.site(call, ctx), `${api}() before the driver sets its DMA mask: the mapping is made against the default 32-bit mask; call dma_set_mask_and_coherent() first`, "warning");
    }

    switch (api) {
      case "dma_map_single": case "dma_map_page": case "dma_map_sg": {
        const kind: MapKind = api === "dma_map_single" ? "single" : api === "dma_map_page" ? "page" : "sg";
        const bufKey = k(1);
        const id = `map@${f.chain}:${call.pos}`;
        const rec: Rec = {
          id, kind, api, site: call, handleKeys: new Set(), bufKeys: new Set(bufKey ? [bufKey] : []), retKeys: new Set(),
          size: kind === "page" ? v(3) : kind === "single" ? v(2) : undefined, dir: v(kind === "page" ? 4 : 3), nents: kind === "sg" ? v(2) : undefined,
          status: "live", owner: "device", ownerSite: call, checked: false, local: true, uncheckedReported: false,
        };
        if (kind === "sg" && bufKey) rec.handleKeys.add(bufKey);
        // A page the device may write (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL) is written, as far as its dirty bit goes, though no CPU store touches it.
        if (kind === "page" && bufKey && rec.dir?.k === "const" && (rec.dir.n === 2 || rec.dir.n === 0)) { st.written.add(bufKey); st.written.add(`dma:${bufKey}`); }
        st.recs.set(id, rec);
        this.checkMappable(call, bufKey, st, ctx);
        return kind === "sg" ? { kind: "sgcount", rec: id } : { kind: "handle", rec: id };
      }
      case "dma_alloc_coherent": {
        const id = `coh@${f.chain}:${call.pos}`;
        const hk = k(2);
        st.recs.set(id, {
          id, kind: "coherent", api, site: call, handleKeys: new Set(hk ? [`${hk}.value`] : []), bufKeys: new Set(), retKeys: new Set(), size: v(1),
          status: "live", owner: "cpu", ownerSite: call, checked: true, local: true, uncheckedReported: false,
        });
        return { kind: "cpu", rec: id };
      }
      case "dma_mapping_error": {
        const hk = k(1);
        for (const r of this.recsByHandle(st, hk)) r.checked = true;
        return undefined;
      }
      case "dma_unmap_single": case "dma_unmap_page": case "dma_unmap_sg": case "dma_free_coherent":
        this.release(api, call, st, ctx);
        return undefined;
      case "dma_sync_single_for_cpu": case "dma_sync_single_for_device": case "dma_sync_sg_for_cpu": case "dma_sync_sg_for_device":
      case "dma_sync_single_range_for_cpu": case "dma_sync_single_range_for_device":
        this.sync(api, call, st, ctx);
        return undefined;
      case "virt_to_bus": case "bus_to_virt":
        this.rep.report("PG008", this.site(call, ctx), `${api}() used: it bypasses the DMA API and breaks with IOMMUs and bounce buffers; map the buffer with dma_map_single() and use the handle`, "warning", [], [], ["deprecated"]);
        return undefined;
      case "kunmap": case "kunmap_atomic": case "kunmap_local":
        this.kunmap(api, call, st, ctx);
        return undefined;
      case "kmap": case "kmap_atomic": case "kmap_local_page": {
        const id = `kmap@${f.chain}:${call.pos}`;
        st.kmaps = st.kmaps.filter((m) => m.id !== id);
        st.kmaps.push({ id, fn: api, site: call, pageKey: k(0), addrKeys: new Set(), status: "live", local: true });
        if (api === "kmap_atomic") st.atomic.push({ why: "atomic kmap held", node: call, irqsOff: false });
        return { kind: "kmap", kmap: id };
      }
      case "claim_dma_lock": st.atomic.push({ why: "interrupts disabled by claim_dma_lock()", node: call, irqsOff: true }); return undefined;
      case "release_dma_lock": { const i = st.atomic.map((x) => x.why).lastIndexOf("interrupts disabled by claim_dma_lock()"); if (i >= 0) st.atomic.splice(i, 1); return undefined; }
      case "spin_lock": case "spin_lock_bh": case "spin_lock_irq": case "spin_lock_irqsave": case "raw_spin_lock": case "raw_spin_lock_irqsave":
      case "read_lock": case "write_lock": case "read_lock_irqsave": case "write_lock_irqsave": case "read_lock_bh": case "write_lock_bh": {
        st.atomic.push({ why: `spinlock ${a[0]?.getText() ?? ""} held`, node: call, irqsOff: /irq/.test(api), lock: k(0) });
        return undefined;
      }
      case "spin_unlock": case "spin_unlock_bh": case "spin_unlock_irq": case "spin_unlock_irqrestore": case "raw_spin_unlock": case "raw_spin_unlock_irqrestore":
      case "read_unlock": case "write_unlock": case "read_unlock_irqrestore": case "write_unlock_irqrestore": case "read_unlock_bh": case "write_unlock_bh": {
        const lk = k(0);
        let i = -1;
        for (let j = st.atomic.length - 1; j >= 0; j--) if (st.atomic[j]!.lock !== undefined && (st.atomic[j]!.lock === lk || !lk)) { i = j; break; }
        if (i >= 0) st.atomic.splice(i, 1);
        return undefined;
      }
      case "mmap_read_lock": case "mmap_write_lock": st.mmapLocked = true; return undefined;
      case "mmap_read_unlock": case "mmap_write_unlock": st.mmapLocked = false; return undefined;
      case "SetPageReserved": { const pk = k(0); if (pk) st.reserved.set(pk, call); return undefined; }
      case "ClearPageReserved": { const pk = k(0); if (pk) st.reserved.delete(pk); return undefined; }
      case "set_page_dirty": case "set_page_dirty_lock": { const pk = k(0); if (pk) st.dirty.add(pk); return undefined; }
      case "get_user_pages_fast": case "pin_user_pages_fast": {
        // They take mmap_lock themselves.
        const pk = k(3);
        if (pk) { for (const key of [pk, `${pk}[]`]) { st.dirty.delete(key); st.written.delete(key); st.written.delete(`dma:${key}`); } }
        return undefined;
      }
      case "unpin_user_pages": case "unpin_user_pages_dirty_lock": {
        const pk = k(0);
        const dirtied = api === "unpin_user_pages_dirty_lock" && !(a[2] && (d => d.k === "const" && d.n === 0)(v(2)!));
        const el = pk && `${pk}[]`;
        if (el && !dirtied && (st.written.has(el) || st.written.has(pk!)) && !st.dirty.has(el) && !this.dirtiedInOtherBranch(call, pk!, ctx)) {
          const byDevice = st.written.has(`dma:${el}`) || st.written.has(`dma:${pk}`);
          const args = a.slice(0, 2).map((x) => x.getText()).join(", ");
          this.rep.report("PG007", this.site(call, ctx), `user pages ${byDevice ? "the device wrote by DMA (mapped DMA_FROM_DEVICE)" : "written by the kernel"} are released with ${api}()${api === "unpin_user_pages" ? "" : " without make_dirty"}: nothing marks them dirty, and reclaim may drop the data; release them with unpin_user_pages_dirty_lock(${args}, true)`, "warning",
            [], [{ title: "Mark the pages dirty as they are unpinned", file: this.rep.fileName, preferred: true, edits: [{ range: this.rep.range(call), newText: `unpin_user_pages_dirty_lock(${args}, true)` }, importEdit(this.rep.sf, "linux/mm", "unpin_user_pages_dirty_lock")].filter(isEdit) }]);
        }
        return undefined;
      }
      case "get_user_pages": case "pin_user_pages": {
        if (!st.mmapLocked && (f.depth > 0 || f.fn.callers.size === 0)) {
          this.rep.report("PG007", this.site(call, ctx), `${api}() called without mmap_read_lock(current->mm) held: the VMAs and page tables it walks can change under it`, "warning", [],
            [{ title: "Hold mmap_read_lock() around the call", file: this.rep.fileName, edits: [
              ...this.rep.around(statementOf(call), ["mmap_read_lock(current.mm!);"], ["mmap_read_unlock(current.mm!);"]),
              importEdit(this.rep.sf, "linux/mm", "mmap_read_lock"), importEdit(this.rep.sf, "linux/mm", "mmap_read_unlock"), importEdit(this.rep.sf, "linux/sched", "current"),
            ].filter(isEdit) }]);
        }
        const pk = k(3);
        if (pk) { for (const key of [pk, `${pk}[]`]) { st.dirty.delete(key); st.written.delete(key); st.written.delete(`dma:${key}`); } }
        return undefined;
      }
      case "put_page": case "unpin_user_page": {
        const pk = k(0);
        // A page the driver allocated itself (alloc_page() and the like) is no user page: no one reclaims it behind its back.
        const own = pk ? [...st.allocs.values()].some((x) => x.keys.has(pk) && x.family !== "user-pages") : false;
        if (pk && !own && st.written.has(pk) && !st.dirty.has(pk) && !this.dirtiedInOtherBranch(call, pk, ctx)) {
          this.rep.report("PG007", this.site(call, ctx), `user page written by ${st.written.has(`dma:${pk}`) ? "the device (DMA)" : "the kernel"} is released with ${api}() without set_page_dirty_lock(): reclaim may drop the data`, "warning",
            [], [{ title: "Mark the page dirty before releasing it", file: this.rep.fileName, edits: [this.rep.insertBefore(statementOf(call), [`set_page_dirty_lock(${a[0]!.getText()});`]), importEdit(this.rep.sf, "linux/mm", "set_page_dirty_lock")].filter(isEdit), preferred: true }]);
        }
        return undefined;
      }
      case "page_address": {
        const pk = k(0);
        for (const al of this.allocsByKey(st, pk)) {
          if (al.family === "pages-struct" && al.gfp && [...al.gfp].some((g) => /HIGHUSER|__GFP_HIGHMEM/.test(g))) {
            this.rep.report("PG006", this.site(call, ctx), `page_address() of a page allocated with ${[...al.gfp].join(" | ")}: a high-memory page has no kernel logical address; kmap_local_page() it`, "warning", [{ node: al.site, message: "allocated here" }]);
          }
        }
        return { kind: "key", key: pk ?? "" };
      }
    }

    const alloc = ALLOCATORS[api];
    if (alloc) {
      const id = `alloc@${f.chain}:${call.pos}`;
      const gfp = alloc.gfp !== undefined && a[alloc.gfp] ? flagsOf(a[alloc.gfp]!, f) : undefined;
      st.allocs.set(id, {
        id, fn: api, family: alloc.family, site: call, keys: new Set(), size: alloc.size !== undefined ? v(alloc.size) : api === "__get_free_page" || api === "get_zeroed_page" ? { k: "const", n: 4096, text: "PAGE_SIZE" } : undefined,
        order: alloc.order !== undefined ? v(alloc.order) : api === "alloc_page" || api === "__get_free_page" ? { k: "const", n: 0, text: "0" } : undefined,
        gfp, status: "live", checked: !!gfp?.has("__GFP_NOFAIL"), local: true,
      });
      return { kind: "alloc", alloc: id };
    }

    const free = FREERS[api];
    if (free) { this.free(api, free, call, st, ctx); return undefined; }

    if (IO_ACCESSORS.has(api)) {
      const ai = ioAddrArg(api);
      const key = k(ai);
      for (const al of this.allocsByKey(st, key)) {
        if (al.family !== "iomem" && al.status !== "released") {
          this.rep.report("MEM006", this.site(call, ctx), `${api}() on RAM from ${al.fn}(): the I/O accessors take __iomem addresses from ioremap()/pci_iomap(); use plain memory accesses`, "warning", [{ node: al.site, message: "allocated here" }]);
          break;
        }
      }
    }

    // DMA025: the device is told where the buffer is (its handle written to a register, or into a descriptor in
    // coherent memory) while CPU stores to it were never synced for the device.
    const handleArg = MMIO_WRITES.has(api) ? 0 : (api === "store32" || api === "store64") && this.recsByBuf(st, k(0)).some((r) => r.kind === "coherent" && r.status === "live") ? 1 : undefined;
    if (handleArg !== undefined && a[handleArg]) this.staleForDevice(api, call, a[handleArg]!, st, ctx);

    const touches = TOUCH[api];
    if (touches) for (const [i, access] of touches) if (a[i]) this.touch(api, call, a[i]!, access, st, ctx);

    // CTX002: a kernel pointer where the API wants a user one.
    const ua = USER_ARG[api];
    if (ua !== undefined && a[ua]) {
      const key = k(ua);
      const kernelPtr = (from: string, site: ts.Node, what: string) =>
        this.rep.report("CTX002", this.site(a[ua]!, ctx), `${api}() with a kernel pointer (from ${from}) as its user address: the arguments are swapped, or the pointer never came from user space`, "error", [{ node: site, message: what }]);
      const al = this.allocsByKey(st, key).find((x) => x.family === "slab" || x.family === "vmalloc" || x.family === "pages-addr" || x.family === "cache" || x.family === "pool" || x.family === "iomem" || x.family === "devm");
      const arg = skipOuter(a[ua]!);
      const argApi = ts.isCallExpression(arg) ? apiCallee(f.unit, arg) : undefined;
      const km = key ? st.kmaps.find((m) => m.status !== "released" && m.addrKeys.has(key)) : undefined;
      const coh = key ? [...st.recs.values()].find((r) => r.kind === "coherent" && r.bufKeys.has(key)) : undefined;
      if (al) kernelPtr(`${al.fn}()`, al.site, al.family === "iomem" ? "device memory mapped here" : "kernel memory allocated here");
      else if (argApi === "page_address" || argApi === "kmap" || argApi === "kmap_local_page" || argApi === "kmap_atomic" || argApi === "phys_to_virt" || argApi === "__va") kernelPtr(`${argApi}()`, arg, "a kernel address");
      else if (km) kernelPtr(`${km.fn}()`, km.site, "kernel mapping made here");
      else if (coh) kernelPtr("dma_alloc_coherent()", coh.site, "allocated here");
    }
    return undefined;
  }

  /**
   * A clean release in one arm of a choice whose other arm releases the same pages dirty
   * (`if (ok) unpin_user_pages_dirty_lock(p, n, true); else unpin_user_pages(p, n);`): the driver decides by the
   * outcome whether the device wrote them, a condition the flow cannot evaluate, so the clean arm is its choice.
   */
  private dirtiedInOtherBranch(call: ts.CallExpression, pk: string, ctx: Ctx): boolean {
    const f = ctx.frame;
    const dirties = (n: ts.Node): boolean => {
      let found = false;
      const visit = (x: ts.Node): void => {
        if (found) return;
        if (ts.isCallExpression(x)) {
          const api = apiCallee(f.unit, x);
          const arg = x.arguments[0];
          const same = !!arg && (keyOf(arg, f) === pk || keyOf(arg, f) === `${pk}[]`);
          if (same && (api === "set_page_dirty" || api === "set_page_dirty_lock")) found = true;
          if (same && api === "unpin_user_pages_dirty_lock") { const d = x.arguments[2] && valOf(x.arguments[2], f); found = !(d && d.k === "const" && d.n === 0); }
        }
        ts.forEachChild(x, visit);
      };
      visit(n);
      return found;
    };
    for (let n: ts.Node = call; n.parent && n !== f.fn.node; n = n.parent) {
      const p = n.parent;
      if (ts.isIfStatement(p) && p.elseStatement) {
        const other = p.thenStatement === n ? p.elseStatement : p.elseStatement === n ? p.thenStatement : undefined;
        if (other && dirties(other)) return true;
      } else if (ts.isConditionalExpression(p)) {
        const other = p.whenTrue === n ? p.whenFalse : p.whenFalse === n ? p.whenTrue : undefined;
        if (other && dirties(other)) return true;
      }
    }
    return false;
  }

  /** DMA014: memory the DMA API cannot map. */
  private checkMappable(call: ts.CallExpression, bufKey: string | undefined, st: State, ctx: Ctx): void {
    for (const al of this.allocsByKey(st, bufKey)) {
      if (al.family === "vmalloc") {
        this.rep.report("DMA014", al.site, `${al.fn}() memory is later mapped for DMA by ${call.expression.getText()}(): the vmalloc area is not physically contiguous and cannot be DMA-mapped; allocate it with kmalloc() or map its pages one by one`, "error",
          [{ node: this.site(call, ctx), message: "mapped for the device here" }]);
      }
    }
    for (const m of st.kmaps) {
      if (bufKey && m.addrKeys.has(bufKey) && m.status !== "released") {
        this.rep.report("DMA014", this.site(call, ctx), `a ${m.fn}() address is mapped for DMA: kmap addresses are temporary; map the page with dma_map_page()`, "error", [{ node: m.site, message: "kmapped here" }]);
      }
    }
  }

  private touch(api: string, call: ts.CallExpression, ptr: ts.Expression, access: "read" | "write", st: State, ctx: Ctx): void {
    const f = ctx.frame;
    const key = keyOf(ptr, f);
    if (!key) return;
    // DMA001: the device owns the buffer.
    for (const r of this.recsByBuf(st, key)) {
      if (r.kind === "coherent" || r.status === "released" || r.status === "failed") continue;
      // A store the device can be meant to read (DMA_TO_DEVICE, DMA_BIDIRECTIONAL): it needs a sync for the device first.
      if (r.owner === "cpu" && access === "write" && (r.status === "live" || r.status === "maybe") && (r.kind === "single" || r.kind === "page") && r.dir?.k === "const" && (r.dir.n === 0 || r.dir.n === 1)) r.cpuWrote ??= this.site(call, ctx, ptr);
      if (r.owner === "cpu") { if (r.cpuRange && (r.status === "live" || r.status === "maybe")) this.outsideRange(api, call, ptr, access, r, r.cpuRange, st, ctx); continue; }
      // Reading a buffer the device only reads (DMA_TO_DEVICE) sees the right bytes on most machines: a warning, not an error.
      const readOnly = access === "read" && r.dir?.k === "const" && r.dir.n === 1;
      const sure = r.owner === "device" && r.status === "live" && !readOnly;
      const handedOver = r.ownerSite;
      const verb = handedOver === r.site ? `mapped for the device by ${r.api}()` : "handed to the device";
      this.rep.report("DMA001", this.site(call, ctx, ptr),
        `CPU ${access} of streaming DMA buffer ${ptr.getText()} while the device owns it (${verb}${r.owner === "device" && r.status === "live" ? "" : " on some path"}): take it back with dma_sync_*_for_cpu() first, and hand it over again with dma_sync_*_for_device() after`,
        sure ? "error" : "warning",
        [{ node: handedOver, message: handedOver === r.site ? "mapped for the device here" : "handed to the device here" }, ...(ctx.frame.depth > 0 ? [{ node: call, message: `${access} in ${f.fn.name}() here` }] : [])],
        [this.fixSync(r, call, ptr, ctx)].filter(isFix));
      break;
    }
    for (const al of this.allocsByKey(st, key)) {
      // MEM002: after free.
      // One abstract object per array: element i freed says nothing of element j.
      if ((al.status === "released" || al.status === "maybe") && al.freedAt && al.family !== "iomem" && !key.endsWith("[]")) {
        const sure = al.status === "released";
        this.rep.report("MEM002", this.site(call, ctx), `use after free: ${api}() ${access}s ${ptr.getText()}, freed by ${al.freedAt.getText().split("(")[0]}()${sure ? "" : " on some path"}`, sure ? "error" : "warning", [{ node: al.freedAt, message: "freed here" }, { node: al.site, message: "allocated here" }]);
        continue;
      }
      if (al.status === "failed") continue;
      // MEM007: never tested.
      if (al.local && !al.checked && al.family !== "user-pages") {
        al.checked = true;
        this.rep.report("MEM007", this.site(call, ctx), `result of ${al.fn}() is used by ${api}() without a NULL check`, "warning", [{ node: al.site, message: `${FIX_HERE}test what ${al.fn}() returns for NULL right after this allocation` }],
          [{ title: `Return -ENOMEM when ${al.fn}() fails`, file: this.rep.fileName, edits: [this.rep.insertAfter(statementOf(al.site), [`if (!${ptr.getText().split(/[ +[]/)[0]}) return -ENOMEM;`])] }]);
      }
      // MEM006: plain access to I/O memory.
      if (al.family === "iomem" && al.status !== "released") {
        this.rep.report("MEM006", this.site(call, ctx), `${api}() on I/O memory from ${al.fn}(): use readl()/writel(), memcpy_fromio()/memcpy_toio() or memset_io()`, "warning", [{ node: al.site, message: "mapped here" }]);
      }
      // MEM001: a constant access past a constant-sized object.
      const off = offsetOf(ptr, f);
      const li = LENGTH_ARG[api];
      const lenVal = li !== undefined && call.arguments[li] ? valOf(call.arguments[li]!, f, st.fieldVals) : undefined;
      const n: number | undefined = ACCESS_SIZE[api] ?? (lenVal?.k === "const" ? lenVal.n : undefined);
      if (off !== undefined && n !== undefined && al.size?.k === "const" && off + n > al.size.n && al.family !== "iomem") {
        this.rep.report("MEM001", this.site(call, ctx), `out-of-bounds ${access} of size ${n} at offset ${off} of a ${al.size.n}-byte object from ${al.fn}()`, "error", [{ node: al.site, message: "allocated here" }]);
      }
    }
    // A page the kernel writes through a kmap must be dirtied before it is released.
    if (access === "write") for (const m of st.kmaps) if (m.addrKeys.has(key) && m.pageKey && m.status !== "released") st.written.add(m.pageKey);
  }

  private staleForDevice(api: string, call: ts.CallExpression, value: ts.Expression, st: State, ctx: Ctx): void {
    for (const r of this.recsByHandle(st, keyOf(value, ctx.frame))) {
      if (!r.cpuWrote || r.owner !== "cpu" || (r.status !== "live" && r.status !== "maybe")) continue;
      // The address as the driver wrote it: followed out of the helpers it was passed down through, so a helper that
      // programs the device is reported at the call that gave it the unsynced buffer (once, whichever root got there).
      let expr = value, fr = ctx.frame;
      while (fr.depth > 0 && ts.isIdentifier(skipOuter(expr)) && fr.params.get((skipOuter(expr) as ts.Identifier).text)) {
        const b = fr.params.get((skipOuter(expr) as ts.Identifier).text)!;
        expr = b.expr; fr = b.frame;
      }
      const node = expr === value ? this.site(call, ctx, value) : fr.depth > 0 && mentionsParam(expr, fr) ? fr.callSite ?? call : ts.isCallExpression(expr.parent) ? expr.parent : expr;
      this.rep.report("DMA025", node,
        `${api}() hands the device DMA address ${expr.getText()} while the CPU's stores to the buffer were never synced for it: without hardware coherency they are still in the CPU cache, and the device reads stale data; call dma_sync_single${r.cpuRange ? "_range" : ""}_for_device() after the stores`,
        "warning", [{ node: r.cpuWrote, message: "written by the CPU here" }, { node: r.ownerSite, message: "taken by the CPU here" }, { node: r.site, message: "mapped here" }]);
      r.cpuWrote = undefined;
    }
  }

  /** DMA001 for an access past the part of the buffer a range sync gave the CPU: reported at the sync, whose range is what to fix. */
  private outsideRange(api: string, call: ts.CallExpression, ptr: ts.Expression, access: "read" | "write", r: Rec, synced: NonNullable<Rec["cpuRange"]>, st: State, ctx: Ctx): void {
    const f = ctx.frame;
    const li = LENGTH_ARG[api];
    const len: Val | undefined = ACCESS_SIZE[api] !== undefined ? { k: "const", n: ACCESS_SIZE[api]!, text: String(ACCESS_SIZE[api]) } : li !== undefined && call.arguments[li] ? valOf(call.arguments[li]!, f, st.fieldVals) : undefined;
    const off = offsetVal(ptr, f, st.fieldVals);
    if (!len || !off) return;
    const out = outside(synced, { off, len }, f.unit);
    if (!out) return;
    const sure = out === "sure" && synced.sure && r.status === "live";
    const sync = synced.site.getText().split("(")[0];
    const sargs = ts.isCallExpression(synced.site) ? synced.site.arguments : undefined;
    const lenText = li !== undefined && call.arguments[li] ? call.arguments[li]!.getText() : len.text;
    this.rep.report("DMA001", synced.site,
      `${sync}() gives the CPU ${sargs?.[3]?.getText() ?? synced.len.text} bytes at offset ${sargs?.[2]?.getText() ?? synced.off.text} of the mapping, but ${api}() ${access}s ${lenText} byte${lenText === "1" ? "" : "s"} at offset ${off.k === "const" ? off.n : off.text}${out === "sure" ? "" : ` (for some of the values ${off.k === "sym" ? off.text : synced.off.text} takes)`}${sure ? "" : " on some path"}: the device still owns those bytes; sync the range the CPU uses`,
      sure ? "error" : "warning",
      [{ node: this.site(call, ctx, ptr), message: `${access} outside the synced range here` }, { node: r.site, message: "mapped here" }]);
  }

  private release(api: string, call: ts.CallExpression, st: State, ctx: Ctx): void {
    const f = ctx.frame;
    const a = call.arguments;
    const coherent = api === "dma_free_coherent";
    const hk = a[coherent ? 3 : 1] ? keyOf(a[coherent ? 3 : 1]!, f) : undefined;
    const ck = coherent && a[2] ? keyOf(a[2], f) : undefined;
    let recs = this.recsByHandle(st, hk);
    if (!recs.length && ck) recs = this.recsByBuf(st, ck).filter((r) => r.kind === "coherent");
    const live = recs.filter((r) => r.status === "live" || r.status === "maybe");
    const node = this.site(call, ctx);
    if (!live.length) {
      // The buffer's CPU address where the handle belongs: dma-debug finds no mapping at that "DMA address".
      const byBuf = coherent ? [] : this.recsByBuf(st, hk).filter((r) => r.kind !== "coherent" && r.kind !== "sg" && (r.status === "live" || r.status === "maybe") && !r.handleKeys.has(hk!));
      if (byBuf.length) {
        const r = byBuf[0]!;
        this.rep.report("DMA003", node, `${api}() is given ${a[1]!.getText()}, the buffer's CPU address, not the DMA handle ${r.api}() returned: no mapping exists at that address, and the real one is never unmapped`, "error",
          [{ node: r.site, message: "mapped here: its return value is the handle to unmap" }]);
        r.status = "released";
        r.releasedAt = call;
        return;
      }
      const gone = recs.filter((r) => r.status === "released");
      if (gone.length && hk && !hk.endsWith("[]") && gone[0]!.releasedAt && gone[0]!.releasedAt !== call) {
        const r = gone[0]!;
        this.rep.report("DMA003", node, `${api}() of DMA handle ${a[coherent ? 3 : 1]!.getText()} that is already ${coherent ? "freed" : "unmapped"}: one mapping, one unmap`, "error",
          [{ node: r.releasedAt!, message: coherent ? "freed here" : "unmapped here" }, { node: r.site, message: "mapped here" }]);
      }
      return;
    }
    const unmapKind: MapKind = api === "dma_unmap_single" ? "single" : api === "dma_unmap_page" ? "page" : api === "dma_unmap_sg" ? "sg" : "coherent";
    for (const r of live) {
      const related: Related[] = [{ node: r.site, message: r.kind === "coherent" ? "allocated here" : "mapped here" }];
      const kindOk = r.kind === unmapKind || (new Set([r.kind, unmapKind]).size === 2 && r.kind !== "coherent" && unmapKind !== "coherent" && r.kind !== "sg" && unmapKind !== "sg");
      if (!kindOk) {
        this.rep.report("DMA006", node, `DMA memory ${r.kind === "coherent" ? "allocated by dma_alloc_coherent()" : `mapped by ${r.api}()`} is released with ${api}(): ${r.kind === "coherent" ? "give it back with dma_free_coherent()" : `unmap it with dma_unmap_${r.kind}()`}`, "error", related);
      } else if (r.kind === "coherent") {
        const size = a[1] ? valOf(a[1], f, st.fieldVals) : undefined;
        const d = differs(r.size, size);
        if (d !== "unknown") this.rep.report("DMA007", node, `dma_free_coherent() with a different size: allocated ${show(r.size)} bytes, freed ${show(size)}`, d === "sure" ? "error" : "warning", related);
        if (ck && r.bufKeys.size && !r.bufKeys.has(ck)) this.rep.report("DMA007", node, `dma_free_coherent() with a different CPU address than dma_alloc_coherent() returned (${a[2]!.getText()})`, "warning", related);
      } else {
        const sizeArg = unmapKind === "sg" ? undefined : a[2];
        const size = sizeArg ? valOf(sizeArg, f, st.fieldVals) : undefined;
        const dirArg = a[3];
        const dir = dirArg ? valOf(dirArg, f, st.fieldVals) : undefined;
        if (unmapKind !== "sg") {
          const d = differs(r.size, size);
          if (d !== "unknown") this.rep.report("DMA004", node, `${api}() with a different size: mapped ${show(r.size)} bytes, unmapped ${show(size)}`, d === "sure" ? "error" : "warning", related);
        } else {
          this.checkSgCount("DMA008", api, a[2], r, st, node, ctx, related);
        }
        if (r.dir?.k === "const" && dir?.k === "const" && r.dir.n !== dir.n && dir.n >= 0 && dir.n <= 2 && r.dir.n >= 0 && r.dir.n <= 2) {
          this.rep.report("DMA005", node, `${api}() with a different direction: mapped with ${dirName(r.dir)}, unmapped with ${dirName(dir)}`, "error", related);
        }
      }
      r.status = "released";
      r.releasedAt = call;
      r.owner = "cpu";
      r.ownerSite = call;
      r.cpuRange = undefined;
      r.cpuWrote = undefined;
    }
  }

  /** DMA008/DMA013: the sg count must be the nents passed to dma_map_sg(), not the count it returned. */
  private checkSgCount(rule: "DMA008" | "DMA013", api: string, arg: ts.Expression | undefined, r: Rec, st: State, node: ts.Node, ctx: Ctx, related: Related[]): void {
    if (!arg) return;
    const key = keyOf(arg, ctx.frame);
    const what = rule === "DMA008" ? "unmap" : "sync";
    if (key && r.retKeys.has(key)) {
      const n = valOf(arg, ctx.frame, st.fieldVals);
      if (!(r.nents && sameValue(r.nents, n))) {
        this.rep.report(rule, node, `${api}() is given ${arg.getText()}, the count dma_map_sg() returned: every ${what} takes the nents that was passed to dma_map_sg() (${show(r.nents)})`, "error", related);
        return;
      }
    }
    const n = valOf(arg, ctx.frame, st.fieldVals);
    if (r.nents?.k === "const" && n.k === "const" && r.nents.n !== n.n) this.rep.report(rule, node, `${api}() with ${n.n} entries; dma_map_sg() was given ${r.nents.n}`, "error", related);
  }

  private sync(api: string, call: ts.CallExpression, st: State, ctx: Ctx): void {
    const f = ctx.frame;
    const a = call.arguments;
    const sg = api.startsWith("dma_sync_sg");
    const range = api.includes("_range_");
    const toCpu = api.endsWith("for_cpu");
    const hk = a[1] ? keyOf(a[1], f) : undefined;
    const recs = this.recsByHandle(st, hk).filter((r) => r.status === "live" || r.status === "maybe");
    const node = this.site(call, ctx);
    const dirArg = a[range ? 4 : 3];
    const dir = dirArg ? valOf(dirArg, f, st.fieldVals) : undefined;
    for (const r of recs) {
      if (r.kind === "coherent") continue;
      const related: Related[] = [{ node: r.site, message: "mapped here" }];
      if (sg) this.checkSgCount("DMA013", api, a[2], r, st, node, ctx, related);
      else {
        const size = a[range ? 3 : 2] ? valOf(a[range ? 3 : 2]!, f, st.fieldVals) : undefined;
        const off = range && a[2] ? valOf(a[2], f, st.fieldVals) : { k: "const" as const, n: 0, text: "0" };
        if (r.size?.k === "const" && size?.k === "const" && off.k === "const" && off.n + size.n > r.size.n) {
          this.rep.report("DMA010", node, `${api}() of ${off.n ? `${off.n}+` : ""}${size.n} bytes, outside the ${r.size.n}-byte mapping (${show(r.size)})`, "error", related);
        }
      }
      if (r.dir?.k === "const" && dir?.k === "const" && r.dir.n !== 0 && dir.n !== 3 && r.dir.n !== dir.n) {
        this.rep.report("DMA011", node, `${api}() with a different direction: mapped with ${dirName(r.dir)}, synced with ${dirName(dir)}`, "error", related);
        if (toCpu && r.dir.n === 1 && (dir.n === 2 || dir.n === 0)) this.rep.report("DMA012", node, `${api}() asks for device data of a DMA_TO_DEVICE mapping: the device only reads it`, "warning", related);
        if (!toCpu && r.dir.n === 2 && (dir.n === 1 || dir.n === 0)) this.rep.report("DMA012", node, `${api}() hands CPU data to the device in a DMA_FROM_DEVICE mapping: the device only writes it`, "warning", related);
      }
      // A range given back to the CPU out of a mapping the device holds: the rest stays the device's.
      // Device-owned on some path only (or mapped on some path only): what follows is "on some path" too.
      const whole = !range || !toCpu || r.owner === "cpu" || (r.kind !== "single" && r.kind !== "page") || !a[2] || !a[3];
      r.cpuRange = whole ? undefined : { off: valOf(a[2]!, f, st.fieldVals), len: valOf(a[3]!, f, st.fieldVals), site: node, sure: r.owner === "device" && r.status === "live" };
      if (!toCpu) r.cpuWrote = undefined;
      r.owner = toCpu ? "cpu" : "device";
      r.ownerSite = call;
    }
  }

  private kunmap(api: string, call: ts.CallExpression, st: State, ctx: Ctx): void {
    const key = call.arguments[0] ? keyOf(call.arguments[0], ctx.frame) : undefined;
    if (!key) return;
    const node = this.site(call, ctx);
    const wantsPage = api === "kunmap";
    const live = st.kmaps.filter((m) => m.status !== "released");
    const byAddr = live.find((m) => m.addrKeys.has(key));
    const byPage = live.find((m) => m.pageKey === key);
    if (wantsPage && byAddr && !byPage) {
      this.rep.report("PG004", node, `passing the wrong variable to kunmap(): got the address ${call.arguments[0]!.getText()}, expected the page`, "error", [{ node: byAddr.site, message: "kmapped here" }],
        byAddr.pageKey ? [{ title: "Pass the page to kunmap()", file: this.rep.fileName, edits: [{ range: this.rep.range(call.arguments[0]!), newText: byAddr.site.arguments[0]!.getText() }], preferred: true }] : []);
      byAddr.status = "released";
      return;
    }
    if (!wantsPage && byPage && !byAddr) {
      this.rep.report("PG004", node, `passing the wrong variable to ${api}(): got the page ${call.arguments[0]!.getText()}, expected the address ${byPage.site.getText().split("(")[0]}() returned`, "error", [{ node: byPage.site, message: "kmapped here" }]);
      byPage.status = "released";
      return;
    }
    const m = wantsPage ? byPage : byAddr;
    if (!m) return;
    if (!wantsPage) {
      const stack = live.filter((x) => x.fn !== "kmap");
      const top = stack[stack.length - 1];
      if (top && top !== m && top.status === "live" && m.status === "live") {
        this.rep.report("PG005", node, `${api}() out of order: atomic/local kmaps are a stack, release the most recent one (${top.site.getText()}) first`, "warning", [{ node: top.site, message: "more recent kmap here" }]);
      }
    }
    m.status = "released";
    if (m.fn === "kmap_atomic") {
      const i = st.atomic.findIndex((x) => x.node === m.site);
      if (i >= 0) st.atomic.splice(i, 1);
    }
    st.kmaps = st.kmaps.filter((x) => x !== m);
  }

  private free(api: string, spec: { families: readonly AllocFamily[]; order?: number; arg?: number }, call: ts.CallExpression, st: State, ctx: Ctx): void {
    const f = ctx.frame;
    const argE = call.arguments[spec.arg ?? 0];
    if (!argE) return;
    const key = keyOf(argE, f);
    const node = this.site(call, ctx);
    if (key && st.reserved.has(key)) {
      this.rep.report("PG002", node, `${api}() of memory whose pages are still PG_reserved: ClearPageReserved() each page first, or the allocator reports a bad page`, "error", [{ node: st.reserved.get(key)!, message: "reserved here" }]);
    }
    // A streaming buffer freed while still mapped.
    for (const r of this.recsByBuf(st, key)) {
      if (r.kind !== "coherent" && r.status === "live") {
        this.rep.report("DMA020", node, `${ctx.frame.fn.roles.has("remove") || ctx.frame.fn.roles.has("exit") ? "buffer freed while the driver is released" : "buffer freed"} with its DMA mapping still live: ${r.api}() is never undone with dma_unmap_${r.kind}() before ${api}()`, "error",
          [{ node: r.site, message: "mapped here" }], [this.fixUnmap(r, call, ctx)].filter(isFix));
      }
    }
    for (const al of this.allocsByKey(st, key)) {
      if (al.status === "failed") continue;
      if ((al.status === "released" || al.status === "maybe") && al.freedAt && al.freedAt !== call && !key!.endsWith("[]")) {
        const sure = al.status === "released";
        this.rep.report("MEM003", node, `double free: ${argE.getText()} was already freed${sure ? "" : " on some path"}`, sure ? "error" : "warning", [{ node: al.freedAt, message: "first freed here" }, { node: al.site, message: "allocated here" }]);
        al.status = "released";
        continue;
      }
      if (al.status !== "live" && al.status !== "maybe") continue;
      if (al.family === "devm" && !spec.families.includes("devm")) {
        // devres owns it: the driver's unbind (or probe's failure) frees it a second time.
        this.rep.report("MEM003", node, `double free: ${api}() of memory from ${al.fn}(), which devres frees again when the driver unbinds; leave it to devres, or release it early with devm_kfree()`, "error", [{ node: al.site, message: "managed allocation here" }]);
      } else if (!spec.families.includes(al.family)) {
        this.rep.report("MEM004", node, `allocator mismatch: ${api}() of memory allocated by ${al.fn}(); free it with ${freerOf(al.family)}`, "error", [{ node: al.site, message: "allocated here" }]);
      } else if (spec.order !== undefined && al.order) {
        const order = call.arguments[spec.order] ? valOf(call.arguments[spec.order]!, f, st.fieldVals) : undefined;
        if (order?.k === "const" && al.order.k === "const" && order.n !== al.order.n) {
          this.rep.report("MEM004", node, `${api}() with order ${order.n}; ${al.fn}() allocated order ${al.order.n}`, "error", [{ node: al.site, message: "allocated here" }]);
        }
      }
      al.status = "released";
      al.freedAt = call;
    }
  }

  private atExit(e: Exit, ctx: Ctx): void {
    const st = e.state;
    const fn = ctx.frame.fn;
    for (const r of st.recs.values()) {
      if (r.local && !r.checked && !r.uncheckedReported && r.status !== "failed" && (r.kind === "single" || r.kind === "page")) {
        r.uncheckedReported = true;
        this.reportUnchecked(r, r.site, ctx);
      }
      if (r.kind === "sg" && r.local && !r.checked && !r.uncheckedReported && r.status !== "failed") {
        r.uncheckedReported = true;
        this.rep.report("DMA002", r.site, "dma_map_sg() result never tested: it returns 0 when the mapping fails", "warning");
      }
    }
    // DMA020 on error paths: a setup function that fails must undo what it mapped (pci_free_consistent.cocci).
    if (e.error && e.node && (fn.roles.has("probe") || fn.roles.has("init"))) {
      for (const r of st.recs.values()) {
        if (!r.local || r.status !== "live") continue;
        this.rep.report("DMA020", e.node, `${fn.name}() fails here with ${r.kind === "coherent" ? "dma_alloc_coherent() memory" : `a ${r.api}() mapping`} still live: the error path must ${r.kind === "coherent" ? "dma_free_coherent()" : `dma_unmap_${r.kind}()`} it`, "warning", [{ node: r.site, message: r.kind === "coherent" ? "allocated here" : "mapped here" }]);
      }
    }
    // PG003: kmaps a function leaves behind.
    for (const m of st.kmaps) {
      if (m.local && m.status === "live") {
        const unmap = m.fn === "kmap" ? "kunmap" : m.fn === "kmap_atomic" ? "kunmap_atomic" : "kunmap_local";
        this.rep.report("PG003", m.site, `${m.fn}() without ${unmap}() on the path through ${e.node ? `line ${this.rep.range(e.node).start.line + 1}` : "the end of the function"}`, "warning",
          e.node ? [{ node: e.node, message: `${FIX_HERE}${unmap}() before this return: the function leaves here with the mapping` }] : [], [this.fixKunmap(m, unmap, e.node)].filter(isFix));
      }
    }
  }

  // ---- fixes ----

  /** PG003: release the kmap before the return that leaves it behind. */
  private fixKunmap(m: { site: ts.CallExpression }, unmap: string, ret: ts.Node | undefined): Fix | undefined {
    if (!ret || ret.getSourceFile() !== this.rep.sf || m.site.getSourceFile() !== this.rep.sf) return undefined;
    let arg: string | undefined;
    if (unmap === "kunmap") arg = m.site.arguments[0]?.getText();
    else {
      const stmt = statementOf(m.site);
      if (ts.isVariableStatement(stmt)) arg = stmt.declarationList.declarations[0]?.name.getText();
    }
    if (!arg) return undefined;
    return {
      title: `Release the mapping with ${unmap}() before returning`,
      file: this.rep.fileName,
      preferred: true,
      edits: [this.rep.insertBefore(ret, [`${unmap}(${arg});`]), importEdit(this.rep.sf, "linux/highmem", unmap)].filter(isEdit),
    };
  }

  private fixSync(r: Rec, touchCall: ts.CallExpression, ptr: ts.Expression, ctx: Ctx): Fix | undefined {
    if (r.kind === "coherent" || ctx.frame.depth > 0) return undefined;
    const site = r.site;
    const dev = site.arguments[0]?.getText() ?? "dev";
    const sg = r.kind === "sg";
    let handle = [...r.handleKeys].find((k) => k.startsWith("."));
    const p = skipOuter(ptr);
    let handleText: string | undefined;
    if (handle && ts.isPropertyAccessExpression(p)) handleText = `${p.expression.getText()}${handle}`;
    else {
      handle = [...r.handleKeys].find((k) => k.startsWith(`v:${ctx.frame.fn.name}:`));
      handleText = handle ? handle.split(":")[2] : undefined;
    }
    if (!handleText) return undefined;
    const size = argText(r, "size");
    const dir = argText(r, "dir") ?? "DMA_BIDIRECTIONAL";
    const kind = sg ? "sg" : "single";
    const stmt = statementOf(touchCall);
    return {
      title: `Take the buffer back with dma_sync_${kind}_for_cpu() around the access`,
      file: this.rep.fileName,
      preferred: true,
      edits: [
        ...this.rep.around(stmt, [`dma_sync_${kind}_for_cpu(${dev}, ${handleText}, ${size}, ${dir});`], [`dma_sync_${kind}_for_device(${dev}, ${handleText}, ${size}, ${dir});`]),
        importEdit(this.rep.sf, "linux/dma-mapping", `dma_sync_${kind}_for_cpu`),
        importEdit(this.rep.sf, "linux/dma-mapping", `dma_sync_${kind}_for_device`),
      ].filter(isEdit),
    };
  }

  private fixMappingError(r: Rec): Fix | undefined {
    const stmt = statementOf(r.site);
    let target: string | undefined;
    if (ts.isVariableStatement(stmt)) target = stmt.declarationList.declarations[0]?.name.getText();
    else if (ts.isExpressionStatement(stmt) && ts.isBinaryExpression(stmt.expression)) target = stmt.expression.left.getText();
    if (!target) return undefined;
    const dev = r.site.arguments[0]?.getText() ?? "dev";
    return {
      title: "Check the mapping with dma_mapping_error()",
      file: this.rep.fileName,
      preferred: true,
      edits: [this.rep.insertAfter(stmt, [`if (dma_mapping_error(${dev}, ${target})) return -ENOMEM;`]), importEdit(this.rep.sf, "linux/dma-mapping", "dma_mapping_error"), importEdit(this.rep.sf, "linux/errno", "ENOMEM")].filter(isEdit),
    };
  }

  private fixUnmap(r: Rec, freeCall: ts.CallExpression, ctx: Ctx): Fix | undefined {
    if (ctx.frame.depth > 0) return undefined;
    const handle = [...r.handleKeys].find((k) => k.startsWith("."));
    const arg = freeCall.arguments[0] ? skipOuter(freeCall.arguments[0]) : undefined;
    if (!handle || !arg || !ts.isPropertyAccessExpression(arg)) return undefined;
    const dev = r.site.arguments[0]?.getText() ?? "dev";
    return {
      title: `Unmap the buffer with dma_unmap_${r.kind}() first`,
      file: this.rep.fileName,
      edits: [this.rep.insertBefore(statementOf(freeCall), [`dma_unmap_${r.kind}(${dev}, ${arg.expression.getText()}${handle}, ${argText(r, "size")}, ${argText(r, "dir")});`]), importEdit(this.rep.sf, "linux/dma-mapping", `dma_unmap_${r.kind}`)].filter(isEdit),
    };
  }
}

export class CancelSignal extends Error {}

const MASK_SETTERS = new Set(["dma_set_mask", "dma_set_mask_and_coherent", "dma_set_coherent_mask", "pci_set_dma_mask", "pci_set_consistent_dma_mask"]);

const DIR_ARG: Readonly<Record<string, number>> = {
  dma_map_single: 3, dma_unmap_single: 3, dma_map_page: 4, dma_unmap_page: 4, dma_map_sg: 3, dma_unmap_sg: 3,
  dma_sync_single_for_cpu: 3, dma_sync_single_for_device: 3, dma_sync_sg_for_cpu: 3, dma_sync_sg_for_device: 3,
  dma_sync_single_range_for_cpu: 4, dma_sync_single_range_for_device: 4,
};
const USER_ARG: Readonly<Record<string, number>> = { copy_to_user: 0, copy_from_user: 1, clear_user: 0, strncpy_from_user: 1 };

function freerOf(f: AllocFamily): string {
  return { slab: "kfree()", vmalloc: "vfree()", "pages-addr": "free_pages()", "pages-struct": "__free_pages()", iomem: "iounmap()", cache: "kmem_cache_free()", pool: "dma_pool_free()", "user-pages": "put_page()", devm: "devm_kfree()" }[f];
}
void ALLOC_NAMES;

function sameValue(a: Val, b: Val): boolean {
  return a.k === "const" ? b.k === "const" && a.n === b.n : b.k === "sym" && a.s === b.s;
}

function mentionsParam(e: ts.Node, f: Frame): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && f.params.has(n.text) && f.params.get(n.text)) found = true;
    ts.forEachChild(n, visit);
  };
  visit(e);
  return found;
}

/** The map call's own text for its size (nents for sg) or direction, as the driver wrote it. */
function argText(r: Rec, what: "size" | "dir"): string | undefined {
  const i = what === "size" ? (r.kind === "page" ? 3 : 2) : r.kind === "page" ? 4 : 3;
  return r.site.arguments[i]?.getText();
}

/** The class of a variable a closure uses from a function around it (`const rq = new Req(…)` there). */
function closureClass(id: ts.Identifier): string | undefined {
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (!(ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n)) || !n.body) continue;
    let cls: string | undefined;
    const fn = n;
    const visit = (x: ts.Node): void => {
      if (cls || (x !== fn && (ts.isFunctionDeclaration(x) || ts.isFunctionExpression(x) || ts.isArrowFunction(x)))) return;
      if (ts.isVariableDeclaration(x) && ts.isIdentifier(x.name) && x.name.text === id.text && x.initializer) {
        const made = skipOuter(x.initializer);
        if (ts.isNewExpression(made) && ts.isIdentifier(made.expression)) cls = made.expression.text;
      }
      ts.forEachChild(x, visit);
    };
    visit(n.body);
    if (cls) return cls;
  }
  return undefined;
}

/** The name a storage key is spelled with in source: `v:fn:buf`, `g:buf`, `.buf`, `.buf[]`, `buf.value` → `buf`. */
function baseName(k: string): string {
  const name = k.startsWith("v:") ? k.slice(k.indexOf(":", 2) + 1) : k.replace(/^(\.|g:)/, "");
  return name.replace(/(\[\]|\.value)+$/, "");
}

/** An entry of a scatterlist (`sgl[i]`) is part of the list's mapping: the list's key for an element's. */
function sgList(k: string): string {
  return k.endsWith("[]") ? k.slice(0, -2) : k;
}

function isFix(x: Fix | undefined): x is Fix { return !!x; }
function isEdit<T>(x: T | undefined): x is T { return !!x; }

/** A return whose expression has no effects to repeat: nothing, a name or a literal. */
function plainReturn(r: ts.ReturnStatement): boolean {
  const e = r.expression && skipOuter(r.expression);
  return !e || ts.isIdentifier(e) || ts.isNumericLiteral(e) || (ts.isPrefixUnaryExpression(e) && ts.isIdentifier(skipOuter(e.operand)));
}

/** An assignment: a negative errno makes the variable known nonzero, anything else unknown. */
function setNonzero(st: State, k: string, rhs: ts.Expression): void {
  const r = skipOuter(rhs);
  if (ts.isPrefixUnaryExpression(r) && r.operator === ts.SyntaxKind.MinusToken) st.nonzero.add(k);
  else st.nonzero.delete(k);
}

/** What a test of a plain variable says about it on each side: `!err`, `err`, `err < 0`, `err !== 0`. */
function knownNonzero(cond: ts.Expression, f: Frame, thenSt: State, elseSt: State): void {
  const c = skipOuter(cond);
  let v: ts.Expression | undefined, nonzeroWhenTrue = true;
  if (ts.isPrefixUnaryExpression(c) && c.operator === ts.SyntaxKind.ExclamationToken) { v = skipOuter(c.operand); nonzeroWhenTrue = false; }
  else if (ts.isIdentifier(c)) v = c;
  else if (ts.isBinaryExpression(c) && /^0$/.test(skipOuter(c.right).getText())) {
    const op = c.operatorToken.kind;
    if (op === ts.SyntaxKind.LessThanToken || op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken) v = skipOuter(c.left);
    else if (op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken) { v = skipOuter(c.left); nonzeroWhenTrue = false; }
  }
  if (!v || !ts.isIdentifier(v) || !f.locals.has(v.text)) return;
  const k = keyOf(v, f);
  if (!k) return;
  const [yes, no] = nonzeroWhenTrue ? [thenSt, elseSt] : [elseSt, thenSt];
  yes.nonzero.add(k);
  no.nonzero.delete(k);
}

function isAlwaysTrue(e: ts.Expression): boolean {
  e = skipOuter(e);
  return e.kind === ts.SyntaxKind.TrueKeyword;
}

/**
 * A return that reports failure: a negative errno, a variable this path knows is nonzero (the cleanup
 * after `if (!err) return 0;`, wherever it sits), or anything but 0 before the function's last statement.
 */
function isErrorReturn(s: ts.ReturnStatement, f: Frame, st: State): boolean {
  const e = s.expression ? skipOuter(s.expression) : undefined;
  if (!e) return false;
  if (ts.isNumericLiteral(e)) return Number(e.text) !== 0;
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) return true;
  if (ts.isIdentifier(e)) { const k = keyOf(e, f); if (k && st.nonzero.has(k)) return true; }
  const body = f.fn.node.body;
  if (body && ts.isBlock(body) && body.statements[body.statements.length - 1] === s) return false;
  return true;
}

const ctors = new WeakMap<ts.SourceFile, Map<string, ts.ConstructorDeclaration>>();
/** The constructor of a class declared in the file, by name. */
function classCtor(unit: import("./program").Unit, name: string): ts.ConstructorDeclaration | undefined {
  let m = ctors.get(unit.sf);
  if (!m) {
    m = new Map();
    for (const st of unit.sf.statements) {
      if (!ts.isClassDeclaration(st) || !st.name) continue;
      const c = st.members.find(ts.isConstructorDeclaration);
      if (c) m.set(st.name.text, c);
    }
    ctors.set(unit.sf, m);
  }
  return m.get(name);
}
