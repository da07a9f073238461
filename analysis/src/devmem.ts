/**
 * MM007: device memory mapped to user space with a cacheable protection.
 * Device memory is found by where the frame number comes from: a PCI BAR's
 * bus address (pci_resource_start()/pci_resource_end()) used in the pfn
 * itself, or stored in a global or a struct field (probe keeps it, a fault
 * handler or mmap uses it). Two ways to map it: remap_pfn_range() /
 * io_remap_pfn_range() in mmap (the protection is the argument), and
 * vmf_insert_pfn() in a fault handler (the protection is the VMA's, which
 * the mmap handler sets; vmf_insert_pfn_prot() takes its own).
 */
import ts from "typescript";
import { apiCallee, skipOuter, type FnInfo, type Unit } from "./program";
import { importEdit, statementOf, type Reporter } from "./report";
import type { FileFacts } from "./filewide";
import type { Frame } from "./values";

const BAR_ADDRESS = new Set(["pci_resource_start", "pci_resource_end"]);
const UNCACHED = new Set(["pgprot_noncached", "pgprot_writecombine", "pgprot_device", "pgprot_noncached_wc"]);

/** The kernel calls an expression uses, following local definitions (not fields). */
function callsIn(e: ts.Node, f: Frame, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) { const api = apiCallee(f.unit, n); if (api) out.add(api); }
    if (ts.isIdentifier(n) && f.locals.has(n.text) && !f.params.has(n.text) && !seen.has(n.text)) {
      seen.add(n.text);
      for (const d of f.defs.get(n.text) ?? []) callsIn(d, f, out, seen);
    }
    ts.forEachChild(n, visit);
  };
  visit(e);
  return out;
}

/** The field and global keys an expression reads, following local definitions. */
function storedIn(e: ts.Node, f: Frame, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  const visit = (n: ts.Node): void => {
    // A field names what is stored; the struct it is read from (a global, a local alias) says nothing of it.
    if (ts.isPropertyAccessExpression(n)) { out.add(`.${n.name.text}`); return; }
    if (ts.isIdentifier(n) && !f.locals.has(n.text) && f.unit.globals.has(n.text)) out.add(`g:${n.text}`);
    if (ts.isIdentifier(n) && f.locals.has(n.text) && !f.params.has(n.text) && !seen.has(n.text)) {
      seen.add(n.text);
      for (const d of f.defs.get(n.text) ?? []) storedIn(d, f, out, seen);
    }
    ts.forEachChild(n, visit);
  };
  visit(e);
  return out;
}

/** True when the value comes from a PCI BAR's bus address, directly or through what was stored in a field or global. */
export function fromDeviceMemory(facts: FileFacts, e: ts.Node, f: Frame, depth = 0, seen = new Set<string>()): boolean {
  if ([...callsIn(e, f)].some((c) => BAR_ADDRESS.has(c))) return true;
  if (depth >= 3) return false;
  for (const key of storedIn(e, f)) {
    if (seen.has(key)) continue;
    seen.add(key);
    for (const s of facts.sources.get(key) ?? []) if (fromDeviceMemory(facts, s.expr, s.frame, depth + 1, seen)) return true;
  }
  return false;
}

function mentionsUncached(unit: Unit, node: ts.Node | undefined, f?: Frame): boolean {
  if (!node) return false;
  if (f) return [...callsIn(node, f)].some((c) => UNCACHED.has(c));
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && UNCACHED.has(apiCallee(unit, n) ?? "")) found = true;
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** The mmap handlers that install a vm_operations_struct whose fault is `fault`. */
function mmapsInstalling(unit: Unit, fault: FnInfo): FnInfo[] {
  const out: FnInfo[] = [];
  for (const fn of unit.functions.values()) {
    if (!fn.roles.has("mmap") || !fn.node.body) continue;
    let hit = false;
    const visit = (n: ts.Node): void => {
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && /\.vm_ops$/.test(n.left.getText())) {
        const t = skipOuter(n.right);
        const lit = ts.isIdentifier(t) ? unit.globals.get(t.text) : t;
        const obj = lit && skipOuter(lit);
        if (obj && ts.isObjectLiteralExpression(obj) && obj.properties.some((p) => p.name?.getText() === "fault"
          && ((ts.isPropertyAssignment(p) && skipOuter(p.initializer).getText() === fault.name) || (ts.isShorthandPropertyAssignment(p) && p.name.text === fault.name)))) hit = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(fn.node.body);
    if (hit) out.push(fn);
  }
  return out;
}

/** MM007 on the fault path: vmf_insert_pfn() of device memory under the VMA's protection, which no mmap handler made uncached. */
export function faultPfnRule(unit: Unit, facts: FileFacts, rep: Reporter): void {
  for (const { call, api, frame } of facts.calls) {
    if ((api !== "vmf_insert_pfn" && api !== "vmf_insert_pfn_prot") || !call.arguments[2]) continue;
    if (!fromDeviceMemory(facts, call.arguments[2], frame)) continue;
    if (api === "vmf_insert_pfn_prot") {
      if (!call.arguments[3] || mentionsUncached(unit, call.arguments[3], frame)) continue;
      rep.report("MM007", call, `vmf_insert_pfn_prot() maps device memory with a protection that is not pgprot_noncached() or pgprot_writecombine(): the CPU may cache device memory`, "warning");
      continue;
    }
    const fn = frame.fn;
    const mmaps = mmapsInstalling(unit, fn);
    // Where the VMA's protection is set is out of sight (another file installs these vm_ops): say nothing.
    if (!mmaps.length) continue;
    if (mentionsUncached(unit, fn.node.body) || mmaps.some((m) => mentionsUncached(unit, m.node.body))) continue;
    const m = mmaps[0]!;
    // Reported where the protection must be set: where the mmap handler installs the vm_ops whose fault inserts the pfns.
    const at = vmOpsStatement(m) ?? call;
    rep.report("MM007", at, `${fn.name}() inserts device memory with vmf_insert_pfn() under vma->vm_page_prot, which ${m.name}() leaves cacheable: the CPU may cache device memory; set vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot) (pgprot_writecombine() for a frame buffer) here`, "warning",
      [{ node: call, message: "device pfns inserted here, with the VMA's protection" }], protFix(unit, rep, m));
  }
}

/** The statement of an mmap handler that installs its vm_ops. */
function vmOpsStatement(m: FnInfo): ts.Node | undefined {
  let at: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (!at && ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && /\.vm_ops$/.test(n.left.getText())) at = statementOf(n);
    ts.forEachChild(n, visit);
  };
  if (m.node.body) visit(m.node.body);
  return at;
}

/** vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot) before the mmap handler installs its vm_ops. */
function protFix(unit: Unit, rep: Reporter, m: FnInfo) {
  const vma = m.params[1];
  const at = vmOpsStatement(m);
  if (!vma || !at) return [];
  return [{ title: "Map the device memory uncached", file: rep.fileName, preferred: true, edits: [
    rep.insertBefore(at, [`${vma}.vm_page_prot = pgprot_noncached(${vma}.vm_page_prot);`]), importEdit(unit.sf, "linux/mm", "pgprot_noncached"),
  ].filter((e): e is NonNullable<typeof e> => !!e) }];
}
