// What KASAN would say (mm/kasan/report.c). The simulator knows every
// allocation, so instead of shadow memory it classifies an address on demand;
// the shadow bytes of the "Memory state around the buggy address" dump are
// derived from that same classification.

import type { Kernel } from "../kernel";
import { REPORT_RULE } from "../kernel/report";
import type { CapturedStack } from "../kernel/stack";
import { secondRelease } from "../kernel/fixsite";
import type { RuleId } from "../rules/catalogue";
import { PAGE_SIZE, alignDown } from "../util/addr";
import { dumpPage } from "./dump";
import { Owner } from "./memmap";
import type { Track } from "./page_alloc";
import { ObjState, type ObjectInfo } from "./slab";
import type { VmArea } from "./vmalloc";

/** The KASAN shadow values of mm/kasan/kasan.h for the poison kinds we model. */
const SHADOW = { pageFree: 0xff, pageRedzone: 0xfe, slabRedzone: 0xfc, slabFree: 0xfb, vmallocInvalid: 0xf8 } as const;

type Poison =
  | { ok: true }
  | { ok: false; shadow: number; bugType: string; rule: RuleId; describe: () => string[]; what: string; rel?: (addr: number) => [number, string] };

const OK: Poison = { ok: true };
const GRANULE = 8;

export class Kasan {
  enabled = true;
  /** kasan_multi_shot: report every bug, not only the first. */
  multiShot = true;
  private reported = false;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** kasan_check_range(): report the first bad byte of an access, if any. The access still happens. */
  check(addr: number, size: number, write: boolean, stack: CapturedStack | undefined, fn: string): void {
    if (!this.enabled || size <= 0) return;
    const end = addr + size;
    // A range that starts and ends inside one live allocation, both ends accessible, is accessible throughout.
    if (this.classify(addr).ok && this.classify(end - 1).ok && this.sameAllocation(addr, end - 1)) return;
    // Within one unit (a slab slot, or a page) bytes are accessible up to some point
    // and poisoned after it, so each unit needs its two ends checked, and a search only when they differ.
    for (let seg = addr; seg < end; ) {
      const segEnd = Math.min(end, this.unitEnd(seg));
      if (!this.classify(seg).ok || !this.classify(segEnd - 1).ok) {
        let bad = seg;
        while (this.classify(bad).ok) bad++;
        const poison = this.classify(bad) as Exclude<Poison, { ok: true }>;
        this.report(poison, addr, size, write, bad, stack ?? this.#k.stacks.capture(), fn);
        return;
      }
      seg = segEnd;
    }
  }

  /** Both addresses in one slab object, one large kmalloc, one vmalloc area or one page block. */
  private sameAllocation(a: number, b: number): boolean {
    const k = this.#k, s = k.slab, p = k.profile;
    const oa = s.objectAt(a);
    if (oa) {
      const ob = s.objectAt(b);
      return !!ob && ob.slab === oa.slab && ob.index === oa.index;
    }
    if (k.vmalloc.isVmallocAddr(a)) {
      const va = k.vmalloc.find(a);
      return !!va && va === k.vmalloc.find(b);
    }
    if (a >= p.pageOffset && b < p.highMemory) {
      const la = s.largeAt(a);
      if (la) return la === s.largeAt(b);
      const ba = k.pages.blockOf(Math.floor((a - p.pageOffset) / PAGE_SIZE));
      return !!ba && ba === k.pages.blockOf(Math.floor((b - p.pageOffset) / PAGE_SIZE));
    }
    return false;
  }

  private unitEnd(a: number): number {
    const o = this.#k.slab.objectAt(a);
    if (o && a >= o.start && a < o.start + o.cache.size) return o.start + o.cache.size;
    return (Math.floor(a / PAGE_SIZE) + 1) * PAGE_SIZE;
  }

  /** The shadow's verdict on one byte. */
  classify(addr: number): Poison {
    const k = this.#k, p = k.profile;
    if (addr >= p.pageOffset && addr < p.highMemory) {
      const pfn = Math.floor((addr - p.pageOffset) / PAGE_SIZE);
      if (!k.memmap.pfnValid(pfn)) return OK;
      switch (k.memmap.owner(pfn)) {
        case Owner.Free: return this.freePage(pfn);
        case Owner.Slab: return this.slabByte(addr, k.slab.objectAt(addr)!);
        case Owner.Pages: {
          const l = k.slab.largeAt(addr);
          if (!l) return OK;
          const base = k.pages.pageAddressOrZero(l.pfn);
          if (addr < base + l.size) return OK;
          return {
            ok: false, shadow: SHADOW.pageRedzone, bugType: "slab-out-of-bounds", rule: "MEM001",
            what: `${l.size}-byte kmalloc region at ${k.px(base)}`,
            rel: (a) => [a - base - l.size, "to the right"],
            describe: () => [
              `The buggy address is located ${addr - base - l.size} bytes to the right of`,
              ` ${l.size}-byte region [${k.px(base)}, ${k.px(base + l.size)})`,
              "", ...this.track("Allocated", l.alloc), "",
              "The buggy address belongs to the physical page:", ...dumpPage(k.memmap, l.pfn, undefined),
            ],
          };
        }
        default: return OK;
      }
    }
    if (k.vmalloc.isVmallocAddr(addr)) return this.vmallocByte(addr);
    return OK;
  }

  private freePage(pfn: number): Poison {
    const k = this.#k;
    let head = pfn, last = k.pages.freed.get(pfn);
    for (let o = 1; !last && o <= 10; o++) {
      head = pfn - (pfn % (1 << o));
      const f = k.pages.freed.get(head);
      if (f && f.order >= o) last = f;
    }
    return {
      ok: false, shadow: SHADOW.pageFree, bugType: "use-after-free", rule: "MEM002",
      what: `free page pfn:0x${pfn.toString(16)}`,
      describe: () => [
        "The buggy address belongs to the physical page:",
        ...dumpPage(k.memmap, pfn, "kasan: bad access detected"),
        ...(last ? [
          `page_owner tracks the page as freed`,
          `page last allocated via order ${last.order} by task ${last.alloc.pid}:`, ...k.stacks.formatStack(last.alloc.stack),
          `page last free by task ${last.free.pid}:`, ...k.stacks.formatStack(last.free.stack),
        ] : ["page_owner info is not present (never set?)"]),
      ],
    };
  }

  private slabByte(addr: number, o: ObjectInfo): Poison {
    const rel = addr - o.start;
    const live = o.state === ObjState.Allocated;
    if (live && rel < o.meta!.requested) return OK;
    const freed = o.state === ObjState.Quarantined || o.state === ObjState.Freed;
    const uaf = freed && rel < o.cache.objectSize;
    return {
      ok: false,
      shadow: uaf ? SHADOW.slabFree : SHADOW.slabRedzone,
      bugType: uaf ? "slab-use-after-free" : "slab-out-of-bounds",
      rule: uaf ? "MEM002" : "MEM001",
      what: `object ${this.#k.px(o.start)} of cache ${o.cache.name}`,
      rel: (a) => relation(a - o.start, live ? o.meta!.requested : o.cache.objectSize),
      describe: () => this.describeObject(addr, o),
    };
  }

  private describeObject(addr: number, o: ObjectInfo): string[] {
    const k = this.#k, size = o.cache.objectSize;
    const lines: string[] = [];
    if (o.meta) {
      lines.push(...this.track("Allocated", o.meta.alloc), "");
      if (o.meta.free && o.state !== ObjState.Allocated) lines.push(...this.track("Freed", o.meta.free), "");
    }
    const rel = addr - o.start;
    const [kind, bytes] = rel < 0 ? ["to the left", -rel] : rel >= size ? ["to the right", rel - size] : ["inside", rel];
    lines.push(
      `The buggy address belongs to the object at ${k.px(o.start)}`,
      ` which belongs to the cache ${o.cache.name} of size ${size}`,
      `The buggy address is located ${bytes} bytes ${kind} of`,
      ` ${size}-byte region [${k.px(o.start)}, ${k.px(o.start + size)})`,
    );
    if (o.meta && o.state === ObjState.Allocated) lines.push(`(the driver asked for ${o.meta.requested} bytes)`);
    lines.push("", "The buggy address belongs to the physical page:", ...dumpPage(k.memmap, o.slab.pfn, undefined));
    return lines;
  }

  private vmallocByte(addr: number): Poison {
    const k = this.#k;
    const a = k.vmalloc.find(addr);
    if (a && (a.kind !== "vmalloc" || addr < a.addr + a.requested)) return OK;
    const freed = a ? undefined : k.vmalloc.findFreed(addr);
    if (!a && !freed) return OK;
    const area = (a ?? freed)!;
    return {
      ok: false, shadow: SHADOW.vmallocInvalid, bugType: "vmalloc-out-of-bounds",
      rule: a ? "MEM001" : "MEM002",
      what: `${area.requested}-byte vmalloc area at ${k.px(area.addr)}${a ? "" : " (already vfree()d)"}`,
      rel: (x) => relation(x - area.addr, area.requested),
      describe: () => this.describeArea(addr, area, !a),
    };
  }

  private describeArea(addr: number, a: VmArea, freed: boolean): string[] {
    const k = this.#k;
    const lines = [
      "The buggy address belongs to the virtual mapping at",
      ` [${k.px(a.addr)}, ${k.px(a.addr + a.size)}) created by:`,
      ` ${k.stacks.symbol(a.alloc.stack)}`,
    ];
    if (freed && a.free) lines.push("", "The mapping was freed by vfree():", ...k.stacks.formatStack(a.free.stack));
    else if (addr >= a.addr + a.requested) {
      lines.push("", `The buggy address is located ${addr - a.addr - a.requested} bytes to the right of the ${a.requested}-byte allocation${addr >= a.addr + a.size ? ", in the unmapped guard page" : ""}`);
    }
    return lines;
  }

  private track(prefix: string, t: Track): string[] {
    return [`${prefix} by task ${t.pid}:`, ...this.#k.stacks.formatStack(t.stack)];
  }

  private report(poison: Exclude<Poison, { ok: true }>, addr: number, size: number, write: boolean, bad: number, stack: CapturedStack | undefined, fn: string): void {
    const k = this.#k;
    if (!this.multiShot && this.reported) return;
    this.reported = true;
    k.violation({
      rule: poison.rule,
      params: {
        access: write ? "write" : "read", size, addr: k.px(addr), object: poison.what,
        kind: poison.bugType.replace("-out-of-bounds", ""),
        rel_bytes: poison.rel?.(bad)[0] ?? 0, rel_type: poison.rel?.(bad)[1] ?? "inside",
      },
      report: [
        REPORT_RULE,
        `BUG: KASAN: ${poison.bugType} in ${k.stacks.symbol(stack)}`,
        `${write ? "Write" : "Read"} of size ${size} at addr ${k.px(addr)} by task ${k.current.comm}/${k.current.pid}`,
        "",
        ...k.dumpStackHeader(stack),
        "",
        ...poison.describe(),
        "",
        ...this.memoryState(bad),
        REPORT_RULE,
      ],
      stack,
    });
  }

  /** print_memory_metadata(): five rows of 16 shadow bytes around the first bad byte. */
  memoryState(bad: number): string[] {
    const k = this.#k;
    const rowBytes = 16 * GRANULE;
    const lines = ["Memory state around the buggy address:"];
    const first = alignDown(bad, rowBytes) - 2 * rowBytes;
    for (let r = 0; r < 5; r++) {
      const row = first + r * rowBytes;
      const shadows: string[] = [];
      for (let g = 0; g < 16; g++) shadows.push(this.shadowByte(row + g * GRANULE).toString(16).padStart(2, "0"));
      const guilty = bad >= row && bad < row + rowBytes;
      lines.push(`${guilty ? ">" : " "}${k.px(row)}: ${shadows.join(" ")}`);
      if (guilty) lines.push(" ".repeat(3 + k.profile.ptrDigits + Math.floor((bad - row) / GRANULE) * 3) + "^");
    }
    return lines;
  }

  /** 00: all 8 bytes accessible; 01–07: that many are; otherwise the poison kind. */
  private shadowByte(granule: number): number {
    let okBytes = 0;
    for (; okBytes < GRANULE; okBytes++) {
      const c = this.classify(granule + okBytes);
      if (!c.ok) return okBytes === 0 ? c.shadow : okBytes;
    }
    return 0;
  }

  /** Allocations a wrong free function was given (MEM004): the leak that follows is not a second bug. */
  readonly wronglyFreed = new WeakSet<object>();

  /** kfree() of something that is not a live kmalloc object. */
  reportBadFree(addr: number, kind: "double-free" | "invalid-free" | "mismatch-or-invalid", fn: string, stack: CapturedStack | undefined): void {
    const k = this.#k;
    // kasan_report_invalid_free() goes through the same report_enabled() gate as kasan_report().
    if (!this.multiShot && this.reported) return;
    this.reported = true;
    const o = k.slab.objectAt(addr);
    if (kind === "mismatch-or-invalid") {
      const mismatch = this.allocatorOf(addr);
      if (mismatch) {
        // The allocation stays live; its leak at unload is this same bug, so kmemleak's report is left out then.
        const track = k.vmalloc.isVmallocAddr(addr) ? k.vmalloc.find(addr)?.alloc : k.pages.blockOf(Math.floor((addr - k.profile.pageOffset) / PAGE_SIZE))?.alloc;
        if (track) this.wronglyFreed.add(track);
        k.violation({
          rule: "MEM004",
          params: { fn: `${fn}()`, addr: k.px(addr), alloc_fn: `${mismatch.allocatedBy} (free it with ${mismatch.freeWith})` },
          report: [
            REPORT_RULE,
            `BUG: KASAN: invalid-free in ${k.stacks.symbol(stack)}`,
            `${fn}() of ${k.px(addr)}, which was allocated by ${mismatch.allocatedBy} and must be freed with ${mismatch.freeWith}`,
            "", ...k.dumpStackHeader(stack),
            REPORT_RULE,
          ],
          stack,
        });
        return;
      }
      kind = "invalid-free";
    }
    k.violation({
      rule: "MEM003",
      params: { kind: kind === "double-free" ? "double free" : "invalid free", addr: k.px(addr), fn: `${fn}()`, object: o ? `object ${k.px(o.start)} of cache ${o.cache.name}` : "not the start of any live allocation" },
      // print_report(): framed like every KASAN report, with the shadow around the object when there is one.
      report: [
        REPORT_RULE,
        `BUG: KASAN: ${kind} in ${k.stacks.symbol(stack)}`,
        "", ...k.dumpStackHeader(stack), "",
        ...(o ? [...this.describeObject(addr, o), "", ...this.memoryState(addr)] : [`${k.px(addr)} is not the start of any live allocation`]),
        REPORT_RULE,
      ],
      stack,
      ...((f) => (f ? { fix: f } : {}))(kind === "double-free" && o?.meta?.free ? secondRelease(k.stacks, stack, o.meta.free.stack, `frees ${k.px(addr)}`) : undefined),
    });
  }

  /** Which allocator an address really came from, when it is not kmalloc's. */
  private allocatorOf(addr: number): { what: string; allocatedBy: string; freeWith: string } | undefined {
    const k = this.#k, p = k.profile;
    if (k.vmalloc.isVmallocAddr(addr)) {
      const a = k.vmalloc.find(addr);
      if (a?.kind === "ioremap") return { what: "an ioremap() mapping", allocatedBy: "ioremap()", freeWith: "iounmap()" };
      if (a) return { what: "vmalloc() memory", allocatedBy: "vmalloc()", freeWith: "vfree()" };
      return undefined;
    }
    if (addr >= p.pageOffset && addr < p.highMemory) {
      const pfn = Math.floor((addr - p.pageOffset) / PAGE_SIZE);
      const b = k.pages.blockOf(pfn);
      if (b && b.owner === Owner.Pages && k.pages.pageAddressOrZero(b.pfn) === addr) {
        return { what: `page allocator memory (order ${b.order})`, allocatedBy: "alloc_pages()/__get_free_pages()", freeWith: `free_pages(addr, ${b.order})` };
      }
    }
    return undefined;
  }

  /** vfree() of something that is not the start of a live vmalloc area. */
  reportBadVfree(addr: number, a: VmArea | undefined, stack: CapturedStack | undefined): void {
    const k = this.#k;
    const cut = ["------------[ cut here ]------------", `Trying to vfree() nonexistent vm area (${k.px(addr)})`, `WARNING: CPU: 0 PID: ${k.current.pid} at mm/vmalloc.c: vfree`];
    const trace = ["Call Trace:", ...k.stacks.formatStack(stack), "---[ end trace 0000000000000000 ]---"];
    const o = k.slab.objectAt(addr);
    const base = { fn: "vfree()", addr: k.px(addr) };
    let rule: RuleId = "MEM003";
    let params: Record<string, string> = { ...base, kind: "invalid free", object: "not a vmalloc() allocation" };
    if (a?.kind === "ioremap") { rule = "MEM004"; params = { ...base, alloc_fn: "ioremap() (unmap it with iounmap())" }; }
    else if (o || k.slab.largeAt(addr)) { rule = "MEM004"; params = { ...base, alloc_fn: "kmalloc() (free it with kfree())" }; }
    else if (!a && k.vmalloc.findFreed(addr)) params = { ...base, kind: "double free", object: "a vmalloc() area that was already freed" };
    else if (a) params = { ...base, object: `inside the vmalloc area at ${k.px(a.addr)}, not its start` };
    const fix = params.kind === "double free" ? secondRelease(k.stacks, stack, k.vmalloc.findFreed(addr)?.free?.stack, `vfree()s ${k.px(addr)}`) : undefined;
    k.violation({ rule, params, report: [...cut, ...trace], stack, ...(fix ? { fix } : {}) });
  }
}

/** KASAN's "N bytes to the left of / inside / to the right of" an object of `size` bytes. */
function relation(rel: number, size: number): [number, string] {
  return rel < 0 ? [-rel, "to the left"] : rel >= size ? [rel - size, "to the right"] : [rel, "inside"];
}
