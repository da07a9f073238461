// <asm-generic/bug.h>: WARN_ON() logs and goes on; BUG_ON() stops the task.

import { KernelOops } from "../../kernel/report";
import { currentKernel, here } from "../current";

export function WARN_ON(condition: unknown): boolean {
  if (condition) {
    const k = currentKernel();
    k.warn("WARN_ON(condition)", here(k));
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
  const stack = here(k);
  const where = k.stacks.symbol(stack);
  const report = ["------------[ cut here ]------------", `kernel BUG at ${where}!`, "invalid opcode: 0000 [#1] PREEMPT SMP KASAN", ...k.dumpStackHeader(stack, "BUG_ON")];
  for (const l of report) k.printk(`\x014${l}\n`);
  throw new KernelOops(`kernel BUG at ${where}!`, 0, report, stack?.top, "MEM005");
}

export function BUG(): never {
  BUG_ON(true);
  throw new Error("unreachable");
}
