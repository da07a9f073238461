// <asm-generic/bug.h>: WARN_ON() logs and goes on; BUG_ON() stops the task.

import { currentKernel, here } from "../current";

/**
 * ```c
 * #define WARN_ON(condition) ({ int __ret = !!(condition); if (unlikely(__ret)) __WARN(); unlikely(__ret); })
 * ```
 * Prints a `WARNING: CPU: … at <file>:<line>` splat with a backtrace when condition is true, and returns the condition so it can guard an early return.
 */
export function WARN_ON(condition: unknown): boolean {
  if (condition) {
    const k = currentKernel();
    k.warn(undefined, here(k));
  }
  return !!condition;
}

/**
 * ```c
 * #define WARN(condition, format...)
 * ```
 * As WARN_ON(), with a printk-style message printed first.
 */
export function WARN(condition: unknown, fmt: string, ...args: unknown[]): boolean {
  if (condition) {
    const k = currentKernel();
    k.warn(k.format(String(fmt), args).replace(/\n$/, ""), here(k));
  }
  return !!condition;
}

/**
 * ```c
 * #define BUG_ON(condition) do { if (unlikely(condition)) BUG(); } while (0)
 * ```
 * Oopses (`kernel BUG at <file>:<line>!`) when condition is true: the calling task dies. Prefer WARN_ON() and an error return.
 */
export function BUG_ON(condition: unknown): void {
  if (!condition) return;
  const k = currentKernel();
  k.bug(here(k));
}

/**
 * ```c
 * #define BUG() do { … } while (1)
 * ```
 * Oopses unconditionally: `kernel BUG at <file>:<line>!`, then the task is killed.
 */
export function BUG(): never {
  const k = currentKernel();
  return k.bug(here(k));
}
