// <linux/miscdevice.h>: a char device on major 10 whose node appears by itself.

import { MISC_DYNAMIC_MINOR, type MiscDevice } from "../../fs/chrdev";
import { currentKernel } from "../current";

export { MISC_DYNAMIC_MINOR };
export type miscdevice = MiscDevice;

export function misc_register(misc: MiscDevice): number {
  return currentKernel().chrdev.miscRegister(misc);
}

export function misc_deregister(misc: MiscDevice): void {
  currentKernel().chrdev.miscDeregister(misc);
}
