// <linux/device.h> and <linux/dev_printk.h>: a struct device's name, its
// driver data, and log lines that say which driver and device they are
// about: "<driver> <device>: message", as dev_printk() prints them.

import { Device } from "../../dev/device";
import { KERN_DEBUG, KERN_ERR, KERN_INFO, KERN_NOTICE, KERN_WARNING, KERN_CRIT, KERN_ALERT, KERN_EMERG } from "../../kernel/printk";
import { currentKernel } from "../current";

export { Device };
export type device = Device;

function devArg(fn: string, dev: unknown): Device {
  if (dev instanceof Device) return dev;
  throw new TypeError(`${fn}(): argument 1 must be a struct device (pdev.dev), got ${dev === null ? "NULL" : typeof dev}`);
}

/**
 * ```c
 * const char *dev_name(const struct device *dev)
 * ```
 * dev_name(): the bus address, "0000:00:04.0".
 */
export function dev_name(dev: Device): string { return devArg("dev_name", dev).name; }

/**
 * ```c
 * const char *dev_driver_string(const struct device *dev)
 * ```
 * dev_driver_string(): the bound driver's name, or the bus's ("pci") when none is bound.
 */
export function dev_driver_string(dev: Device): string {
  return devArg("dev_driver_string", dev).driver?.name ?? "pci";
}

/**
 * ```c
 * void dev_set_drvdata(struct device *dev, void *data)
 * ```
 * Stores the driver's private data in the device (read back with dev_get_drvdata(), typically in remove()).
 */
export function dev_set_drvdata(dev: Device, data: unknown): void { devArg("dev_set_drvdata", dev).driver_data = data; }
/**
 * ```c
 * void *dev_get_drvdata(const struct device *dev)
 * ```
 * The private data stored with dev_set_drvdata(), or NULL.
 */
export function dev_get_drvdata<T = unknown>(dev: Device): T { return devArg("dev_get_drvdata", dev).driver_data as T; }

function at(level: string, fn: string) {
  return (dev: Device, fmt: string, ...args: unknown[]): void => {
    const d = devArg(fn, dev);
    const k = currentKernel();
    k.printk(`${level}${d.driver?.name ?? "pci"} ${d.name}: ${k.format(String(fmt), args)}`);
  };
}

/**
 * ```c
 * #define dev_emerg(dev, fmt, ...) dev_printk(KERN_EMERG, dev, fmt, ...)
 * ```
 * Logs at KERN_EMERG, prefixed with the driver and device name (`nic 0000:00:03.0: …`).
 */
export const dev_emerg = at(KERN_EMERG, "dev_emerg");
/**
 * ```c
 * #define dev_alert(dev, fmt, ...) dev_printk(KERN_ALERT, dev, fmt, ...)
 * ```
 * Logs at KERN_ALERT, prefixed with the driver and device name.
 */
export const dev_alert = at(KERN_ALERT, "dev_alert");
/**
 * ```c
 * #define dev_crit(dev, fmt, ...) dev_printk(KERN_CRIT, dev, fmt, ...)
 * ```
 * Logs at KERN_CRIT, prefixed with the driver and device name.
 */
export const dev_crit = at(KERN_CRIT, "dev_crit");
/**
 * ```c
 * #define dev_err(dev, fmt, ...) dev_printk(KERN_ERR, dev, fmt, ...)
 * ```
 * Logs at KERN_ERR, prefixed with the driver and device name (`edu 0000:00:04.0: …`).
 */
export const dev_err = at(KERN_ERR, "dev_err");
/**
 * ```c
 * #define dev_warn(dev, fmt, ...) dev_printk(KERN_WARNING, dev, fmt, ...)
 * ```
 * Logs at KERN_WARNING, prefixed with the driver and device name.
 */
export const dev_warn = at(KERN_WARNING, "dev_warn");
/**
 * ```c
 * #define dev_notice(dev, fmt, ...) dev_printk(KERN_NOTICE, dev, fmt, ...)
 * ```
 * Logs at KERN_NOTICE, prefixed with the driver and device name.
 */
export const dev_notice = at(KERN_NOTICE, "dev_notice");
/**
 * ```c
 * #define dev_info(dev, fmt, ...) dev_printk(KERN_INFO, dev, fmt, ...)
 * ```
 * Logs at KERN_INFO, prefixed with the driver and device name.
 */
export const dev_info = at(KERN_INFO, "dev_info");
/**
 * ```c
 * #define dev_dbg(dev, fmt, ...) dev_printk(KERN_DEBUG, dev, fmt, ...)
 * ```
 * dev_dbg() is compiled in (as with DEBUG defined): it logs at KERN_DEBUG.
 */
export const dev_dbg = at(KERN_DEBUG, "dev_dbg");

/**
 * ```c
 * void dev_printk(const char *level, const struct device *dev, const char *fmt, ...)
 * ```
 * dev_printk(level, dev, fmt, ...).
 */
export function dev_printk(level: string, dev: Device, fmt: string, ...args: unknown[]): void {
  at(String(level), "dev_printk")(dev, fmt, ...args);
}

// Managed resources (drivers/base/devres.c).
export { devm_kmalloc, devm_kzalloc, devm_kcalloc, devm_kfree, devm_add_action, devm_add_action_or_reset } from "./devres";
