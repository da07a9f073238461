// Where a finding is fixed, when that is not where it was detected. Linux's
// report of a leak at rmmod points at the allocation, and dma-debug's
// "pending DMA allocations while released from device" at the unbind; the
// line a student must change is in the teardown that returned without the
// free or the unmap: the pci_driver's remove() for what probe() set up, the
// module_exit() function for the rest. While a teardown runs, the stacks the
// kernel captures anyway (every free, unmap and unregister records one) show
// the function's own frames; the last one it was seen at is the place to add
// the missing call (after it).

import type { Frame, StackTracker, CapturedStack } from "./stack";
import type { Kernel } from "../kernel";
import { PAGE_SIZE } from "../util/addr";
import { inDevresRelease } from "../dev/devres";

/** The line to change, beside the report that names the detection. */
export interface FixSite {
  /** The driver function to change. */
  readonly fn: string;
  /** The line of `fn` to change (for a teardown: its last call into the kernel), when there is one to point at. */
  readonly location?: Frame;
  /** Why there, in a sentence. */
  readonly why: string;
}

interface Teardown {
  readonly what: "exit" | "remove";
  readonly owner: object;
  readonly fn: string;
  /** The set-up function whose allocations this teardown undoes (init or probe). */
  readonly pairFn: string | undefined;
  /** Device name, for remove(). */
  readonly dev?: string;
  last?: Frame;
}

const nameOf = (f: unknown): string | undefined => (typeof f === "function" && f.name ? f.name.replace(/^bound /, "") : undefined);

export class FixSites {
  /** Teardowns that ran, per module (or other owner), oldest first. */
  private readonly ran = new Map<object, Teardown[]>();
  private readonly active: Teardown[] = [];

  constructor(private readonly stacks: StackTracker) {}

  /**
   * Runs a teardown callback, watching the stacks captured meanwhile for its
   * frames. `fn` is the driver's function (for its name), `pair` its set-up.
   */
  watch<T>(owner: object, what: "exit" | "remove", fn: unknown, pair: unknown, run: () => T, dev?: string): T {
    const name = nameOf(fn);
    if (!name) return run();
    const t: Teardown = { what, owner, fn: name, pairFn: nameOf(pair), dev };
    let list = this.ran.get(owner);
    if (!list) this.ran.set(owner, (list = []));
    list.push(t);
    this.active.push(t);
    const prev = this.stacks.onCapture;
    this.stacks.onCapture = (s) => this.seen(s);
    try {
      return run();
    } finally {
      this.active.pop();
      this.stacks.onCapture = this.active.length ? prev : undefined;
    }
  }

  private seen(s: CapturedStack): void {
    const frames = s.driverFrames;
    for (const t of this.active) {
      const f = frames.find((x) => x.fn === t.fn);
      if (f) t.last = f;
    }
  }

  /** A set-up (init, probe) that returned an error: what it took and kept is its error path's to undo. */
  setupFailed(owner: object, fn: unknown, ret: number): void {
    const name = nameOf(fn);
    if (!name) return;
    let list = this.failed.get(owner);
    if (!list) this.failed.set(owner, (list = []));
    list.push({ fn: name, ret });
  }
  private readonly failed = new Map<object, { fn: string; ret: number }[]>();

  /** The remove() running now (dma-debug's unbind check runs inside the unbind). */
  currentRemove(): FixSite | undefined {
    for (let i = this.active.length - 1; i >= 0; i--) {
      const t = this.active[i];
      if (t.what === "remove") return this.site(t, `${t.fn}() returns with DMA of ${t.dev ?? "the device"} still mapped: unmap or free it there`);
    }
    return undefined;
  }

  /**
   * For something `owner` left allocated at unload: the remove() whose
   * probe() took it, else the module's exit function.
   */
  forLeak(owner: object, allocFrames: readonly Frame[], what: string): FixSite | undefined {
    const list = this.ran.get(owner) ?? [];
    const fns = new Set(allocFrames.map((f) => f.fn));
    // Taken by a set-up that then failed: no teardown runs for it, the error path had to give it back.
    const bad = (this.failed.get(owner) ?? []).find((x) => fns.has(x.fn));
    if (bad) {
      const at = allocFrames.find((f) => f.fn === bad.fn);
      return Object.freeze({ fn: bad.fn, ...(at ? { location: at } : {}), why: `${bad.fn}() returned ${bad.ret} without releasing what it took here: ${what} belongs on its error path` });
    }
    const t = list.find((x) => x.what === "remove" && x.pairFn && fns.has(x.pairFn)) ?? list.find((x) => x.what === "exit");
    if (!t) return undefined;
    return this.site(t, `${t.fn}() returns without releasing it: ${what} belongs there`);
  }

