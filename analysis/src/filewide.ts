/**
 * Rules that need the whole file rather than one path through a function:
 * where a buffer came from (an assignment graph across functions, struct
 * fields and helper parameters), what the mmap and fault handlers check, and
 * whether the DMA mask is ever set.
 */
import ts from "typescript";
import { apiCallee, localCallee, skipOuter, type FnInfo, type Unit } from "./program";
import { FIX_HERE, importEdit, statementOf, type Reporter } from "./report";
import { flagsOf, keyOf, makeFrame, singleDef, valOf, type Frame } from "./values";
import { timerRules } from "./timers";
import { faultPfnRule, fromDeviceMemory } from "./devmem";
import { gupLeakRule } from "./gup";

interface Src { readonly expr: ts.Expression; readonly frame: Frame }

const K = {
  FunctionDeclaration: ts.SyntaxKind.FunctionDeclaration, VariableDeclaration: ts.SyntaxKind.VariableDeclaration, BinaryExpression: ts.SyntaxKind.BinaryExpression,
  EqualsToken: ts.SyntaxKind.EqualsToken, PropertyAssignment: ts.SyntaxKind.PropertyAssignment, ShorthandPropertyAssignment: ts.SyntaxKind.ShorthandPropertyAssignment,
  CallExpression: ts.SyntaxKind.CallExpression,
};
const forEachChild = ts.forEachChild;

const RAM_ALLOCATORS = new Set(["kmalloc", "kzalloc", "kcalloc", "kmalloc_array", "__get_free_pages", "__get_free_page", "get_zeroed_page", "alloc_pages", "alloc_page", "dma_alloc_coherent"]);

export class FileFacts {
  readonly frames = new Map<string, Frame>();
  /** key → the expressions stored under it anywhere in the file. */
  readonly sources = new Map<string, Src[]>();
  readonly calls: { call: ts.CallExpression; api: string | undefined; frame: Frame }[] = [];

  constructor(readonly unit: Unit) {
    for (const fn of unit.functions.values()) {
      const frame = makeFrame(unit, fn, new Map(fn.params.map((p) => [p, undefined])), undefined, undefined, fn.roles.has("irq"));
      this.frames.set(fn.name, frame);
    }
    const globalFrame = this.globalFrame();
    for (const st of unit.sf.statements) if (!ts.isFunctionDeclaration(st)) this.walk(st, globalFrame);
    for (const fn of unit.functions.values()) if (fn.node.body) this.walk(fn.node.body, this.frames.get(fn.name)!);
  }

  private globalFrame(): Frame {
    const pseudo: FnInfo = { name: "<module>", node: ts.factory.createFunctionDeclaration(undefined, undefined, "<module>", undefined, [], undefined, undefined), params: [], roles: new Set(), callers: new Set() };
    return { unit: this.unit, fn: pseudo, depth: 0, params: new Map(), defs: new Map(), locals: new Set(), irq: false, chain: "" };
  }

  private add(key: string | undefined, expr: ts.Expression, frame: Frame): void {
    if (!key) return;
    const l = this.sources.get(key) ?? [];
    l.push({ expr, frame });
    this.sources.set(key, l);
  }

