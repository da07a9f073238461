// Address spaces, Physical memory and DMA mappings: three trees in the Run
// and Debug container that speak DAP only. On each stop they ask the adapter
// for their roots (faultline/kernelViews) and expand through the standard
// `variables` request, paged as VS Code pages the Variables view; they are
// emptied when the run goes on (handles live only while stopped) and when the
// session ends.

import * as vscode from "vscode";
import { DEBUG_TYPE, KERNEL_VIEWS, type KernelViewsResponse } from "../../../debug-adapter/src/protocol";

export const VIEW_IDS = { addressSpaces: "faultline.addressSpaces", physicalMemory: "faultline.physicalMemory", dmaMappings: "faultline.dmaMappings" } as const;
type ViewKey = keyof typeof VIEW_IDS;

/** Which of the adapter's roots goes to which view: by id, else by what its label says. */
export function viewKeyOf(root: { id: string; label: string }): ViewKey | undefined {
  const s = `${root.id} ${root.label}`.toLowerCase();
  if (/dma/.test(s)) return "dmaMappings";
  if (/address|vma|process|task/.test(s)) return "addressSpaces";
  if (/phys|zone|frame|memory/.test(s)) return "physicalMemory";
  return undefined;
}

/** VS Code's paging of indexed children: chunks of 100, growing ×100 while the count exceeds chunk×100. */
export function chunkSize(count: number): number {
  let size = 100;
  while (count > size * 100) size *= 100;
  return size;
}

interface DapVariable { name: string; value: string; type?: string; variablesReference: number; indexedVariables?: number; namedVariables?: number; memoryReference?: string; evaluateName?: string }

export class KernelNode {
  constructor(
    readonly session: vscode.DebugSession,
    readonly name: string,
    readonly value: string,
    readonly ref: number,
    readonly indexed: number,
    readonly named: number,
    readonly memoryReference: string | undefined,
    /** A range of indexed children [start, start+count) of ref, shown as "[a..b]". */
    readonly range?: { start: number; count: number },
  ) {}
}

class KernelTree implements vscode.TreeDataProvider<KernelNode> {
  private readonly emitter = new vscode.EventEmitter<KernelNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  root: KernelNode | undefined;
  message: string | undefined;

  set(root: KernelNode | undefined, message?: string): void {
    this.root = root;
    this.message = message;
    this.emitter.fire(undefined);
  }

  getTreeItem(n: KernelNode): vscode.TreeItem {
    const expandable = n.range ? true : n.ref > 0;
    const label = n.range ? `[${n.range.start}..${n.range.start + n.range.count - 1}]` : n.name;
    const item = new vscode.TreeItem(label, expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    if (!n.range) {
      item.description = n.value;
      item.tooltip = `${n.name} = ${n.value}${n.memoryReference ? `\n${n.memoryReference}` : ""}`;
    }
    item.id = undefined;
    item.contextValue = n.memoryReference ? "faultline.memory" : "faultline.node";
    if (n.memoryReference) item.command = { command: "faultline.views.reveal", title: "Reveal in Memory Inspector", arguments: [n] };
    return item;
  }

  async getChildren(n?: KernelNode): Promise<KernelNode[]> {
    if (!n) return this.root ? [this.root] : [];
    const s = n.session;
    if (n.range) return fetch(s, n.ref, "indexed", n.range.start, n.range.count);
    if (n.ref <= 0) return [];
    const out: KernelNode[] = [];
    if (n.indexed > 0) {
      const size = chunkSize(n.indexed);
      if (n.indexed <= size) out.push(...(await fetch(s, n.ref, "indexed", 0, n.indexed)));
      else for (let start = 0; start < n.indexed; start += size) out.push(new KernelNode(s, "", "", n.ref, 0, 0, undefined, { start, count: Math.min(size, n.indexed - start) }));
      if (n.named > 0) out.unshift(...(await fetch(s, n.ref, "named")));
      return out;
    }
    return fetch(s, n.ref);
  }
}

async function fetch(s: vscode.DebugSession, ref: number, filter?: "indexed" | "named", start?: number, count?: number): Promise<KernelNode[]> {
  const args: Record<string, unknown> = { variablesReference: ref };
  if (filter) args.filter = filter;
  if (start !== undefined) { args.start = start; args.count = count; }
  try {
    const r = (await s.customRequest("variables", args)) as { variables: DapVariable[] };
    return r.variables.map((v) => new KernelNode(s, v.name, v.value, v.variablesReference, v.indexedVariables ?? 0, v.namedVariables ?? 0, v.memoryReference));
  } catch {
    // The handles went stale (the run went on): the next stop refreshes the tree.
    return [];
  }
}

export class KernelViews implements vscode.Disposable {
  private readonly trees = { addressSpaces: new KernelTree(), physicalMemory: new KernelTree(), dmaMappings: new KernelTree() };
  private readonly views: vscode.TreeView<KernelNode>[] = [];
  private current: vscode.DebugSession | undefined;
  private generation = 0;

