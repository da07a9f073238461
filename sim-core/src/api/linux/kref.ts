// <linux/kref.h>: reference counts for objects with a release function.
// kref_get() on an object whose count reached zero, or kref_put() past
// zero, is refcount_t's saturation warning ("refcount_t: addition on 0;
// use-after-free." / "underflow; use-after-free."): the object has been
// released, or is about to be released twice.

import { currentKernel, here } from "../current";

/** struct kref. */
export class kref {
  /** kref->refcount: the reference count (kref_get()/kref_put()); the release runs when it reaches 0. */
  refcount = 0;
}

function krefArg(fn: string, v: unknown): kref {
  if (v instanceof kref) return v;
  throw new TypeError(`${fn}(): argument 1 must be a struct kref (new kref()), got ${v === null ? "NULL" : typeof v}`);
}

/** refcount_t's saturation value: after a warning the count is pinned here and never reaches zero again. */
const REFCOUNT_SATURATED = 0xc0000000 | 0;

function saturate(r: kref, what: string): void {
  const k = currentKernel();
  k.warn(`refcount_t: ${what}; use-after-free.`, here(k));
  r.refcount = REFCOUNT_SATURATED;
}

/** void kref_init(struct kref *kref): the count starts at 1 (the creator's reference). */
export function kref_init(r: kref): void { krefArg("kref_init", r).refcount = 1; }

/** unsigned int kref_read(const struct kref *kref). */
export function kref_read(r: kref): number { return krefArg("kref_read", r).refcount >>> 0; }

/** void kref_get(struct kref *kref): one more reference; on a released object (count 0) it warns and saturates. */
export function kref_get(r: kref): void {
  const x = krefArg("kref_get", r);
  if (x.refcount === REFCOUNT_SATURATED) return;
  if (x.refcount === 0) return saturate(x, "addition on 0");
  x.refcount++;
}

/** int kref_get_unless_zero(struct kref *kref): 1 and a reference, or 0 when the object is already being released. */
export function kref_get_unless_zero(r: kref): number {
  const x = krefArg("kref_get_unless_zero", r);
  if (x.refcount === 0) return 0;
  if (x.refcount !== REFCOUNT_SATURATED) x.refcount++;
  return 1;
}

/**
 * int kref_put(struct kref *kref, void (*release)(struct kref *kref)):
 * drops a reference; the last one calls release() and returns 1. A put
 * with no reference left is an underflow (warned, nothing released again).
 */
export function kref_put(r: kref, release: (r: kref) => void): number {
  const x = krefArg("kref_put", r);
  if (typeof release !== "function") throw new TypeError("kref_put(): argument 2 must be the release function");
  if (x.refcount === REFCOUNT_SATURATED) return 0;
  if (x.refcount <= 0) {
    saturate(x, "underflow");
    return 0;
  }
  if (--x.refcount === 0) {
    release(x);
    return 1;
  }
  return 0;
}
