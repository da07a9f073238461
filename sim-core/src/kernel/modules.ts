// insmod and rmmod. Loading evaluates the driver's code (its module_init(),
// module_param() and MODULE_*() calls register here), then runs init as
// insmod's task; unloading runs exit and reports what the module left behind,
// in kmemleak's words.

import { reportArmedAtUnload } from "./timers";
import type { Kernel } from "../kernel";
import { PAGE_SIZE, hexAddr } from "../util/addr";
import { Owner } from "../mm/memmap";
import { ObjState } from "../mm/slab";
import type { Track } from "../mm/page_alloc";
import { Module, parseParam, type ModuleParamType, type ModuleParamValue } from "./module";

const EEXIST = 17, EBUSY = 16, ENOENT = 2;

export interface Leak {
  readonly rule: "MEM008" | "PG003" | "PG007";
  readonly what: string;
  readonly addr: number;
  readonly size: number;
  readonly allocFn: string;
  readonly track?: Track;
}

export class Modules {
  /** Told which module is being evaluated (the driver API's THIS_MODULE listens). */
  static readonly loadingHooks = new Set<(m: Module | null) => void>();
  readonly loaded = new Map<string, Module>();
  /** The module whose code is being evaluated by load(). */
  private loading: Module | null = null;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** The module module_init()/module_param() are talking about. */
  registering(fn: string): Module {
    const m = this.loading;
    if (!m) throw new Error(`${fn}() called outside module loading: it belongs at the top level of the driver's source`);
    return m;
  }

