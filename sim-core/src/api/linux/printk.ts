// <linux/printk.h>: the kernel log, and snprintf() into kernel memory.

import { KERN_ALERT, KERN_CONT, KERN_CRIT, KERN_DEBUG, KERN_DEFAULT, KERN_EMERG, KERN_ERR, KERN_INFO, KERN_NOTICE, KERN_SOH, KERN_WARNING } from "../../kernel/printk";
import { currentKernel, here, intArg } from "../current";

export { KERN_ALERT, KERN_CONT, KERN_CRIT, KERN_DEBUG, KERN_DEFAULT, KERN_EMERG, KERN_ERR, KERN_INFO, KERN_NOTICE, KERN_SOH, KERN_WARNING };

/**
 * ```c
 * int printk(const char *fmt, ...)
 * ```
 * Logs a message to the kernel log; start fmt with a KERN_* level (`KERN_INFO + "…"`). %p prints a hashed pointer, %px the raw one, %pa a phys_addr_t, %pad a dma_addr_t.
 */
export function printk(fmt: string, ...args: unknown[]): void {
  currentKernel().printk(String(fmt), ...args);
}

const at = (level: string) => (fmt: string, ...args: unknown[]): void => printk(level + String(fmt), ...args);
/**
 * ```c
 * #define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * printk() at KERN_EMERG.
 */
export const pr_emerg = at(KERN_EMERG);
/**
 * ```c
 * #define pr_alert(fmt, ...) printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * printk() at KERN_ALERT.
 */
export const pr_alert = at(KERN_ALERT);
/**
 * ```c
 * #define pr_crit(fmt, ...) printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * printk() at KERN_CRIT.
 */
export const pr_crit = at(KERN_CRIT);
/**
 * ```c
 * #define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * printk() at KERN_ERR.
 */
export const pr_err = at(KERN_ERR);
/**
 * ```c
 * #define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * printk() at KERN_WARNING.
 */
export const pr_warn = at(KERN_WARNING);
/**
 * ```c
 * #define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * printk() at KERN_NOTICE.
 */
export const pr_notice = at(KERN_NOTICE);
/**
 * ```c
 * #define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * printk() at KERN_INFO.
 */
export const pr_info = at(KERN_INFO);
/**
 * ```c
 * #define pr_debug(fmt, ...) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
 * ```
 * pr_debug() is compiled in here (as with DEBUG defined): it logs at KERN_DEBUG.
 */
export const pr_debug = at(KERN_DEBUG);
/**
 * ```c
 * #define pr_cont(fmt, ...) printk(KERN_CONT fmt, ##__VA_ARGS__)
 * ```
 * Continues the previous log line (KERN_CONT).
 */
export const pr_cont = at(KERN_CONT);

/**
 * ```c
 * int snprintf(char *buf, size_t size, const char *fmt, ...)
 * ```
 * snprintf(): writes at most size bytes (with the terminator) to buf; returns the full length.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
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

/**
 * ```c
 * int scnprintf(char *buf, size_t size, const char *fmt, ...)
 * ```
 * scnprintf(): like snprintf() but returns what was written.
 *
 * Rules: MEM001 (out-of-bounds access).
 */
export function scnprintf(buf: number, size: number, fmt: string, ...args: unknown[]): number {
  const full = snprintf(buf, size, fmt, ...args);
  return Math.max(0, Math.min(full, size - 1));
}

/**
 * ```c
 * void dump_stack(void)
 * ```
 * Prints the current call stack to the kernel log (`Call Trace:`).
 */
export function dump_stack(): void {
  const k = currentKernel();
  for (const l of k.dumpStackHeader(here(k))) k.printk(`\x014${l}\n`);
}
