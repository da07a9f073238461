// <linux/string.h>: the byte and string helpers, each a checked CPU access.

import { currentKernel, intArg } from "../current";

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

export function memcpy(dest: number, src: number, n: number): number {
  return copy("memcpy", dest, src, n);
}

/** memmove(): overlapping ranges are fine (memcpy() copies the same way here, though C leaves it undefined). */
export function memmove(dest: number, src: number, n: number): number {
  return copy("memmove", dest, src, n);
}

export function memcmp(a: number, b: number, n: number): number {
  const k = currentKernel();
  const stack = undefined, len = intArg("memcmp", 3, n);
  const x = k.mem.read(intArg("memcmp", 1, a), len, stack, "memcmp"), y = k.mem.read(intArg("memcmp", 2, b), len, stack, "memcmp");
  for (let i = 0; i < len; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** strnlen(): reads byte by byte, so a missing terminator is caught at the end of the object. */
export function strnlen(s: number, maxlen: number): number {
  const k = currentKernel();
  const stack = undefined, a = intArg("strnlen", 1, s), max = intArg("strnlen", 2, maxlen);
  let n = 0;
  while (n < max && Number(k.mem.load(a + n, 1, stack, "strnlen")) !== 0) n++;
  return n;
}

export function strlen(s: number): number {
  return strnlen(s, Number.MAX_SAFE_INTEGER);
}

function bytesOf(src: number | string, fn: string): Uint8Array {
  if (typeof src === "string") return new TextEncoder().encode(src);
  const k = currentKernel();
  const a = intArg(fn, 2, src);
  return k.mem.read(a, strlen(a), undefined, fn);
}

/** strcpy(): src is a kernel address or, for a C string literal, a JS string. */
export function strcpy(dest: number, src: number | string): number {
  const k = currentKernel();
  const d = intArg("strcpy", 1, dest), bytes = bytesOf(src, "strcpy");
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  k.mem.write(d, out, undefined, "strcpy");
  return d;
}

/** strscpy(): copies at most size - 1 bytes and terminates; -E2BIG (-7) when truncated. */
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
