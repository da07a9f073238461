/**
 * One parsed driver file: its kernel imports (so a call is recognised by the
 * Linux name it was imported as, whatever it is called locally), its
 * functions, and the role the kernel gives each (probe, interrupt handler,
 * mmap, fault…), read from the registrations and operation tables in the file.
 */
import ts from "typescript";

export type Role =
  | "init" | "exit" | "probe" | "remove" | "irq" | "softirq" | "mmap" | "fault" | "vmopen" | "vmclose" | "ioctl" | "fop" | "work";

/** Roles that set the driver up: the state they leave is what every other entry point starts from. */
export const SETUP_ROLES: ReadonlySet<Role> = new Set(["init", "probe"]);

export type FnNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

export interface FnInfo {
  readonly name: string;
  readonly node: FnNode;
  readonly params: readonly string[];
  readonly roles: Set<Role>;
  /** Names of same-file functions that call this one. */
  readonly callers: Set<string>;
  /** The file it is declared in, when it is a sibling's helper. */
  unit?: Unit;
}

export interface Unit {
  readonly fileName: string;
  readonly sf: ts.SourceFile;
  /** Local identifier → the kernel API name it was imported as. */
  readonly api: ReadonlyMap<string, string>;
  /** Namespace imports of kernel headers (`import * as dma from "linux/dma-mapping"`). */
  readonly namespaces: ReadonlySet<string>;
  /** Module-level `const`/`let` names → their initialiser (if any). */
  readonly globals: ReadonlyMap<string, ts.Expression | undefined>;
  /** The module-level names declared `const`. */
  readonly constGlobals: ReadonlySet<string>;
  readonly functions: ReadonlyMap<string, FnInfo>;
  /** Relative imports of the file: local name → the module specifier. */
  readonly relativeImports: ReadonlyMap<string, { module: string; name: string }>;
}

const KERNEL_MODULE = /^(linux|asm|faultline)\//;

/**
 * The last tree parsed for each file, so an edit re-parses incrementally as
 * TypeScript's own language service does (ts.updateSourceFile reuses every
 * node outside the changed span): typing in a 3,000-line driver must not
 * pay for a full parse per keystroke.
 */
const trees = new Map<string, ts.SourceFile>();
const MAX_TREES = 32;

function parseTree(fileName: string, text: string, reuse: boolean): ts.SourceFile {
  if (!reuse) return ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const old = trees.get(fileName);
  let sf: ts.SourceFile;
  if (old && old.text === text) sf = old;
  else if (old) {
    const a = old.text, b = text;
    let p = 0;
    const max = Math.min(a.length, b.length);
    while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
    let q = 0;
    while (q < max - p && a.charCodeAt(a.length - 1 - q) === b.charCodeAt(b.length - 1 - q)) q++;
    const change = ts.createTextChangeRange(ts.createTextSpan(p, a.length - p - q), b.length - p - q);
    sf = ts.updateSourceFile(old, text, change);
  } else sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  trees.delete(fileName);
  trees.set(fileName, sf);
  if (trees.size > MAX_TREES) trees.delete(trees.keys().next().value!);
  return sf;
}

/** reuse false: a fresh parse, the tree cache left as it was. */
export function parseUnit(fileName: string, text: string, reuse = true): Unit {
  const sf = parseTree(fileName, text, reuse);
  const api = new Map<string, string>();
  const namespaces = new Set<string>();
  const globals = new Map<string, ts.Expression | undefined>();
  const constGlobals = new Set<string>();
  const functions = new Map<string, FnInfo>();
  const relativeImports = new Map<string, { module: string; name: string }>();

  const addFn = (name: string, node: FnNode) => {
    if (!functions.has(name)) functions.set(name, { name, node, params: node.parameters.map(paramName), roles: new Set(), callers: new Set() });
  };

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const mod = st.moduleSpecifier.text;
      const clause = st.importClause;
      if (!clause) continue;
      const kernel = KERNEL_MODULE.test(mod);
      const relative = mod.startsWith(".");
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) {
        if (kernel) namespaces.add(nb.name.text);
      } else if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) {
          const imported = (el.propertyName ?? el.name).text;
          if (kernel) api.set(el.name.text, imported);
          else if (relative) relativeImports.set(el.name.text, { module: mod, name: imported });
        }
      }
    } else if (ts.isFunctionDeclaration(st) && st.name && st.body) {
      addFn(st.name.text, st);
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        const init = d.initializer && skipOuter(d.initializer);
        if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) addFn(d.name.text, init);
        else {
          globals.set(d.name.text, d.initializer);
          if (st.declarationList.flags & ts.NodeFlags.Const) constGlobals.add(d.name.text);
        }
      }
    } else if (ts.isClassDeclaration(st) && st.name) {
      // Methods are analysed on their own, as handlers are: what they map, take and free inside one call.
      for (const m of st.members) if (ts.isMethodDeclaration(m) && m.body && ts.isIdentifier(m.name)) addFn(`${st.name.text}.${m.name.text}`, m);
    } else if (ts.isExportAssignment(st)) {
      const e = skipOuter(st.expression);
      if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) addFn("default", e);
    }
  }

  const unit: Unit = { fileName, sf, api, namespaces, globals, constGlobals, functions, relativeImports };
  assignRoles(unit);
  return unit;
}

function paramName(p: ts.ParameterDeclaration): string {
  return ts.isIdentifier(p.name) ? p.name.text : "";
}

