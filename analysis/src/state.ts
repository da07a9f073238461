/**
 * The abstract state the flow analysis carries through a function: live DMA
 * mappings and who owns their buffers, allocations and whether they were
 * tested or freed, reserved pages, kmaps, and the context (atomic sections,
 * mmap_lock). Joined where paths meet: "maybe" marks what holds on one path
 * only, so the rules can tell "always" from "sometimes".
 */
import type ts from "typescript";
import type { Val } from "./values";

export type Status = "live" | "released" | "maybe" | "failed";
export type Owner = "device" | "cpu" | "mixed";
export type MapKind = "single" | "page" | "sg" | "coherent";

export interface Rec {
  readonly id: string;
  readonly kind: MapKind;
  readonly api: string;
  readonly site: ts.CallExpression;
  handleKeys: Set<string>;
  bufKeys: Set<string>;
  /** Where dma_map_sg()'s returned count went. */
  retKeys: Set<string>;
  size?: Val;
  dir?: Val;
  nents?: Val;
  status: Status;
  releasedAt?: ts.Node;
  owner: Owner;
  ownerSite: ts.Node;
  checked: boolean;
  /** Created by the function under analysis (not inherited from probe). */
  local: boolean;
  uncheckedReported: boolean;
  /** After a dma_sync_single_range_for_cpu() of a device-owned mapping: the only bytes the CPU got back (the rest is still the device's), and where. */
  cpuRange?: { readonly off: Val; readonly len: Val; readonly site: ts.Node; readonly sure: boolean };
  /** A CPU store into the buffer while the CPU owned it, not yet synced for the device (a device-readable direction). */
  cpuWrote?: ts.Node;
}

export type AllocFamily = "slab" | "vmalloc" | "pages-addr" | "pages-struct" | "iomem" | "cache" | "pool" | "user-pages" | "devm";

export interface Alloc {
  readonly id: string;
  readonly fn: string;
  readonly family: AllocFamily;
  readonly site: ts.CallExpression;
  keys: Set<string>;
  size?: Val;
  order?: Val;
  gfp?: Set<string>;
  status: Status;
  freedAt?: ts.Node;
  checked: boolean;
  local: boolean;
}

export interface Kmap {
  readonly id: string;
  readonly fn: "kmap" | "kmap_atomic" | "kmap_local_page";
  readonly site: ts.CallExpression;
  pageKey?: string;
  addrKeys: Set<string>;
  status: Status;
  local: boolean;
}

export class State {
  recs = new Map<string, Rec>();
  allocs = new Map<string, Alloc>();
  fieldVals = new Map<string, Val>();
  /** Keys of memory whose pages are PG_reserved → where. */
  reserved = new Map<string, ts.Node>();
  kmaps: Kmap[] = [];
  /** Page keys set dirty on some path; page keys the kernel wrote through a kmap. */
  dirty = new Set<string>();
  written = new Set<string>();
  /** Open atomic sections: kmap_atomic, claim_dma_lock. */
  atomic: { readonly why: string; readonly node: ts.Node; readonly irqsOff: boolean; readonly lock?: string }[] = [];
  mmapLocked = false;
  /** dma_set_mask*() has been called on every path here. */
  maskSet = false;
  /** Locals known to be nonzero here (past `if (!err) return 0;`): a `return err` on this path reports failure. */
  nonzero = new Set<string>();

  clone(): State {
    const s = new State();
    for (const [k, r] of this.recs) s.recs.set(k, { ...r, handleKeys: new Set(r.handleKeys), bufKeys: new Set(r.bufKeys), retKeys: new Set(r.retKeys) });
    for (const [k, a] of this.allocs) s.allocs.set(k, { ...a, keys: new Set(a.keys) });
    s.fieldVals = new Map(this.fieldVals);
    s.reserved = new Map(this.reserved);
    s.kmaps = this.kmaps.map((m) => ({ ...m, addrKeys: new Set(m.addrKeys) }));
    s.dirty = new Set(this.dirty);
    s.written = new Set(this.written);
    s.atomic = [...this.atomic];
    s.mmapLocked = this.mmapLocked;
    s.maskSet = this.maskSet;
    s.nonzero = new Set(this.nonzero);
    return s;
  }

  assign(other: State): void {
    this.recs = other.recs; this.allocs = other.allocs; this.fieldVals = other.fieldVals; this.reserved = other.reserved;
    this.kmaps = other.kmaps; this.dirty = other.dirty; this.written = other.written; this.atomic = other.atomic; this.mmapLocked = other.mmapLocked; this.maskSet = other.maskSet;
    this.nonzero = other.nonzero;
  }
}

