// <linux/fs.h>: files, inodes, file_operations, device numbers and the
// char device registration calls; the kiocb of read_iter/write_iter.

import { File, Inode, SEEK_CUR, SEEK_END, SEEK_SET, type file_operations as Fops } from "../../fs/file";
import type { Kiocb } from "../../fs/kiocb";
import type { Ref } from "../../util/ref";
import { currentKernel, intArg } from "../current";

export {
  MKDEV, MAJOR, MINOR, MINORBITS, MINORMASK, iminor, imajor, file_inode, FMODE_READ, FMODE_WRITE,
  O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_NONBLOCK, O_SYNC, O_DIRECT,
  SEEK_SET, SEEK_CUR, SEEK_END, type dev_t,
} from "../../fs/file";
export { is_sync_kiocb, IOCB_DIRECT, IOCB_NOWAIT, IOCB_WRITE } from "../../fs/kiocb";
export { ref, type Ref } from "../../util/ref";

export type file = File;
export type inode = Inode;
export type file_operations = Fops;
export type kiocb = Kiocb;
export type loff_t = number;

const EINVAL = 22;

/**
 * ```c
 * int register_chrdev(unsigned int major, const char *name, const struct file_operations *fops)
 * ```
 * Registers minors 0-255 of a major for fops (major 0: a free major is chosen and returned). 0 or the major on success, -errno on failure.
 *
 * Rules: DMA020 (DMA still live at driver unload); MEM008 (memory leaked at unload).
 */
export function register_chrdev(major: number, name: string, fops: Fops): number {
  return currentKernel().chrdev.registerChrdev(intArg("register_chrdev", 1, major), String(name), fops);
}

/**
 * ```c
 * void unregister_chrdev(unsigned int major, const char *name)
 * ```
 * Undoes register_chrdev(); call it in module_exit and on every error path after the registration.
 */
export function unregister_chrdev(major: number, name: string): void {
  currentKernel().chrdev.unregisterChrdev(intArg("unregister_chrdev", 1, major), String(name));
}

/**
 * ```c
 * int alloc_chrdev_region(dev_t *dev, unsigned baseminor, unsigned count, const char *name)
 * ```
 * alloc_chrdev_region(&dev, baseminor, count, name): dev is written through the Ref.
 */
export function alloc_chrdev_region(dev: Ref<number>, baseminor: number, count: number, name: string): number {
  return currentKernel().chrdev.allocChrdevRegion(dev, intArg("alloc_chrdev_region", 2, baseminor), intArg("alloc_chrdev_region", 3, count), String(name));
}

/**
 * ```c
 * int register_chrdev_region(dev_t from, unsigned count, const char *name)
 * ```
 * Claims count device numbers starting at from (a known major). 0 or -EBUSY.
 */
export function register_chrdev_region(from: number, count: number, name: string): number {
  return currentKernel().chrdev.registerChrdevRegion(intArg("register_chrdev_region", 1, from), intArg("register_chrdev_region", 2, count), String(name));
}

/**
 * ```c
 * void unregister_chrdev_region(dev_t from, unsigned count)
 * ```
 * Releases numbers claimed by register_chrdev_region() or alloc_chrdev_region().
 */
export function unregister_chrdev_region(from: number, count: number): void {
  currentKernel().chrdev.unregisterChrdevRegion(intArg("unregister_chrdev_region", 1, from), intArg("unregister_chrdev_region", 2, count));
}

/**
 * ```c
 * loff_t generic_file_llseek_size(struct file *file, loff_t offset, int whence, loff_t maxsize, loff_t eof)
 * ```
 * generic_file_llseek_size(): seeks within [0, maxsize].
 */
export function generic_file_llseek_size(filp: File, offset: number, whence: number, maxsize: number, eof: number): number {
  const pos = whence === SEEK_SET ? offset : whence === SEEK_CUR ? filp.f_pos + offset : whence === SEEK_END ? eof + offset : NaN;
  if (!Number.isFinite(pos) || pos < 0 || pos > maxsize) return -EINVAL;
  filp.f_pos = pos;
  return pos;
}

/**
 * ```c
 * loff_t fixed_size_llseek(struct file *file, loff_t offset, int whence, loff_t size)
 * ```
 * llseek for a file of a fixed size: SEEK_SET, SEEK_CUR and SEEK_END within [0, size]; -EINVAL outside.
 */
export function fixed_size_llseek(filp: File, offset: number, whence: number, size: number): number {
  return generic_file_llseek_size(filp, offset, whence, size, size);
}

/**
 * ```c
 * loff_t default_llseek(struct file *file, loff_t offset, int whence)
 * ```
 * The historical default llseek: any non-negative position, SEEK_END relative to the inode's size.
 */
export function default_llseek(filp: File, offset: number, whence: number): number {
  return generic_file_llseek_size(filp, offset, whence, Number.MAX_SAFE_INTEGER, filp.f_pos);
}

/**
 * ```c
 * loff_t noop_llseek(struct file *file, loff_t offset, int whence)
 * ```
 * noop_llseek(): leaves f_pos alone and reports it.
 */
export function noop_llseek(filp: File, _offset: number, _whence: number): number {
  return filp.f_pos;
}

/** no_llseek was removed from Linux; a NULL .llseek gives -ESPIPE the same way. */
export const no_llseek = undefined;