// typescript's exports are getters: read the kinds once, not on every call.
const K_PAREN = ts.SyntaxKind.ParenthesizedExpression, K_NON_NULL = ts.SyntaxKind.NonNullExpression, K_AS = ts.SyntaxKind.AsExpression;
const K_TYPE_ASSERTION = ts.SyntaxKind.TypeAssertionExpression, K_SATISFIES = ts.SyntaxKind.SatisfiesExpression;
const K_CALL = ts.SyntaxKind.CallExpression, K_OBJECT_LITERAL = ts.SyntaxKind.ObjectLiteralExpression;
const forEachChild = ts.forEachChild;

/** Strips parentheses, `!`, `as` and type assertions. */
export function skipOuter(e: ts.Expression): ts.Expression {
  // One switch on the kind rather than five type guards: this runs on nearly every node the analyses visit.
  for (;;) {
    switch (e.kind) {
      case K_PAREN: case K_NON_NULL: case K_AS: case K_TYPE_ASSERTION: case K_SATISFIES:
        e = (e as ts.ParenthesizedExpression | ts.NonNullExpression | ts.AsExpression | ts.TypeAssertion | ts.SatisfiesExpression).expression;
        break;
      default:
        return e;
    }
  }
}

/** The kernel API name a call's callee refers to, or undefined for anything else. */
export function apiCallee(unit: Unit, call: ts.CallExpression | ts.NewExpression): string | undefined {
  return apiName(unit, call.expression);
}

/** The kernel API name an expression (an identifier or `ns.name`) stands for. */
export function apiName(unit: Unit, e: ts.Expression): string | undefined {
  e = skipOuter(e);
  if (ts.isIdentifier(e)) return unit.api.get(e.text);
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && unit.namespaces.has(e.expression.text)) return e.name.text;
  return undefined;
}

/** The same-file function a call's callee names, if any. */
export function localCallee(unit: Unit, call: ts.CallExpression): FnInfo | undefined {
  const e = skipOuter(call.expression);
  return ts.isIdentifier(e) && !unit.api.has(e.text) ? unit.functions.get(e.text) : undefined;
}

/** The function an operation-table or registration argument names. */
function fnRef(unit: Unit, e: ts.Expression | undefined): FnInfo | undefined {
  if (!e) return undefined;
  e = skipOuter(e);
  return ts.isIdentifier(e) ? unit.functions.get(e.text) : undefined;
}

const TABLE_ROLES: Readonly<Record<string, Role>> = {
  probe: "probe", remove: "remove", mmap: "mmap", fault: "fault", open: "vmopen", close: "vmclose",
  unlocked_ioctl: "ioctl", compat_ioctl: "ioctl", ioctl: "ioctl",
  read: "fop", write: "fop", read_iter: "fop", write_iter: "fop", llseek: "fop", release: "fop", poll: "fop", flush: "fop",
};

function assignRoles(unit: Unit): void {
  const byNode = new Map<ts.Node, FnInfo>([...unit.functions.values()].map((f) => [f.node, f]));
  // The function the walk is inside, saved and restored around each node's children (no closure per node).
  let inFn: FnInfo | undefined;
  const visit = (node: ts.Node): void => {
    const kind = node.kind;
    if (kind === K_CALL && ts.isCallExpression(node)) {
      const name = apiCallee(unit, node);
      const a = node.arguments;
      if (name === "module_init") fnRef(unit, a[0])?.roles.add("init");
      else if (name === "module_exit") fnRef(unit, a[0])?.roles.add("exit");
      else if (name === "request_irq" || name === "request_threaded_irq" || name === "devm_request_irq") fnRef(unit, a[name === "devm_request_irq" ? 2 : 1])?.roles.add("irq");
      else if (name === "timer_setup" || name === "tasklet_setup" || name === "tasklet_init") fnRef(unit, a[1])?.roles.add("softirq");
      else if (name === "INIT_WORK" || name === "INIT_DELAYED_WORK") fnRef(unit, a[1])?.roles.add("work");
      const callee = localCallee(unit, node);
      if (callee && inFn && callee !== inFn) callee.callers.add(inFn.name);
    } else if (kind === K_OBJECT_LITERAL && ts.isObjectLiteralExpression(node)) {
      // An operation table: which member a function fills says how the kernel calls it.
      const members = new Set(node.properties.map((p) => (p.name && ts.isIdentifier(p.name) ? p.name.text : "")));
      const vmOps = members.has("fault") || (!members.has("read") && !members.has("write") && !members.has("mmap") && !members.has("probe") && (members.has("open") || members.has("close")) && !members.has("owner"));
      for (const p of node.properties) {
        if (!p.name || !ts.isIdentifier(p.name)) continue;
        const key = p.name.text;
        const init = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
        const fn = fnRef(unit, init);
        if (!fn) continue;
        let role = TABLE_ROLES[key];
        if ((key === "open" || key === "close") && !vmOps) role = "fop";
        if (role) fn.roles.add(role);
      }
    }
    const outer = inFn;
    inFn = byNode.get(node) ?? inFn;
    forEachChild(node, visit);
    inFn = outer;
  };
  visit(unit.sf);
}


/** The same-file function (by name) whose body contains a node. */
export function enclosingFunction(unit: Unit, node: ts.Node): FnInfo | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    for (const f of unit.functions.values()) if (f.node === n) return f;
  }
  return undefined;
}

/** The kernel constant values the analyses compare (DMA directions, page geometry). */
export const KERNEL_CONSTANTS: Readonly<Record<string, number>> = {
  DMA_BIDIRECTIONAL: 0, DMA_TO_DEVICE: 1, DMA_FROM_DEVICE: 2, DMA_NONE: 3,
  PAGE_SIZE: 4096, PAGE_SHIFT: 12,
};

export const DMA_DIR_NAMES = ["DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE"] as const;