  private walk(node: ts.Node, frame: Frame): void {
    const callbacks = new Set<ts.Node>();
    // Kinds compared directly: typescript's exported type guards are getters, and this visits every node of the file.
    const visit = (n: ts.Node): void => {
      const k = n.kind;
      if (k === K.FunctionDeclaration && n !== frame.fn.node.body) return;
      if (callbacks.has(n)) return;
      if (k === K.VariableDeclaration) {
        const v = n as ts.VariableDeclaration;
        if (ts.isIdentifier(v.name) && v.initializer) this.add(keyOf(v.name, frame) ?? `g:${v.name.text}`, v.initializer, frame);
      } else if (k === K.BinaryExpression) {
        const b = n as ts.BinaryExpression;
        if (b.operatorToken.kind === K.EqualsToken) this.add(keyOf(b.left, frame), b.right, frame);
      } else if (k === K.PropertyAssignment) {
        const p = n as ts.PropertyAssignment;
        if (ts.isIdentifier(p.name) && ts.isObjectLiteralExpression(p.parent)) this.add(`.${p.name.text}`, p.initializer, frame);
      } else if (k === K.ShorthandPropertyAssignment) this.add(`.${(n as ts.ShorthandPropertyAssignment).name.text}`, (n as ts.ShorthandPropertyAssignment).name, frame);
      else if (k === K.CallExpression) {
        const call = n as ts.CallExpression;
        const api = apiCallee(this.unit, call);
        this.calls.push({ call, api, frame });
        const callee = api ? undefined : localCallee(this.unit, call);
        if (callee) callee.params.forEach((p, i) => {
          const a = call.arguments[i];
          if (!a) return;
          this.add(`v:${callee.name}:${p}`, a, frame);
          const cb = skipOuter(a);
          if (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) { callbacks.add(cb); this.callback(cb, callee, p); }
        });
      }
      forEachChild(n, visit);
    };
    visit(node);
  }

  /**
   * A function handed to a same-file helper (`each_page((a) => SetPageReserved(virt_to_page(a)))`): walked in
   * a frame of its own whose parameters receive what the helper passes where it calls it.
   */
  private callback(cb: ts.ArrowFunction | ts.FunctionExpression, helper: FnInfo, param: string): void {
    const params = cb.parameters.map((q) => (ts.isIdentifier(q.name) ? q.name.text : ""));
    const info: FnInfo = { name: `${helper.name}:${param}@${cb.pos}`, node: cb, params, roles: new Set(), callers: new Set([helper.name]) };
    const frame = makeFrame(this.unit, info, new Map(params.filter(Boolean).map((q) => [q, undefined])), undefined, undefined, false);
    const hf = this.frames.get(helper.name);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.Identifier).text === param && hf) {
        params.forEach((q, j) => { const arg = n.arguments[j]; if (q && arg) this.add(`v:${info.name}:${q}`, arg, hf); });
      }
      ts.forEachChild(n, visit);
    };
    if (helper.node.body) visit(helper.node.body);
    if (cb.body) this.walk(cb.body, frame);
  }

  /** The kernel allocation calls whose result can end up under `key`. */
  origins(key: string | undefined, seen = new Set<string>()): ts.CallExpression[] {
    if (!key || seen.has(key) || seen.size > 200) return [];
    seen.add(key);
    const out: ts.CallExpression[] = [];
    for (const s of this.sources.get(key) ?? []) {
      const e = skipOuter(s.expr);
      if (ts.isCallExpression(e)) {
        const api = apiCallee(this.unit, e);
        if (api && (RAM_ALLOCATORS.has(api) || api.startsWith("vmalloc") || api === "vzalloc" || api.startsWith("ioremap") || api.startsWith("pci_iomap"))) out.push(e);
        continue;
      }
      out.push(...this.origins(keyOf(e, s.frame), seen));
    }
    return out;
  }

  /** The argument a pointer-to-physical conversion (virt_to_phys(x), __pa(x), virt_to_page(x)…) converts, anywhere inside `e`. */
  physBases(e: ts.Node, frame: Frame): { expr: ts.Expression; frame: Frame }[] {
    const out: { expr: ts.Expression; frame: Frame }[] = [];
    const visit = (n: ts.Node, f: Frame, depth: number): void => {
      if (ts.isCallExpression(n)) {
        const api = apiCallee(this.unit, n);
        if (api && (api === "virt_to_phys" || api === "__pa" || api === "virt_to_page" || api === "virt_to_bus" || api === "isa_virt_to_bus") && n.arguments[0]) out.push({ expr: n.arguments[0], frame: f });
      }
      if (ts.isIdentifier(n) && depth < 6 && f.locals.has(n.text) && !f.params.has(n.text)) {
        const d = singleDef(f, n.text);
        if (d) visit(d, f, depth + 1);
      }
      ts.forEachChild(n, (c) => visit(c, f, depth));
    };
    visit(e, frame, 0);
    return out;
  }
}