function joinStatus(a: Status | undefined, b: Status | undefined): Status {
  if (a === b && a) return a;
  const norm = (s: Status | undefined) => (s === "failed" ? "released" : s);
  const x = norm(a), y = norm(b);
  if (x === y && x) return x;
  if (!x) return y === "released" ? "released" : "maybe";
  if (!y) return x === "released" ? "released" : "maybe";
  return "maybe";
}

/** Where two paths meet. null is an unreachable path. */
export function join(a: State | null, b: State | null): State | null {
  if (!a) return b ? b.clone() : null;
  if (!b) return a.clone();
  const s = new State();
  const ids = new Set([...a.recs.keys(), ...b.recs.keys()]);
  for (const id of ids) {
    const x = a.recs.get(id), y = b.recs.get(id);
    const base = (x ?? y)!;
    const r: Rec = {
      ...base,
      handleKeys: new Set([...(x?.handleKeys ?? []), ...(y?.handleKeys ?? [])]),
      bufKeys: new Set([...(x?.bufKeys ?? []), ...(y?.bufKeys ?? [])]),
      retKeys: new Set([...(x?.retKeys ?? []), ...(y?.retKeys ?? [])]),
      status: joinStatus(x?.status, y?.status),
      owner: x && y ? (x.owner === y.owner ? x.owner : "mixed") : base.owner === "device" ? "mixed" : base.owner,
      checked: (x?.checked ?? false) || (y?.checked ?? false),
      uncheckedReported: (x?.uncheckedReported ?? false) || (y?.uncheckedReported ?? false),
      releasedAt: x?.releasedAt ?? y?.releasedAt,
      // One range on both paths, or none known.
      cpuRange: x?.cpuRange === y?.cpuRange ? x?.cpuRange : undefined,
      // Written on every path, or it is not said.
      cpuWrote: x?.cpuWrote && y?.cpuWrote ? x.cpuWrote : undefined,
      // Where the device got it, from a path on which it has it.
      ownerSite: x && x.owner !== "cpu" ? x.ownerSite : y && y.owner !== "cpu" ? y.ownerSite : base.ownerSite,
    };
    s.recs.set(id, r);
  }
  const aids = new Set([...a.allocs.keys(), ...b.allocs.keys()]);
  for (const id of aids) {
    const x = a.allocs.get(id), y = b.allocs.get(id);
    const base = (x ?? y)!;
    s.allocs.set(id, {
      ...base,
      keys: new Set([...(x?.keys ?? []), ...(y?.keys ?? [])]),
      status: joinStatus(x?.status, y?.status),
      checked: (x?.checked ?? true) && (y?.checked ?? true),
      freedAt: x?.freedAt ?? y?.freedAt,
    });
  }
  for (const [k, v] of a.fieldVals) {
    const w = b.fieldVals.get(k);
    if (w && (w.k === v.k) && (w.k === "const" ? v.k === "const" && w.n === v.n : v.k === "sym" && w.s === v.s)) s.fieldVals.set(k, v);
  }
  // May-reserved: a loop reserves the pages only on the paths through its body.
  for (const [k, v] of [...a.reserved, ...b.reserved]) if (!s.reserved.has(k)) s.reserved.set(k, v);
  const km = new Map<string, import("./state").Kmap>();
  for (const m of a.kmaps) km.set(m.id, { ...m, addrKeys: new Set(m.addrKeys), status: b.kmaps.some((n) => n.id === m.id && n.status === m.status) ? m.status : "maybe" });
  for (const m of b.kmaps) if (!km.has(m.id)) km.set(m.id, { ...m, addrKeys: new Set(m.addrKeys), status: "maybe" });
  s.kmaps = [...km.values()];
  // Dirtied on one path only is the driver choosing by outcome (`if (ok) set_page_dirty_lock(p);`), a condition the
  // flow cannot evaluate: the pages count as dirtied, so a clean release after it is not judged.
  s.dirty = new Set([...a.dirty, ...b.dirty]);
  s.written = new Set([...a.written, ...b.written]);
  // Context must hold on every path to count (an atomic section on one path only is not reported).
  s.atomic = a.atomic.length <= b.atomic.length ? [...a.atomic] : [...b.atomic];
  s.mmapLocked = a.mmapLocked && b.mmapLocked;
  s.maskSet = a.maskSet && b.maskSet;
  s.nonzero = new Set([...a.nonzero].filter((k) => b.nonzero.has(k)));
  return s;
}

/** join() for states nobody uses afterwards: an unreachable side costs no copy. */
export function joinOwned(a: State | null, b: State | null): State | null {
  if (!a) return b;
  if (!b) return a;
  return join(a, b);
}
