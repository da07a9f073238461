// <linux/printk.h>: the kernel log, and snprintf() into kernel memory.

import { KERN_ALERT, KERN_CONT, KERN_CRIT, KERN_DEBUG, KERN_DEFAULT, KERN_EMERG, KERN_ERR, KERN_INFO, KERN_NOTICE, KERN_SOH, KERN_WARNING } from "../../kernel/printk";
import { currentKernel, here, intArg } from "../current";

export { KERN_ALERT, KERN_CONT, KERN_CRIT, KERN_DEBUG, KERN_DEFAULT, KERN_EMERG, KERN_ERR, KERN_INFO, KERN_NOTICE, KERN_SOH, KERN_WARNING };

export function printk(fmt: string, ...args: unknown[]): void {
  currentKernel().printk(String(fmt), ...args);
}

const at = (level: string) => (fmt: string, ...args: unknown[]): void => printk(level + String(fmt), ...args);
export const pr_emerg = at(KERN_EMERG);
export const pr_alert = at(KERN_ALERT);
export const pr_crit = at(KERN_CRIT);
export const pr_err = at(KERN_ERR);
export const pr_warn = at(KERN_WARNING);
export const pr_notice = at(KERN_NOTICE);
export const pr_info = at(KERN_INFO);
/** pr_debug() is compiled in here (as with DEBUG defined): it logs at KERN_DEBUG. */
export const pr_debug = at(KERN_DEBUG);
export const pr_cont = at(KERN_CONT);

/** snprintf(): writes at most size bytes (with the terminator) to buf; returns the full length. */
export function snprintf(buf: number, size: number, fmt: string, ...args: unknown[]): number {
  const k = currentKernel();
  const text = new TextEncoder().encode(k.format(String(fmt), args));
  const n = intArg("snprintf", 2, size);
  if (n > 0) {
    const len = Math.min(text.length, n - 1);
    const out = new Uint8Array(len + 1);
    out.set(text.subarray(0, len));
    k.mem.write(intArg("snprintf", 1, buf), out, undefined, "snprintf");
  }
  return text.length;
}

/** scnprintf(): like snprintf() but returns what was written. */
export function scnprintf(buf: number, size: number, fmt: string, ...args: unknown[]): number {
  const full = snprintf(buf, size, fmt, ...args);
  return Math.max(0, Math.min(full, size - 1));
}

export function dump_stack(): void {
  const k = currentKernel();
  for (const l of k.dumpStackHeader(here(k))) k.printk(`\x014${l}\n`);
}
