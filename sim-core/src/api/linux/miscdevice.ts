// <linux/miscdevice.h>: a char device on major 10 whose node appears by itself.

import { MISC_DYNAMIC_MINOR, type MiscDevice } from "../../fs/chrdev";
import { currentKernel } from "../current";

export { MISC_DYNAMIC_MINOR };
export type miscdevice = MiscDevice;

/**
 * ```c
 * int misc_register(struct miscdevice *misc)
 * ```
 * Registers a misc character device (major 10; MISC_DYNAMIC_MINOR picks a minor) and creates /dev/<name>. 0 or -errno; undo with misc_deregister() on every later error path.
 *
 * Rules: DMA020 (DMA still live at driver unload); MEM008 (memory leaked at unload).
 */
export function misc_register(misc: MiscDevice): number {
  return currentKernel().chrdev.miscRegister(misc);
}

/**
 * ```c
 * void misc_deregister(struct miscdevice *misc)
 * ```
 * Removes a misc device registered with misc_register().
 */
export function misc_deregister(misc: MiscDevice): void {
  currentKernel().chrdev.miscDeregister(misc);
}
