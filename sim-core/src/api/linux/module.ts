// <linux/module.h> and <linux/moduleparam.h>. These run while the driver's
// code is being loaded: at the top level of its source, as in C.

import type { Module, ModuleParamType, ModuleParamValue } from "../../kernel/module";
import { currentKernel } from "../current";
import { Modules } from "../../kernel/modules";

export type module = Module;

/** THIS_MODULE: the module being loaded, while its code is evaluated (for file_operations.owner). */
export let THIS_MODULE: Module | null = null;
Modules.loadingHooks.add((m) => { THIS_MODULE = m; });

export function module_init(fn: () => number): void {
  currentKernel().modules.registering("module_init").init = fn;
}

export function module_exit(fn: () => void): void {
  currentKernel().modules.registering("module_exit").exit = fn;
}

/** module_param(name, type, perm) with the default C gives the variable: returns the value insmod passed, or def. */
export function module_param(name: string, type: ModuleParamType, def: number, perm: number): number;
export function module_param(name: string, type: ModuleParamType, def: boolean, perm: number): boolean;
export function module_param(name: string, type: ModuleParamType, def: string, perm: number): string;
export function module_param(name: string, type: ModuleParamType, def: ModuleParamValue, perm: number): ModuleParamValue {
  return currentKernel().modules.param(name, type, def, perm);
}

export function MODULE_LICENSE(l: string): void { currentKernel().modules.registering("MODULE_LICENSE").license = l; }
export function MODULE_AUTHOR(a: string): void { currentKernel().modules.registering("MODULE_AUTHOR").author = a; }
export function MODULE_DESCRIPTION(d: string): void { currentKernel().modules.registering("MODULE_DESCRIPTION").description = d; }
export function MODULE_PARM_DESC(_name: string, _desc: string): void {}
export const S_IRUGO = 0o444, S_IWUSR = 0o200, S_IRUSR = 0o400;