/** The property names and kernel calls an expression depends on, through local definitions. */
function mentions(e: ts.Node, f: Frame, out = new Set<string>(), depth = 0, expanded = new Set<string>()): Set<string> {
  if (depth > 8) return out;
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n)) out.add(`.${n.name.text}`);
    if (ts.isIdentifier(n) && !f.locals.has(n.text) && f.unit.globals.has(n.text)) out.add(`g:${n.text}`);
    if (ts.isIdentifier(n) && f.locals.has(n.text)) {
      out.add(`v:${n.text}`);
      // Each local's definitions once: chains of locals would otherwise be walked again and again.
      if (!f.params.has(n.text) && !expanded.has(n.text)) {
        expanded.add(n.text);
        for (const d of f.defs.get(n.text) ?? []) mentions(d, f, out, depth + 1, expanded);
      }
    }
    if (ts.isCallExpression(n)) {
      const api = apiCallee(f.unit, n);
      if (api) out.add(`api:${api}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(e);
  return out;
}

const USER_OFFSET = (m: Set<string>) => m.has(".vm_pgoff");
const USER_SIZE = (m: Set<string>) => m.has(".vm_end") || m.has(".vm_start");

export function fileRules(unit: Unit, facts: FileFacts, rep: Reporter): void {
  const remaps = facts.calls.filter((c) => c.api === "remap_pfn_range" || c.api === "io_remap_pfn_range");
  const tainted = userTaint(unit, facts);

  for (const { call, api, frame } of remaps) {
    const pfn = call.arguments[2], size = call.arguments[3], addr = call.arguments[1];
    if (!pfn) continue;
    const pm = mentions(pfn, frame);
    const bases = facts.physBases(pfn, frame);
    const ram = bases.flatMap((b) => facts.origins(keyOf(b.expr, b.frame)).map((o) => ({ base: b, alloc: o })))
      .filter((x) => RAM_ALLOCATORS.has(apiCallee(unit, x.alloc) ?? ""));

    // MM001: RAM remapped without PG_reserved.
    if (api === "remap_pfn_range" && ram.length) {
      const reservedAllocs = new Set<ts.Node>();
      for (const c of facts.calls) {
        if (c.api !== "SetPageReserved" || !c.call.arguments[0]) continue;
        for (const o of facts.origins(keyOf(c.call.arguments[0], c.frame))) reservedAllocs.add(o);
      }
      const unreserved = ram.filter((x) => !reservedAllocs.has(x.alloc) && apiCallee(unit, x.alloc) !== "dma_alloc_coherent");
      if (unreserved.length) {
        const x = unreserved[0]!;
        rep.report("MM001", call, `remap_pfn_range() of ordinary RAM from ${apiCallee(unit, x.alloc)}() whose pages are never SetPageReserved(): remap_pfn_range() may map only reserved pages or memory above RAM`, "error",
          [{ node: x.alloc, message: "allocated here" }, ...reservePlace(x.alloc).map((node) => ({ node, message: `${FIX_HERE}SetPageReserved() its pages here, before they can be mapped` }))], [reserveFix(unit, facts, rep, x.alloc)].filter((f): f is NonNullable<typeof f> => !!f));
      }
    }

    // MM002: the window the caller asked for, never bounded by the object it maps.
    const objectBased = bases.length > 0 || [...pm].some((m) => m.startsWith("api:") && m !== "api:PFN_DOWN" && m !== "api:PHYS_PFN");
    const fnNode = frame.fn.node;
    if (objectBased && fnNode.body) {
      const usesOffset = USER_OFFSET(pm);
      const sizeM = size ? mentions(size, frame) : new Set<string>();
      const userSize = USER_SIZE(sizeM);
      const comparisons = comparisonsIn(fnNode.body);
      let offChecked = false, sizeChecked = false, offAlone = false;
      let overflowing: ts.BinaryExpression | undefined;
      for (const cmp of comparisons) {
        const m = mentions(cmp, frame);
        if (USER_OFFSET(m)) offChecked = true;
        if (USER_SIZE(m)) sizeChecked = true;
        for (const side of [cmp.left, cmp.right]) {
          const sm = mentions(side, frame);
          const s = skipOuter(side);
          const isSum = ts.isBinaryExpression(s) && s.operatorToken.kind === ts.SyntaxKind.PlusToken;
          if (isSum && USER_OFFSET(sm) && USER_SIZE(sm)) overflowing ??= cmp;
          else if (USER_OFFSET(sm) && !USER_SIZE(sm)) offAlone = true;
        }
      }
      if ((usesOffset && !offChecked) || (userSize && !sizeChecked)) {
        const missing = [usesOffset && !offChecked ? "vma->vm_pgoff" : "", userSize && !sizeChecked ? "the size vma->vm_end - vma->vm_start" : ""].filter(Boolean).join(" and ");
        rep.report("MM002", call, `mmap handler ${frame.fn.name}() never bounds ${missing} against the object it maps: user space can map whatever lies past it`, "error",
          [], [mmapCheckFix(unit, rep, frame, ram[0]?.alloc)].filter((f): f is NonNullable<typeof f> => !!f));
      } else if (overflowing && usesOffset && !offAlone) {
        rep.report("MM002", overflowing, "mmap bounds check can overflow: offset + size wraps around for a large vm_pgoff; bound the offset on its own first (offset >= SIZE || size > SIZE - offset)", "warning", [{ node: call, message: "the remap it guards" }]);
      }
    }

    // MM003: a pfn the user chose.
    const taint = [...mentions(pfn, frame)].find((m) => tainted.has(m) || tainted.has(`${frame.fn.name}:${m}`));
    if (taint) {
      const checked = fnNode.body ? comparisonsIn(fnNode.body).some((c) => mentions(c, frame).has(taint)) : false;
      if (!checked) rep.report("MM003", pfn, `user-controlled value ${taint.replace(/^(v:|g:|\.)/, "")} reaches the pfn argument of ${api}() unchecked`, "error", [{ node: call, message: "remapped here" }]);
    }

    // MM005: constants that are not page-aligned.
    for (const [what, e] of [["address", addr], ["size", size]] as const) {
      if (!e) continue;
      const v = valOf(e, frame);
      if (v.k === "const" && v.n % 4096 !== 0) rep.report("MM005", e, `${api}() with an unaligned ${what} ${v.n}: it must be a multiple of PAGE_SIZE`, "error", [{ node: call, message: "remapped here" }]);
    }
    // An address the VMA's start moved by a constant that is not a page multiple.
    const off = addr ? unalignedOffsetFromStart(addr, frame) : undefined;
    if (off !== undefined) rep.report("MM005", addr!, `${api}() at vma->vm_start ${off < 0 ? "-" : "+"} ${Math.abs(off)}: the user address must be page-aligned (remap_pfn_range() warns and fails with -EINVAL)`, "error", [{ node: call, message: "remapped here" }]);

    // MM007: device memory without an uncached protection or VM_IO.
    if (fromDeviceMemory(facts, pfn, frame)) {
      const fm = fnNode.body ? mentions(fnNode.body, frame) : new Set<string>();
      const text = fnNode.body?.getText() ?? "";
      if (!fm.has("api:pgprot_noncached") && !fm.has("api:pgprot_writecombine") && !/\bVM_IO\b/.test(text)) {
        rep.report("MM007", call, `device memory mapped to user space without pgprot_noncached() or VM_IO: the CPU may cache device registers`, "warning");
      }
    }
  }

  faultRules(unit, facts, rep);
  vmOpenRule(unit, facts, rep);
  maskRules(unit, facts, rep);
  timerRules(unit, facts, rep);
  faultPfnRule(unit, facts, rep);
  gupLeakRule(unit, rep);
}

/** For vma->vm_start ± c (c a constant, through local definitions), c when it is not a page multiple. */
function unalignedOffsetFromStart(e: ts.Expression, frame: Frame, depth = 0): number | undefined {
  e = skipOuter(e);
  if (ts.isIdentifier(e) && depth < 4 && frame.locals.has(e.text) && !frame.params.has(e.text)) {
    const d = singleDef(frame, e.text);
    return d ? unalignedOffsetFromStart(d, frame, depth + 1) : undefined;
  }
  if (!ts.isBinaryExpression(e)) return undefined;
  const plus = e.operatorToken.kind === ts.SyntaxKind.PlusToken, minus = e.operatorToken.kind === ts.SyntaxKind.MinusToken;
  if (!plus && !minus) return undefined;
  const isStart = (x: ts.Expression) => { const s = skipOuter(x); return ts.isPropertyAccessExpression(s) && s.name.text === "vm_start"; };
  const other = isStart(e.left) ? e.right : plus && isStart(e.right) ? e.left : undefined;
  if (!other) return undefined;
  const v = valOf(other, frame);
  if (v.k !== "const" || v.n % 4096 === 0) return undefined;
  return minus ? -v.n : v.n;
}

function comparisonsIn(body: ts.Node): ts.BinaryExpression[] {
  const out: ts.BinaryExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n)) {
      const k = n.operatorToken.kind;
      if (k === ts.SyntaxKind.LessThanToken || k === ts.SyntaxKind.GreaterThanToken || k === ts.SyntaxKind.LessThanEqualsToken || k === ts.SyntaxKind.GreaterThanEqualsToken) out.push(n);
    }
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "min") {
      // Math.min(size, LIMIT) clamps as a comparison would.
      const fake = n as unknown as ts.BinaryExpression;
      void fake;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** Keys the user controls: an ioctl's argument and what is computed from it, and what copy_from_user()/get_user() fill. */
function userTaint(unit: Unit, facts: FileFacts): Set<string> {
  const t = new Set<string>();
  for (const fn of unit.functions.values()) {
    if (fn.roles.has("ioctl") && fn.params[2]) t.add(`${fn.name}:v:${fn.params[2]}`);
  }
  for (const c of facts.calls) {
    if ((c.api === "copy_from_user" || c.api === "get_user") && c.call.arguments[0]) {
      const e = skipOuter(c.call.arguments[0]);
      const k = keyOf(e, c.frame);
      if (k?.startsWith(".")) t.add(k.replace(/\.value$/, "").replace(/\[\]$/, ""));
      if (ts.isIdentifier(e)) t.add(`${c.frame.fn.name}:v:${e.text}`);
      if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) t.add(`${c.frame.fn.name}:v:${e.expression.text}`);
    }
  }
  // Fields assigned from tainted values carry the taint to other functions.
  for (const [key, srcs] of facts.sources) {
    if (!key.startsWith(".") && !key.startsWith("g:")) continue;
    for (const s of srcs) {
      // Only a name tainted in the source's own function can match: without one, its mentions need not be walked.
      const prefix = `${s.frame.fn.name}:`;
      if (![...t].some((x) => x.startsWith(prefix))) continue;
      const m = mentions(s.expr, s.frame);
      if ([...m].some((x) => t.has(`${s.frame.fn.name}:${x}`))) t.add(key);
    }
  }
  return t;
}

function faultRules(unit: Unit, facts: FileFacts, rep: Reporter): void {
  for (const fn of unit.functions.values()) {
    if (!fn.roles.has("fault") || !fn.node.body) continue;
    const frame = facts.frames.get(fn.name)!;
    const gets = new Set<string>();
    const pageText = new Set<string>();
    const assigns: ts.BinaryExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const api = apiCallee(unit, n);
        if ((api === "get_page" || api === "folio_get") && n.arguments[0]) { const k = keyOf(n.arguments[0], frame); if (k) gets.add(k); pageText.add(n.arguments[0].getText()); }
      }
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(skipOuter(n.left)) && (skipOuter(n.left) as ts.PropertyAccessExpression).name.text === "page") assigns.push(n);
      ts.forEachChild(n, visit);
    };
    visit(fn.node.body);
    for (const a of assigns) {
      const rhs = skipOuter(a.right);
      const k = keyOf(rhs, frame);
      if ((k && gets.has(k)) || gets.has(".page")) continue;
      // A freshly allocated page already carries the reference the page table takes.
      const srcApi = ts.isCallExpression(rhs) ? apiCallee(unit, rhs) : undefined;
      const defApi = ts.isIdentifier(rhs) ? (() => { const d = singleDef(frame, rhs.text); const e = d && skipOuter(d); return e && ts.isCallExpression(e) ? apiCallee(unit, e) : undefined; })() : undefined;
      const from = srcApi ?? defApi;
      if (from === "alloc_page" || from === "alloc_pages" || from === "get_zeroed_page") continue;
      if (!from && !ts.isIdentifier(rhs)) continue;
      rep.report("MM004", a, `fault handler ${fn.name}() returns a page in ${a.left.getText()} without get_page(): the page table's reference is never taken, and the page is freed under the mapping`, "error", [],
        [{ title: "Take a reference with get_page()", file: rep.fileName, preferred: true, edits: [rep.insertAfter(statementOf(a), [`get_page(${a.left.getText()});`]), importEdit(unit.sf, "linux/mm", "get_page")].filter((e): e is NonNullable<typeof e> => !!e) }]);
    }
  }
}

