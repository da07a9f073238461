// <linux/err.h>: errors encoded in the top 4095 values of a pointer.

import { currentKernel } from "../current";

export const MAX_ERRNO = 4095;

/** ERR_PTR(-ENOMEM): on 64-bit the signed value is the pointer; on i386 it wraps to the top of 4 GiB. */
export function ERR_PTR(error: number): number {
  return currentKernel().profile.bits === 64 ? error : (error + 2 ** 32) % 2 ** 32;
}

export function PTR_ERR(ptr: number): number {
  return currentKernel().profile.bits === 64 ? ptr : ptr - 2 ** 32;
}

export function IS_ERR_VALUE(x: number): boolean {
  const e = PTR_ERR(x);
  return e < 0 && e >= -MAX_ERRNO;
}

export function IS_ERR(ptr: number): boolean {
  return IS_ERR_VALUE(ptr);
}

export function IS_ERR_OR_NULL(ptr: number | null | undefined): boolean {
  return !ptr || IS_ERR_VALUE(ptr);
}

export function PTR_ERR_OR_ZERO(ptr: number): number {
  return IS_ERR(ptr) ? PTR_ERR(ptr) : 0;
}