  constructor() {
    for (const key of Object.keys(this.trees) as ViewKey[]) {
      this.views.push(vscode.window.createTreeView(VIEW_IDS[key], { treeDataProvider: this.trees[key], showCollapseAll: true }));
    }
  }

  /** A stop: ask the adapter for the roots again (old handles are gone). */
  async onStopped(session: vscode.DebugSession): Promise<void> {
    if (session.type !== DEBUG_TYPE) return;
    this.current = session;
    const gen = ++this.generation;
    let roots: KernelViewsResponse["views"] = [];
    try {
      roots = ((await session.customRequest(KERNEL_VIEWS, {})) as KernelViewsResponse).views ?? [];
    } catch (e) {
      if (gen === this.generation) for (const t of Object.values(this.trees)) t.set(undefined, (e as Error).message);
      return;
    }
    if (gen !== this.generation) return;
    const seen = new Set<ViewKey>();
    for (const r of roots) {
      const key = viewKeyOf(r);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      this.trees[key].set(new KernelNode(session, r.label, "", r.variablesReference, r.indexedVariables ?? 0, r.namedVariables ?? 0, undefined));
    }
    for (const key of Object.keys(this.trees) as ViewKey[]) if (!seen.has(key)) this.trees[key].set(undefined);
  }

  onContinued(session: vscode.DebugSession): void {
    if (session !== this.current) return;
    this.generation++;
    for (const t of Object.values(this.trees)) t.set(undefined);
  }

  onEnded(session: vscode.DebugSession): void {
    if (this.current && session.id !== this.current.id) return;
    this.current = undefined;
    this.generation++;
    for (const t of Object.values(this.trees)) t.set(undefined);
  }

  /** The memory inspector on a row's memoryReference (VS Code's debug memory documents, shown by a hex editor). */
  async reveal(item: unknown): Promise<void> {
    const n = item as KernelNode | undefined;
    if (!n?.memoryReference) return;
    await this.openMemory(n.memoryReference, n.session, n.name);
  }

  async openMemory(memoryReference: string, session = this.current ?? vscode.debug.activeDebugSession, name = memoryReference): Promise<void> {
    if (!session) return;
    const uri = vscode.Uri.from({ scheme: "vscode-debug-memory", authority: session.id, path: `/${encodeURIComponent(memoryReference)}/${encodeURIComponent(name.replace(/[\\/]/g, "_"))}.bin`, query: "" });
    try {
      await vscode.commands.executeCommand("vscode.openWith", uri, "hexEditor.hexedit");
    } catch {
      // No hex editor installed: VS Code's own "View Binary Data" path asks for one.
      await vscode.commands.executeCommand("vscode.open", uri);
    }
  }

  dispose(): void {
    for (const v of this.views) v.dispose();
  }
}