/** MM009: an mmap handler that installs vm_ops whose open() does bookkeeping, and never calls it for the first mapping. */
function vmOpenRule(unit: Unit, facts: FileFacts, rep: Reporter): void {
  for (const fn of unit.functions.values()) {
    if (!fn.roles.has("mmap") || !fn.node.body) continue;
    const body = fn.node.body;
    const calls = new Set<string>();
    const sets: ts.BinaryExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(skipOuter(n.expression))) calls.add((skipOuter(n.expression) as ts.Identifier).text);
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && /\.vm_ops$/.test(n.left.getText())) sets.push(n);
      ts.forEachChild(n, visit);
    };
    visit(body);
    for (const s of sets) {
      const table = skipOuter(s.right);
      const init = ts.isIdentifier(table) ? unit.globals.get(table.text) : undefined;
      const lit = init && skipOuter(init);
      if (!lit || !ts.isObjectLiteralExpression(lit)) continue;
      const openProp = lit.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "open");
      const openName = openProp && ts.isPropertyAssignment(openProp) && ts.isIdentifier(skipOuter(openProp.initializer)) ? (skipOuter(openProp.initializer) as ts.Identifier).text
        : openProp && ts.isShorthandPropertyAssignment(openProp) ? openProp.name.text : undefined;
      const open = openName ? unit.functions.get(openName) : undefined;
      if (!open || calls.has(open.name) || !hasBookkeeping(open)) continue;
      rep.report("MM009", s, `${fn.name}() relies on vm_ops->open (${open.name}()), which mmap does not call for the first mapping: call it here`, "warning", [{ node: open.node, message: "the open handler" }],
        [{ title: `Call ${open.name}() for the first mapping`, file: rep.fileName, preferred: true, edits: [rep.insertAfter(statementOf(s), [`${open.name}(${fn.params[1] ?? "vma"});`])] }]);
    }
  }
  void facts;
}

