// <linux/uio.h>: copying between a kernel buffer and the user iovecs of a
// read_iter/write_iter request.

import { IovIter } from "../../fs/kiocb";
import { currentKernel, currentMm, intArg } from "../current";

export type iov_iter = IovIter;

/**
 * ```c
 * static inline size_t iov_iter_count(const struct iov_iter *i)
 * ```
 * The bytes left in the iterator (for read_iter/write_iter: what the caller asked for).
 */
export function iov_iter_count(i: IovIter): number {
  return i.count;
}

function walk(i: IovIter, bytes: number, fn: (userAddr: number, off: number, n: number) => number): number {
  let done = 0;
  while (done < bytes && i.seg < i.iov.length) {
    const seg = i.iov[i.seg];
    const n = Math.min(bytes - done, seg.len - i.segOffset);
    const ok = fn(seg.base + i.segOffset, done, n);
    done += ok;
    i.segOffset += ok;
    i.count -= ok;
    if (ok < n) break;
    if (i.segOffset === seg.len) { i.seg++; i.segOffset = 0; }
  }
  return done;
}

/**
 * ```c
 * size_t copy_to_iter(const void *addr, size_t bytes, struct iov_iter *i)
 * ```
 * copy_to_iter(addr, bytes, i): kernel → user; the bytes copied.
 *
 * Rules: CTX001 (sleeping in atomic context); MEM001 (out-of-bounds access).
 */
export function copy_to_iter(addr: number, bytes: number, i: IovIter): number {
  const k = currentKernel();
  const mm = currentMm("copy_to_iter");
  const src = intArg("copy_to_iter", 1, addr);
  return walk(i, Math.min(intArg("copy_to_iter", 2, bytes), i.count), (u, off, n) => n - k.uaccess.copyToUser(mm, u, src + off, n));
}

/**
 * ```c
 * size_t copy_from_iter(void *addr, size_t bytes, struct iov_iter *i)
 * ```
 * copy_from_iter(addr, bytes, i): user → kernel; the bytes copied.
 *
 * Rules: CTX001 (sleeping in atomic context); MEM001 (out-of-bounds access).
 */
export function copy_from_iter(addr: number, bytes: number, i: IovIter): number {
  const k = currentKernel();
  const mm = currentMm("copy_from_iter");
  const dst = intArg("copy_from_iter", 1, addr);
  return walk(i, Math.min(intArg("copy_from_iter", 2, bytes), i.count), (u, off, n) => n - k.uaccess.copyFromUser(mm, dst + off, u, n));
}
