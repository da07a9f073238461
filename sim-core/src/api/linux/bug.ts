// <asm-generic/bug.h>: WARN_ON() logs and goes on; BUG_ON() stops the task.

import { currentKernel, here } from "../current";

export function WARN_ON(condition: unknown): boolean {
  if (condition) {
    const k = currentKernel();
    k.warn(undefined, here(k));
  }
  return !!condition;
}

export function WARN(condition: unknown, fmt: string, ...args: unknown[]): boolean {
  if (condition) {
    const k = currentKernel();
    k.warn(k.format(String(fmt), args).replace(/\n$/, ""), here(k));
  }
  return !!condition;
}

export function BUG_ON(condition: unknown): void {
  if (!condition) return;
  const k = currentKernel();
  k.bug(here(k));
}

export function BUG(): never {
  const k = currentKernel();
  return k.bug(here(k));
}
