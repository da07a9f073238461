// <linux/cdev.h>.

import { Cdev } from "../../fs/chrdev";
import type { file_operations } from "../../fs/file";
import { currentKernel, intArg } from "../current";

export type cdev = Cdev;
export { Cdev };

/**
 * ```c
 * struct cdev *cdev_alloc(void)
 * ```
 * Allocates and initialises a struct cdev (its owner and ops still to be set). Released by cdev_del().
 */
export function cdev_alloc(): Cdev {
  return new Cdev();
}

/**
 * ```c
 * void cdev_init(struct cdev *cdev, const struct file_operations *fops)
 * ```
 * Initialises an embedded struct cdev with its file operations.
 */
export function cdev_init(cdev: Cdev, fops: file_operations): void {
  currentKernel().chrdev.cdevInit(cdev, fops);
}

/**
 * ```c
 * int cdev_add(struct cdev *p, dev_t dev, unsigned int count)
 * ```
 * Makes count minors starting at dev live: opens reach the cdev's file operations from now on. 0 or -errno.
 *
 * Rules: DMA020 (DMA still live at driver unload); MEM008 (memory leaked at unload).
 */
export function cdev_add(cdev: Cdev, dev: number, count: number): number {
  return currentKernel().chrdev.cdevAdd(cdev, intArg("cdev_add", 2, dev), intArg("cdev_add", 3, count));
}

/**
 * ```c
 * void cdev_del(struct cdev *p)
 * ```
 * Removes the cdev: no new opens; files already open keep their operations until released.
 */
export function cdev_del(cdev: Cdev): void {
  currentKernel().chrdev.cdevDel(cdev);
}
