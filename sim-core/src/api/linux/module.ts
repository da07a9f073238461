// <linux/module.h> and <linux/moduleparam.h>. These run while the driver's
// code is being loaded: at the top level of its source, as in C.

import type { Module, ModuleParamType, ModuleParamValue } from "../../kernel/module";
import { currentKernel } from "../current";
import { Modules } from "../../kernel/modules";

export type module = Module;

/** THIS_MODULE: the module being loaded, while its code is evaluated (for file_operations.owner). */
export let THIS_MODULE: Module | null = null;
Modules.loadingHooks.add((m) => { THIS_MODULE = m; });

/**
 * ```c
 * #define module_init(initfn) …
 * ```
 * Names the module's init function, run at insmod: 0 to load, -errno to refuse (and then it must have undone everything it did).
 *
 * Rules: DMA020 (DMA still live at driver unload); MEM008 (memory leaked at unload).
 */
export function module_init(fn: () => number): void {
  currentKernel().modules.registering("module_init").init = fn;
}

/**
 * ```c
 * #define module_exit(exitfn) …
 * ```
 * Names the function run at rmmod: it must release every mapping, buffer, region and registration the module still holds.
 *
 * Rules: DMA020 (DMA still live at driver unload); MEM008 (memory leaked at unload).
 */
export function module_exit(fn: () => void): void {
  currentKernel().modules.registering("module_exit").exit = fn;
}

/**
 * ```c
 * #define module_param(name, type, perm) …
 * ```
 * module_param(name, type, perm) with the default C gives the variable: returns the value insmod passed, or def.
 */
export function module_param(name: string, type: ModuleParamType, def: number, perm: number): number;
/**
 * ```c
 * #define module_param(name, type, perm) …
 * ```
 */
export function module_param(name: string, type: ModuleParamType, def: boolean, perm: number): boolean;
/**
 * ```c
 * #define module_param(name, type, perm) …
 * ```
 */
export function module_param(name: string, type: ModuleParamType, def: string, perm: number): string;
/**
 * ```c
 * #define module_param(name, type, perm) …
 * ```
 */
export function module_param(name: string, type: ModuleParamType, def: ModuleParamValue, perm: number): ModuleParamValue {
  return currentKernel().modules.param(name, type, def, perm);
}

/**
 * ```c
 * #define MODULE_LICENSE(_license) MODULE_INFO(license, _license)
 * ```
 * Declares the module's license ("GPL", "Dual MIT/GPL", …); without a GPL-compatible one the kernel is tainted.
 */
export function MODULE_LICENSE(l: string): void { currentKernel().modules.registering("MODULE_LICENSE").license = l; }
/**
 * ```c
 * #define MODULE_AUTHOR(_author) MODULE_INFO(author, _author)
 * ```
 * Records the module's author (modinfo).
 */
export function MODULE_AUTHOR(a: string): void { currentKernel().modules.registering("MODULE_AUTHOR").author = a; }
/**
 * ```c
 * #define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
 * ```
 * Records what the module is (modinfo).
 */
export function MODULE_DESCRIPTION(d: string): void { currentKernel().modules.registering("MODULE_DESCRIPTION").description = d; }
/**
 * ```c
 * #define MODULE_PARM_DESC(_parm, desc) …
 * ```
 * Describes a module parameter for modinfo.
 */
export function MODULE_PARM_DESC(_name: string, _desc: string): void {}
/** Permission bits 0444 (readable by all): module_param() perm for a read-only /sys/module parameter. */
export const S_IRUGO = 0o444, /** Permission bits 0200 (writable by the owner). */ S_IWUSR = 0o200, /** Permission bits 0400 (readable by the owner). */ S_IRUSR = 0o400;
