// <linux/err.h>: errors encoded in the top 4095 values of a pointer.

import { currentKernel } from "../current";

/**
 * ```c
 * #define MAX_ERRNO 4095
 * ```
 * The largest errno an ERR_PTR() can carry: the top 4095 addresses are error values.
 */
export const MAX_ERRNO = 4095;

/**
 * ```c
 * static inline void *ERR_PTR(long error)
 * ```
 * ERR_PTR(-ENOMEM): on 64-bit the signed value is the pointer; on i386 it wraps to the top of 4 GiB.
 */
export function ERR_PTR(error: number): number {
  return currentKernel().profile.bits === 64 ? error : (error + 2 ** 32) % 2 ** 32;
}

/**
 * ```c
 * static inline long PTR_ERR(const void *ptr)
 * ```
 * The negative errno an ERR_PTR() carries. Only meaningful when IS_ERR(ptr).
 */
export function PTR_ERR(ptr: number): number {
  return currentKernel().profile.bits === 64 ? ptr : ptr - 2 ** 32;
}

/**
 * ```c
 * #define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
 * ```
 * True when x lies in the error range (the top MAX_ERRNO values).
 */
export function IS_ERR_VALUE(x: number): boolean {
  const e = PTR_ERR(x);
  return e < 0 && e >= -MAX_ERRNO;
}

/**
 * ```c
 * static inline bool IS_ERR(const void *ptr)
 * ```
 * True when ptr is an ERR_PTR() error value rather than a pointer. NULL is not an error here: use IS_ERR_OR_NULL() for functions that may return either.
 */
export function IS_ERR(ptr: number): boolean {
  return IS_ERR_VALUE(ptr);
}

/**
 * ```c
 * static inline bool IS_ERR_OR_NULL(const void *ptr)
 * ```
 * True for NULL or an ERR_PTR() value.
 */
export function IS_ERR_OR_NULL(ptr: number | null | undefined): boolean {
  return !ptr || IS_ERR_VALUE(ptr);
}

/**
 * ```c
 * static inline int PTR_ERR_OR_ZERO(const void *ptr)
 * ```
 * PTR_ERR(ptr) when ptr is an error value, else 0.
 */
export function PTR_ERR_OR_ZERO(ptr: number): number {
  return IS_ERR(ptr) ? PTR_ERR(ptr) : 0;
}