function hasBookkeeping(fn: FnInfo): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) found = true;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && !ts.isIdentifier(skipOuter(n.left))) found = true;
    ts.forEachChild(n, visit);
  };
  if (fn.node.body) visit(fn.node.body);
  return found;
}

const MASK_SETTERS = new Set(["dma_set_mask", "dma_set_mask_and_coherent", "dma_set_coherent_mask", "pci_set_dma_mask", "pci_set_consistent_dma_mask"]);
const DMA_USERS = new Set(["dma_map_single", "dma_map_page", "dma_map_sg", "dma_map_sgtable", "dma_alloc_coherent", "dma_pool_create"]);

function maskRules(unit: Unit, facts: FileFacts, rep: Reporter): void {
  const setters = facts.calls.filter((c) => c.api && MASK_SETTERS.has(c.api));
  for (const s of setters) {
    if (ts.isExpressionStatement(s.call.parent)) {
      rep.report("DMA018", s.call, `${s.api}() result ignored: when the platform cannot address the device's mask it fails, and DMA then goes wrong; test it and fail the probe`, "warning", [],
        [{ title: "Fail the probe when the mask is refused", file: rep.fileName, edits: [{ range: rep.range(s.call), newText: `if (${s.call.getText()}) return -EIO` }] }]);
    }
  }
  const users = facts.calls.filter((c) => c.api && DMA_USERS.has(c.api));
  if (users.length && !setters.length) {
    const master = facts.calls.find((c) => c.api === "pci_set_master");
    const at = master?.call ?? users[0]!.call;
    rep.report("DMA018", at, `DMA without a DMA mask set: the driver never calls dma_set_mask_and_coherent(), so the DMA API assumes the default 32-bit mask and may hand the device addresses it cannot drive`, "information",
      [{ node: users[0]!.call, message: "first DMA here" }],
      [{ title: "Set the device's DMA mask", file: rep.fileName, edits: [
        rep.insertAfter(statementOf(at), [`if (dma_set_mask_and_coherent(${master ? `${master.call.arguments[0]?.getText() ?? "pdev"}.dev` : "dev"}, DMA_BIT_MASK(32))) return -EIO;`]),
        importEdit(unit.sf, "linux/dma-mapping", "dma_set_mask_and_coherent"), importEdit(unit.sf, "linux/dma-mapping", "DMA_BIT_MASK"), importEdit(unit.sf, "linux/errno", "EIO"),
      ].filter((e): e is NonNullable<typeof e> => !!e) }]);
  }
  // ISA DMA (the 8237): the buffer must lie in ZONE_DMA.
  for (const c of facts.calls) {
    if (c.api !== "set_dma_addr" || !c.call.arguments[1]) continue;
    for (const b of facts.physBases(c.call.arguments[1], c.frame)) {
      for (const o of facts.origins(keyOf(b.expr, b.frame))) {
        const api = apiCallee(unit, o)!;
        const gfpIndex = api === "kmalloc" || api === "kzalloc" ? 1 : api === "__get_free_pages" || api === "__get_free_page" || api === "get_zeroed_page" || api === "alloc_pages" ? 0 : undefined;
        if (gfpIndex === undefined || !o.arguments[gfpIndex]) continue;
        const frame = [...facts.frames.values()].find((f) => f.fn.node.body && o.pos >= f.fn.node.body.pos && o.end <= f.fn.node.body.end);
        const flags = frame ? flagsOf(o.arguments[gfpIndex]!, frame) : undefined;
        if (flags && !flags.has("GFP_DMA") && !flags.has("__GFP_DMA")) {
          rep.report("DMA018", o, `buffer for the ISA DMA controller allocated without GFP_DMA: the 8237 reaches only the first 16 MiB, and ${api}(${[...flags].join(" | ")}) may return memory above it`, "error",
            [{ node: c.call, message: "its physical address is programmed here" }],
            [{ title: "Allocate from ZONE_DMA", file: rep.fileName, preferred: true, edits: [{ range: rep.range(o.arguments[gfpIndex]!), newText: `${o.arguments[gfpIndex]!.getText()} | GFP_DMA` }, importEdit(unit.sf, "linux/gfp", "GFP_DMA")].filter((e): e is NonNullable<typeof e> => !!e) }]);
        }
      }
    }
  }
}

