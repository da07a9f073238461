// <linux/string.h>: the byte and string helpers, each a checked CPU access.

import { currentKernel, intArg } from "../current";

/**
 * ```c
 * void *memset(void *s, int c, size_t n)
 * ```
 * Fills n bytes at s with the byte c; returns s. RAM only (memset_io() for device memory), within one object.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer).
 */
export function memset(s: number, c: number, n: number): number {
  const k = currentKernel();
  const addr = intArg("memset", 1, s);
  k.mem.fill(addr, intArg("memset", 2, c), intArg("memset", 3, n), undefined, "memset");
  return addr;
}

function copy(fn: string, dest: number, src: number, n: number): number {
  const k = currentKernel();
  const d = intArg(fn, 1, dest);
  k.mem.copy(d, intArg(fn, 2, src), intArg(fn, 3, n), undefined, fn);
  return d;
}

/**
 * ```c
 * void *memcpy(void *dest, const void *src, size_t n)
 * ```
 * Copies n bytes; returns dest. Both ranges within live objects; never device memory (memcpy_toio()/memcpy_fromio()) or user memory (copy_to_user()).
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer); CTX002 (user copy with a bad address).
 */
export function memcpy(dest: number, src: number, n: number): number {
  return copy("memcpy", dest, src, n);
}

/**
 * ```c
 * void *memmove(void *dest, const void *src, size_t count)
 * ```
 * memmove(): overlapping ranges are fine (memcpy() copies the same way here, though C leaves it undefined).
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); DMA001 (CPU access to a device-owned buffer).
 */
export function memmove(dest: number, src: number, n: number): number {
  return copy("memmove", dest, src, n);
}

/**
 * ```c
 * int memcmp(const void *cs, const void *ct, size_t count)
 * ```
 * Compares n bytes: <0, 0 or >0.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); DMA001 (CPU access to a device-owned buffer).
 */
export function memcmp(a: number, b: number, n: number): number {
  const k = currentKernel();
  const stack = undefined, len = intArg("memcmp", 3, n);
  const x = k.mem.read(intArg("memcmp", 1, a), len, stack, "memcmp"), y = k.mem.read(intArg("memcmp", 2, b), len, stack, "memcmp");
  for (let i = 0; i < len; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/**
 * ```c
 * size_t strnlen(const char *s, size_t count)
 * ```
 * strnlen(): reads byte by byte, so a missing terminator is caught at the end of the object.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function strnlen(s: number, maxlen: number): number {
  const k = currentKernel();
  const stack = undefined, a = intArg("strnlen", 1, s), max = intArg("strnlen", 2, maxlen);
  let n = 0;
  while (n < max && Number(k.mem.load(a + n, 1, stack, "strnlen")) !== 0) n++;
  return n;
}

/**
 * ```c
 * size_t strlen(const char *s)
 * ```
 * The length of a NUL-terminated string. A missing terminator reads past the object.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function strlen(s: number): number {
  return strnlen(s, Number.MAX_SAFE_INTEGER);
}

function bytesOf(src: number | string, fn: string): Uint8Array {
  if (typeof src === "string") return new TextEncoder().encode(src);
  const k = currentKernel();
  const a = intArg(fn, 2, src);
  return k.mem.read(a, strlen(a), undefined, fn);
}

/**
 * ```c
 * char *strcpy(char *dest, const char *src)
 * ```
 * strcpy(): src is a kernel address or, for a C string literal, a JS string.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function strcpy(dest: number, src: number | string): number {
  const k = currentKernel();
  const d = intArg("strcpy", 1, dest), bytes = bytesOf(src, "strcpy");
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  k.mem.write(d, out, undefined, "strcpy");
  return d;
}

/**
 * ```c
 * ssize_t strscpy(char *dest, const char *src, size_t count)
 * ```
 * strscpy(): copies at most size - 1 bytes and terminates; -E2BIG (-7) when truncated.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function strscpy(dest: number, src: number | string, size: number): number {
  const k = currentKernel();
  const d = intArg("strscpy", 1, dest), n = intArg("strscpy", 3, size);
  if (n <= 0) return -7;
  // Like lib/string.c, read no more than size bytes of the source: it need not be terminated.
  let bytes: Uint8Array;
  if (typeof src === "string") bytes = new TextEncoder().encode(src);
  else {
    const a = intArg("strscpy", 2, src);
    bytes = k.mem.read(a, strnlen(a, n), undefined, "strscpy");
  }
  const len = Math.min(bytes.length, n - 1);
  const out = new Uint8Array(len + 1);
  out.set(bytes.subarray(0, len));
  k.mem.write(d, out, undefined, "strscpy");
  return bytes.length > len ? -7 : len;
}

/**
 * ```c
 * int strcmp(const char *cs, const char *ct)
 * ```
 * Compares two NUL-terminated strings: <0, 0 or >0.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function strcmp(a: number, b: number): number {
  const k = currentKernel();
  const x = bytesOf(intArg("strcmp", 1, a), "strcmp"), y = bytesOf(intArg("strcmp", 2, b), "strcmp");
  for (let i = 0; i <= Math.min(x.length, y.length); i++) {
    const cx = x[i] ?? 0, cy = y[i] ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
  void k;
  return 0;
}
