// The kernel a driver's calls go to. Like Linux's globals, the driver API is
// a set of free functions; they act on the kernel bound here (one per run).

import type { Kernel } from "../kernel";
import { Page } from "../mm/memmap";
import type { CapturedStack } from "../kernel/stack";
import { setLayout } from "./asm/page";

let bound: Kernel | undefined;

export function bindKernel(k: Kernel | undefined): void {
  bound = k;
  setLayout(k?.profile);
}

export function currentKernel(): Kernel {
  if (!bound) throw new Error("no simulated kernel is running: boot one with Kernel.boot() and bindKernel() it first");
  return bound;
}

/** Runs fn with k bound, restoring whatever was bound before. */
export function withKernel<T>(k: Kernel, fn: () => T): T {
  const prev = bound;
  bindKernel(k);
  try {
    return fn();
  } finally {
    bindKernel(prev);
  }
}

export function here(k: Kernel): CapturedStack | undefined {
  return k.stacks.capture();
}

function describe(v: unknown): string {
  if (v === null) return "NULL";
  if (v instanceof Page) return `struct page (pfn 0x${v.pfn.toString(16)})`;
  if (typeof v === "number") return `the number ${v}`;
  return typeof v;
}

/** A struct page argument, or a TypeError naming the function and the argument. */
export function pageArg(fn: string, index: number, v: unknown): Page {
  if (v instanceof Page) return v;
  throw new TypeError(`${fn}(): argument ${index} must be a struct page (from alloc_page(), virt_to_page() or pfn_to_page()), got ${describe(v)}`);
}

/** An integer argument (address, size, flags); bigint and numeric strings are accepted. */
export function intArg(fn: string, index: number, v: unknown): number {
  const n = typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : NaN;
  if (!Number.isFinite(n)) throw new TypeError(`${fn}(): argument ${index} must be an integer, got ${describe(v)}`);
  return Math.trunc(n);
}

/**
 * An unsigned long (a pfn, a physical address). A negative number is what
 * `addr >> PAGE_SHIFT` gives in JavaScript for an address at or above 2 GiB
 * (>> is a signed 32-bit shift): refused, rather than mapping some other frame.
 */
export function ulongArg(fn: string, index: number, v: unknown): number {
  const n = intArg(fn, index, v);
  if (n < 0) {
    throw new TypeError(`${fn}(): argument ${index} is an unsigned long, got ${n} (-0x${(-n).toString(16)}): a >> on an address at or above 2 GiB sign-extends in JavaScript; use PHYS_PFN(addr) or PFN_DOWN(addr) for a pfn`);
  }
  return n;
}

/** might_sleep_if(gfpflags_allow_blocking(gfp)). */
export function mightSleepIf(k: Kernel, fn: string, gfp: number, stack: CapturedStack | undefined): void {
  if (gfp & 0x400) k.mightSleep(fn, stack);
}

/** The Task running now (current), with an address space. */
export function currentMm(fn: string): import("../mm/mm_struct").MmStruct {
  const k = currentKernel();
  const mm = k.current.mm;
  if (!mm) throw new Error(`${fn}(): current (${k.current.comm}) is a kernel thread with no mm`);
  return mm;
}
