// <linux/cdev.h>.

import { Cdev } from "../../fs/chrdev";
import type { file_operations } from "../../fs/file";
import { currentKernel, intArg } from "../current";

export type cdev = Cdev;
export { Cdev };

export function cdev_alloc(): Cdev {
  return new Cdev();
}

export function cdev_init(cdev: Cdev, fops: file_operations): void {
  currentKernel().chrdev.cdevInit(cdev, fops);
}

export function cdev_add(cdev: Cdev, dev: number, count: number): number {
  return currentKernel().chrdev.cdevAdd(cdev, intArg("cdev_add", 2, dev), intArg("cdev_add", 3, count));
}

export function cdev_del(cdev: Cdev): void {
  currentKernel().chrdev.cdevDel(cdev);
}
