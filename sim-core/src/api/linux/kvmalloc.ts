// kvmalloc() and friends (<linux/slab.h> since 6.x, <linux/mm.h> before):
// kmalloc when it can, vmalloc when it cannot, and kvfree() that frees
// either. As mm/util.c does it: above a page the kmalloc attempt is made
// with __GFP_NOWARN|__GFP_NORETRY, and only a blocking allocation may fall
// back to vmalloc. Memory from here must go back through kvfree(): kfree()
// of a vmalloc'ed fallback is MEM004.

import { KMALLOC_MAX_SIZE } from "../../mm/slab";
import { __GFP_NOFAIL, __GFP_NORETRY, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_ZERO } from "../../mm/gfp";
import { currentKernel, intArg, mightSleepIf } from "../current";

const PAGE_SIZE = 4096, INT_MAX = 0x7fffffff;

/**
 * void *kvmalloc(size_t size, gfp_t flags): physically contiguous if possible, else virtually; NULL (0) when neither.
 *
 * Rules: MEM004 (kfree() or vfree() of it instead of kvfree()); MEM008 (memory leaked at unload); CTX001 (sleeping in atomic context) with GFP_KERNEL.
 */
export function kvmalloc(size: number, flags: number): number {
  const k = currentKernel(), stack = k.stacks.record();
  const n = intArg("kvmalloc", 1, size);
  let gfp = intArg("kvmalloc", 2, flags);
  mightSleepIf(k, "kvmalloc", gfp, stack);
  if (n > PAGE_SIZE) {
    gfp |= __GFP_NOWARN;
    if (!(gfp & __GFP_RETRY_MAYFAIL)) gfp |= __GFP_NORETRY;
    gfp &= ~__GFP_NOFAIL;
  }
  const p = n <= KMALLOC_MAX_SIZE ? k.slab.kmalloc(n, gfp, stack) : 0;
  if (p || n <= PAGE_SIZE) return p;
  // vmalloc cannot do non-blocking allocations.
  if (!(gfp & 0x400) || n > INT_MAX) return 0;
  return k.vmalloc.vmalloc(n, gfp & ~(__GFP_NORETRY | __GFP_NOWARN), stack);
}

/** void *kvzalloc(size_t size, gfp_t flags): kvmalloc(), zeroed. */
export function kvzalloc(size: number, flags: number): number {
  return kvmalloc(intArg("kvzalloc", 1, size), intArg("kvzalloc", 2, flags) | __GFP_ZERO);
}

/** void *kvmalloc_array(size_t n, size_t size, gfp_t flags): NULL when n * size overflows. */
export function kvmalloc_array(n: number, size: number, flags: number): number {
  const a = intArg("kvmalloc_array", 1, n), b = intArg("kvmalloc_array", 2, size);
  if (a < 0 || b < 0 || (b && a > Math.floor(Number.MAX_SAFE_INTEGER / b)) || a * b > 2 ** 63) return 0;
  return kvmalloc(a * b, intArg("kvmalloc_array", 3, flags));
}

/** void *kvcalloc(size_t n, size_t size, gfp_t flags): kvmalloc_array(), zeroed. */
export function kvcalloc(n: number, size: number, flags: number): number {
  return kvmalloc_array(n, size, intArg("kvcalloc", 3, flags) | __GFP_ZERO);
}

/** void kvfree(const void *addr): vfree() for a vmalloc address, kfree() otherwise (NULL is fine). */
export function kvfree(addr: number): void {
  const k = currentKernel(), stack = k.stacks.record();
  const a = intArg("kvfree", 1, addr);
  if (k.vmalloc.isVmallocAddr(a)) k.vmalloc.vfree(a, stack);
  else k.slab.kfree(a, stack);
}
