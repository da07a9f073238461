// <linux/uaccess.h>: the only way kernel code may touch user memory. Each
// call walks current's page tables, faulting pages in; a bad user pointer
// makes it return a short count (or -EFAULT), never an oops.

import type { Kernel } from "../../kernel";
import { currentKernel, currentMm, intArg } from "../current";
import type { Ref } from "../../util/ref";
import { readLE, writeLE, type IoWidth } from "../../mm/iomem";

const EFAULT = 14;

/** CTX002: a kernel address passed where a __user pointer belongs. */
function checkUserPointer(k: Kernel, fn: string, addr: number, n: number): boolean {
  if (k.uaccess.accessOk(addr, n)) return true;
  if (addr < 0 || addr >= k.profile.taskSize) {
    k.violation({
      rule: "CTX002",
      params: { fn: `${fn}()`, problem: "kernel-space", addr: k.px(addr) },
      report: [
        `sparse: warning: incorrect type in argument (different address spaces): ${fn}() was given ${k.px(addr)}, a kernel address, as its __user pointer`,
        `access_ok() fails for it, so ${fn}() copies nothing. Pass the user buffer the system call received; for kernel-to-kernel copies use memcpy().`,
      ],
    });
  }
  return false;
}

/**
 * ```c
 * #define access_ok(addr, size) …
 * ```
 * access_ok(addr, size).
 *
 * Rules: CTX002 (user copy with a bad address).
 */
export function access_ok(addr: number, size: number): boolean {
  return currentKernel().uaccess.accessOk(intArg("access_ok", 1, addr), intArg("access_ok", 2, size));
}

/**
 * ```c
 * unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
 * ```
 * copy_to_user(to, from, n): the number of bytes that could NOT be copied.
 *
 * Rules: CTX001 (sleeping in atomic context); CTX002 (user copy with a bad address); MEM001 (out-of-bounds access); DMA001 (CPU access to a device-owned buffer).
 */
export function copy_to_user(to: number, from: number, n: number): number {
  const k = currentKernel();
  const len = intArg("copy_to_user", 3, n), dst = intArg("copy_to_user", 1, to);
  if (len === 0) return 0;
  if (!checkUserPointer(k, "copy_to_user", dst, len)) return len;
  k.mightSleep("copy_to_user", undefined);
  return k.uaccess.copyToUser(currentMm("copy_to_user"), dst, intArg("copy_to_user", 2, from), len);
}

/**
 * ```c
 * unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
 * ```
 * copy_from_user(to, from, n): the number of bytes that could NOT be copied.
 *
 * Rules: CTX001 (sleeping in atomic context); CTX002 (user copy with a bad address); MEM001 (out-of-bounds access); DMA001 (CPU access to a device-owned buffer).
 */
export function copy_from_user(to: number, from: number, n: number): number {
  const k = currentKernel();
  const len = intArg("copy_from_user", 3, n), src = intArg("copy_from_user", 2, from);
  if (len === 0) return 0;
  if (!checkUserPointer(k, "copy_from_user", src, len)) {
    k.mem.fill(intArg("copy_from_user", 1, to), 0, len, undefined, "copy_from_user");
    return len;
  }
  k.mightSleep("copy_from_user", undefined);
  return k.uaccess.copyFromUser(currentMm("copy_from_user"), intArg("copy_from_user", 1, to), src, len);
}

/**
 * ```c
 * #define get_user(x, ptr) …
 * ```
 * get_user(x, ptr): reads size bytes (default 4) into x.value; 0 or -EFAULT.
 *
 * Rules: CTX001 (sleeping in atomic context); CTX002 (user copy with a bad address).
 */
export function get_user(x: Ref<number | bigint>, ptr: number, size: IoWidth = 4): number {
  const k = currentKernel();
  const p = intArg("get_user", 2, ptr);
  if (!checkUserPointer(k, "get_user", p, size)) { x.value = 0; return -EFAULT; }
  const bytes = k.uaccess.peek(currentMm("get_user"), p, size);
  if (!bytes) { x.value = 0; return -EFAULT; }
  const v = readLE(bytes, 0, size);
  x.value = size === 8 ? v : Number(v);
  return 0;
}

/**
 * ```c
 * #define put_user(x, ptr) …
 * ```
 * put_user(x, ptr): writes size bytes (default 4); 0 or -EFAULT.
 *
 * Rules: CTX001 (sleeping in atomic context); CTX002 (user copy with a bad address).
 */
export function put_user(x: number | bigint, ptr: number, size: IoWidth = 4): number {
  const k = currentKernel();
  const p = intArg("put_user", 2, ptr);
  if (!checkUserPointer(k, "put_user", p, size)) return -EFAULT;
  const b = new Uint8Array(size);
  writeLE(b, 0, size, x);
  return k.uaccess.poke(currentMm("put_user"), p, b) === size ? 0 : -EFAULT;
}

/**
 * ```c
 * unsigned long clear_user(void __user *to, unsigned long n)
 * ```
 * clear_user(to, n): bytes NOT cleared.
 *
 * Rules: CTX001 (sleeping in atomic context); CTX002 (user copy with a bad address).
 */
export function clear_user(to: number, n: number): number {
  const k = currentKernel();
  const len = intArg("clear_user", 2, n), dst = intArg("clear_user", 1, to);
  if (!checkUserPointer(k, "clear_user", dst, len)) return len;
  return len - k.uaccess.poke(currentMm("clear_user"), dst, new Uint8Array(len));
}

/**
 * ```c
 * long strncpy_from_user(char *dst, const char __user *src, long count)
 * ```
 * strncpy_from_user(dst, src, count): the string's length, or -EFAULT.
 *
 * Rules: CTX001 (sleeping in atomic context); CTX002 (user copy with a bad address); MEM001 (out-of-bounds access).
 */
export function strncpy_from_user(dst: number, src: number, count: number): number {
  const k = currentKernel();
  const s = intArg("strncpy_from_user", 2, src), n = intArg("strncpy_from_user", 3, count);
  if (!checkUserPointer(k, "strncpy_from_user", s, 1)) return -EFAULT;
  const mm = currentMm("strncpy_from_user");
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = k.uaccess.peek(mm, s + i, 1);
    if (!b) return -EFAULT;
    out.push(b[0]);
    if (b[0] === 0) break;
  }
  k.mem.write(intArg("strncpy_from_user", 1, dst), Uint8Array.from(out), undefined, "strncpy_from_user");
  return out[out.length - 1] === 0 ? out.length - 1 : out.length;
}