  param(name: string, type: ModuleParamType, def: ModuleParamValue, perm: number): ModuleParamValue {
    const m = this.registering("module_param");
    const given = m.args.get(name);
    let value = def;
    if (given !== undefined) {
      const parsed = parseParam(type, given, this.#k.profile.bits);
      if (parsed === undefined) {
        this.#k.printk(`\x013${m.name}: \`${given}' invalid for parameter \`${name}'\n`);
        m.paramError = true;
      } else value = parsed;
    }
    m.params.set(name, { name, type, perm, value });
    return value;
  }

  /** insmod: 0 on success, or init's error (the module is not left loaded). */
  load(name: string, evaluate: () => void, args: Readonly<Record<string, string>> = {}): number {
    const k = this.#k;
    if (this.loaded.has(name)) return -EEXIST;
    const mod = new Module(name, new Map(Object.entries(args)));
    this.loading = mod;
    for (const h of Modules.loadingHooks) h(mod);
    try {
      k.withModule(mod, evaluate);
    } finally {
      this.loading = null;
      for (const h of Modules.loadingHooks) h(null);
    }
    for (const a of mod.args.keys()) if (!mod.params.has(a)) k.printk(`\x014${name}: unknown parameter '${a}' ignored\n`);
    if (mod.paramError) return -22; // -EINVAL: parse_args() failed, load_module() gives up
    if (!mod.license) k.printk(`\x014${name}: module license 'unspecified' taints kernel.\n`);
    this.loaded.set(name, mod);
    k.events.emit({ type: "module", name, op: "load" });
    const ret = mod.init ? k.withCurrent(k.insmodTask, () => k.callDriver(mod, "init", () => mod.init!())) : 0;
    if (typeof ret === "number" && ret < 0) {
      mod.state = "unloaded";
      this.loaded.delete(name);
      k.fixSites.setupFailed(mod, mod.init, ret);
      this.reportLeaks(mod, `${name}: init failed with ${ret}`);
      return ret;
    }
    mod.state = "live";
    return 0;
  }

  /** rmmod: -EBUSY while open files hold the module. */
  unload(name: string): number {
    const k = this.#k;
    const mod = this.loaded.get(name);
    if (!mod) return -ENOENT;
    if (mod.refcnt > 0) return -EBUSY;
    mod.state = "going";
    if (mod.exit) k.withCurrent(k.insmodTask, () => k.fixSites.watch(mod, "exit", mod.exit, mod.init, () => k.callDriver(mod, "exit", () => mod.exit!())));
    mod.state = "unloaded";
    this.loaded.delete(name);
    k.events.emit({ type: "module", name, op: "unload" });
    this.reportLeaks(mod, `${name}: unloaded`);
    return 0;
  }

  /** Everything the module took and did not give back. */
  leaks(mod: Module): Leak[] {
    const k = this.#k, out: Leak[] = [];
    // An allocation a MEM004 already reported (freed with the wrong function) is that bug, not a second one.
    const mine = (t: Track | undefined) => t?.module === mod && !k.kasan.wronglyFreed.has(t);
    for (const c of k.slab.caches) {
      for (const s of c.slabs) {
        for (let i = 0; i < c.objsPerSlab; i++) {
          const meta = s.meta[i];
          if (s.state[i] === ObjState.Allocated && mine(meta?.alloc)) out.push({ rule: "MEM008", what: c.name, addr: s.objAddr(i), size: meta!.requested, allocFn: c.name.startsWith("kmalloc") || c.name.startsWith("dma-kmalloc") ? "kmalloc()" : "kmem_cache_alloc()", track: meta!.alloc });
        }
      }
    }
    for (const l of k.slab.large.values()) if (mine(l.alloc)) out.push({ rule: "MEM008", what: `order-${l.order} pages`, addr: k.pages.pageAddressOrZero(l.pfn), size: l.size, allocFn: "kmalloc()", track: l.alloc });
    for (const b of k.pages.blocks.values()) {
      // Pages a PG001 already reported (a put too many split and freed their block) are that bug, not a leak.
      if (b.owner === Owner.Pages && mine(b.alloc) && !k.slab.large.has(b.pfn) && !k.pages.refsBroken(b.pfn)) {
        out.push({ rule: "MEM008", what: `order-${b.order} page block (pfn:0x${b.pfn.toString(16)})`, addr: k.highmem.pageAddress(b.pfn) || b.pfn * PAGE_SIZE, size: PAGE_SIZE << b.order, allocFn: "alloc_pages()", track: b.alloc });
      }
    }
    for (const a of k.vmalloc.list()) if (mine(a.alloc)) out.push({ rule: "MEM008", what: `${a.kind} area`, addr: a.addr, size: a.requested, allocFn: `${a.kind}()`, track: a.alloc });
    for (const r of k.pages.heldRefs(mod)) out.push({ rule: "MEM008", what: `page reference on pfn:0x${r.pfn.toString(16)}`, addr: k.highmem.pageAddress(r.pfn) || r.pfn * PAGE_SIZE, size: PAGE_SIZE, allocFn: "get_page()", track: r.track });
    for (const h of k.highmem.heldKmaps()) for (const t of h.holders) if (t.module === mod) out.push({ rule: "PG003", what: `kmap of pfn:0x${h.pfn.toString(16)}`, addr: k.highmem.pageAddress(h.pfn), size: PAGE_SIZE, allocFn: "kmap()", track: t });
    for (const g of k.gup.heldBy(mod)) out.push({ rule: "PG007", what: `${g.grant.pin ? "pinned" : "referenced"} user page pfn:0x${g.pfn.toString(16)}`, addr: g.grant.addr, size: PAGE_SIZE, allocFn: g.grant.pin ? "pin_user_pages()" : "get_user_pages()", track: { pid: g.grant.pid, comm: g.grant.comm, seq: 0, stack: g.grant.stack, module: mod, tsNs: g.grant.tsNs } });
    return out;
  }

  private reportLeaks(mod: Module, why: string): void {
    const k = this.#k;
    reportArmedAtUnload(k, mod);
    for (const l of this.leaks(mod)) {
      const t = l.track;
      const dump = l.rule === "MEM008" && l.allocFn !== "get_page()" && l.allocFn !== "alloc_pages()" ? this.hexDump(l.addr, Math.min(32, l.size)) : [];
      const report = [
        `unreferenced object 0x${hexAddr(l.addr, k.profile.ptrDigits)} (size ${l.size}):`,
        `  comm "${t?.comm ?? "?"}", pid ${t?.pid ?? 0}, jiffies ${jiffiesAt(t?.tsNs ?? 0)}`,
        ...(dump.length ? ["  hex dump (first 32 bytes):", ...dump] : []),
        `  backtrace (${why}; taken by ${l.allocFn}):`,
        ...k.stacks.formatStack(t?.stack).map((f) => `   ${f}`),
      ];
      if (l.rule === "MEM008") {
        const fix = k.fixSites.forAllocation(mod, t?.stack?.driverFrames ?? [], `the ${freeFor(l.allocFn)} of what ${l.allocFn} took`);
        k.violation({ rule: "MEM008", params: { addr: `0x${hexAddr(l.addr, k.profile.ptrDigits)}`, size: l.size, alloc_fn: l.allocFn }, report, stack: t?.stack, ...(fix ? { fix } : {}) });
      } else if (l.rule === "PG003") {
        const fix = k.fixSites.forHold(mod, t?.stack?.driverFrames ?? [], "the kunmap() of the page");
        k.violation({ rule: "PG003", params: { problem: `${l.what} never kunmap()ped (${why})`, pfn: l.what.replace(/^.*pfn:/, "") }, report, stack: t?.stack, ...(fix ? { fix } : {}) });
      } else {
        const fix = k.fixSites.forHold(mod, t?.stack?.driverFrames ?? [], `the ${l.allocFn === "pin_user_pages()" ? "unpin_user_pages()" : "put_page()"} of the page`);
        k.violation({ rule: "PG007", params: { problem: `${l.what} never released (${why})`, addr: `0x${l.addr.toString(16)}`, count: 1 }, report, stack: t?.stack, ...(fix ? { fix } : {}) });
      }
    }
    for (const w of k.chrdev.registeredBy(mod)) k.warn(`${mod.name}: unloaded with ${w} still registered; opening it now would call into freed module code`, undefined);
    for (const w of [...k.devices.registeredBy(mod), ...k.irqs.heldBy(mod)]) k.warn(`${mod.name}: unloaded with ${w} still registered; the kernel would now call into freed module code`, undefined);
  }

  private hexDump(addr: number, n: number): string[] {
    const k = this.#k;
    let bytes: Uint8Array;
    try {
      const wasEnabled = k.kasan.enabled;
      k.kasan.enabled = false;
      try { bytes = k.mem.read(addr, n); } finally { k.kasan.enabled = wasEnabled; }
    } catch {
      return [];
    }
    const lines: string[] = [];
    for (let i = 0; i < bytes.length; i += 16) {
      const row = [...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      const ascii = [...bytes.subarray(i, i + 16)].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
      lines.push(`    ${row.padEnd(47)}  ${ascii}`);
    }
    return lines;
  }
}

/** The call that gives back what `allocFn` took, for a fix's words. */
function freeFor(allocFn: string): string {
  const m: Record<string, string> = { "kmalloc()": "kfree()", "kmem_cache_alloc()": "kmem_cache_free()", "alloc_pages()": "__free_pages()", "get_page()": "put_page()", "vmalloc()": "vfree()", "vmalloc_user()": "vfree()", "vzalloc()": "vfree()", "kvmalloc()": "kvfree()" };
  return m[allocFn] ?? "free";
}

/** jiffies at a virtual time: HZ=250, starting five minutes before the 32-bit wrap, as Linux does. */
export function jiffiesAt(tsNs: number): number {
  return (4294892296 + Math.floor(tsNs / 4_000_000)) % 2 ** 32;
}