const FREES = new Set(["kfree", "free_pages", "free_page", "__free_pages", "vfree", "kvfree"]);

function reserveFix(unit: Unit, facts: FileFacts, rep: Reporter, alloc: ts.CallExpression) {
  const stmt = statementOf(alloc);
  let target: string | undefined;
  if (ts.isVariableStatement(stmt)) target = stmt.declarationList.declarations[0]?.name.getText();
  else if (ts.isExpressionStatement(stmt) && ts.isBinaryExpression(stmt.expression)) target = stmt.expression.left.getText();
  const size = alloc.arguments[0]?.getText();
  if (!target || !size) return undefined;
  // After the NULL check that usually follows the allocation.
  const next = nextStatement(stmt);
  const after = next && ts.isIfStatement(next) && next.expression.getText().includes(target) ? next : stmt;
  return {
    title: "Mark the buffer's pages reserved before they can be remapped",
    file: rep.fileName,
    preferred: true,
    edits: [
      rep.insertAfter(after, [`for (let off = 0; off < ${size}; off += PAGE_SIZE) SetPageReserved(virt_to_page(${target} + off));`]),
      // And the pages go back unreserved, or the allocator reports them as bad pages (PG002).
      ...facts.calls.filter((c) => c.api && FREES.has(c.api) && c.call.arguments[0] && facts.origins(keyOf(c.call.arguments[0], c.frame)).includes(alloc))
        .map((c) => rep.insertBefore(statementOf(c.call), [`for (let off = 0; off < ${size}; off += PAGE_SIZE) ClearPageReserved(virt_to_page(${c.call.arguments[0]!.getText()} + off));`])),
      importEdit(unit.sf, "linux/mm", "SetPageReserved"), importEdit(unit.sf, "linux/mm", "ClearPageReserved"), importEdit(unit.sf, "linux/mm", "virt_to_page"), importEdit(unit.sf, "asm/page", "PAGE_SIZE"),
    ].filter((e): e is NonNullable<typeof e> => !!e),
  };
}