  /**
   * For a temporary hold left at unload (a kmap, a user-page pin): taken by a
   * set-up function, its teardown (or its error path) had to drop it, as for
   * a leak; taken anywhere else (a read(), an ioctl()), the function that
   * took it had to drop it before returning.
   */
  forHold(owner: object, takenFrames: readonly Frame[], release: string): FixSite | undefined {
    if (this.bySetup(owner, takenFrames)) return this.forLeak(owner, takenFrames, release);
    return fixAt(takenFrames[0], (f) => `${f.fn}() returns still holding what this line took: ${release} belongs on every path out of ${f.fn}() after it`);
  }

  /**
   * For memory left allocated at unload (MEM008): what a set-up function
   * took is its teardown's (or its error path's) to free, as forLeak() says;
   * what was allocated anywhere else (per request, per open, in a work item)
   * has no teardown to blame: the allocation is the line to start from, and
   * the free belongs where its last user is done with it.
   */
  forAllocation(owner: object, allocFrames: readonly Frame[], free: string): FixSite | undefined {
    // Frames unknown (stacks off, or a token not captured yet): the teardown is the best guess left.
    if (!allocFrames.length || this.bySetup(owner, allocFrames)) return this.forLeak(owner, allocFrames, free);
    return fixAt(allocFrames[0], (f) => `${f.fn}() allocates this outside the driver's set-up (init, probe) and nothing frees it: ${free} belongs where its last user is done with it (the completion or work item that consumes it, release(), or ${f.fn}()'s own error paths)`);
  }

  /** Whether a set-up function (init or probe, run or failed) is among the frames that took something. */
  private bySetup(owner: object, frames: readonly Frame[]): boolean {
    const fns = new Set(frames.map((f) => f.fn));
    return (this.failed.get(owner) ?? []).some((x) => fns.has(x.fn))
      || (this.ran.get(owner) ?? []).some((t) => t.pairFn !== undefined && fns.has(t.pairFn));
  }

  /**
   * SetPageReserved() of a page, for PG002's fix (which SetPageReserved() has
   * no ClearPageReserved()). One record per run of consecutive pages: a loop
   * over a buffer's pages is one call site, and a stack per page would cost
   * a capture per iteration.
   */
  reserved(pfn: number, set: boolean): void {
    if (!set) { this.reservedAt.delete(pfn); return; }
    if (this.reservedAt.has(pfn)) return;
    const prev = this.reservedAt.get(pfn - 1);
    this.reservedAt.set(pfn, prev ?? this.stacks.record());
  }
  /** Where the page was last SetPageReserved(), when it still is. */
  reservedBy(pfn: number): CapturedStack | undefined {
    return this.reservedAt.get(pfn);
  }
  private readonly reservedAt = new Map<number, CapturedStack | undefined>();

  private site(t: Teardown, why: string): FixSite {
    return Object.freeze({ fn: t.fn, ...(t.last ? { location: t.last } : {}), why });
  }
}

/**
 * A fix at a known call: the innermost driver frame of `at` (a stack the
 * kernel recorded, or a frame), in its function. Undefined when no driver
 * frame is known (the call came from the simulator, or stacks are off).
 */
export function fixAt(at: CapturedStack | Frame | undefined, why: (f: Frame) => string): FixSite | undefined {
  const f = at && ("fn" in at ? at : at.top);
  if (!f) return undefined;
  return Object.freeze({ fn: f.fn, location: f, why: why(f) });
}

/**
 * A double free or unmap: the second call is the line to change, and the
 * first (where the memory stopped being the driver's) is named in the why.
 */
export function secondRelease(stacks: StackTracker, now: CapturedStack | undefined, first: CapturedStack | undefined, what: string): FixSite | undefined {
  const firstAt = first?.top;
  // The second release is devres's at unbind: the driver freed by hand what a devm_/pcim_ call had made devres's.
  if (firstAt && inDevresRelease()) {
    return fixAt(firstAt, (f) => `${f.fn}() releases by hand what a devm_*()/pcim_*() call manages, and the driver's unbind ${what} again; drop this release (devm_kfree() and the like release managed resources early)`);
  }
  return fixAt(now, (f) => `${f.fn}() ${what} a second time${firstAt ? `: it was already released at ${stacks.formatFrame(firstAt)}` : ""}; release it once (and clear the pointer or handle after the first release)`);
}

/**
 * Where the RAM at physical address `pa` was allocated (a kmalloc object, a
 * large kmalloc, a page block), for fixes that belong at the allocation: a
 * buffer that needed GFP_DMA, pages that needed SetPageReserved().
 */
export function allocationOf(k: Kernel, pa: number): CapturedStack | undefined {
  const pfn = Math.floor(pa / PAGE_SIZE);
  const va = k.pages.pageAddressOrZero(pfn);
  const obj = va ? k.slab.objectAt(va + (pa % PAGE_SIZE)) : undefined;
  return (obj?.meta?.alloc ?? (va ? k.slab.largeAt(va)?.alloc : undefined) ?? k.pages.blockOf(pfn)?.alloc)?.stack;
}