/** The statement after an allocation and its NULL check: where reserving the pages belongs. */
function reservePlace(alloc: ts.CallExpression): ts.Node[] {
  const stmt = statementOf(alloc);
  let next = nextStatement(stmt);
  if (next && ts.isIfStatement(next)) next = nextStatement(next);
  return next ? [next] : [];
}

function nextStatement(stmt: ts.Node): ts.Statement | undefined {
  const p = stmt.parent;
  if (!p || !ts.isBlock(p) && !ts.isSourceFile(p)) return undefined;
  const list = (p as ts.Block).statements;
  const i = list.indexOf(stmt as ts.Statement);
  return i >= 0 ? list[i + 1] : undefined;
}

function mmapCheckFix(unit: Unit, rep: Reporter, frame: Frame, alloc: ts.CallExpression | undefined) {
  const body = frame.fn.node.body;
  if (!body || !ts.isBlock(body) || !body.statements.length) return undefined;
  const vma = frame.fn.params[1] ?? "vma";
  const limit = alloc?.arguments[0]?.getText() ?? "SIZE";
  return {
    title: "Check the requested window against the object",
    file: rep.fileName,
    preferred: true,
    edits: [
      rep.insertBefore(body.statements[0]!, [
        `if (${vma}.vm_pgoff >= (${limit}) >> PAGE_SHIFT || ${vma}.vm_end - ${vma}.vm_start > (${limit}) - ${vma}.vm_pgoff * PAGE_SIZE) return -EINVAL;`,
      ]),
      importEdit(unit.sf, "linux/errno", "EINVAL"), importEdit(unit.sf, "asm/page", "PAGE_SHIFT"), importEdit(unit.sf, "asm/page", "PAGE_SIZE"),
    ].filter((e): e is NonNullable<typeof e> => !!e),
  };
}
