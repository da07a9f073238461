// struct inode, struct file and struct file_operations, as much of them as
// a character driver touches.

import type { Kiocb, IovIter } from "./kiocb";
import type { VmArea } from "../mm/vma";
import type { Ref } from "../util/ref";
import type { Module } from "../kernel/module";

export type dev_t = number;
export const MINORBITS = 20;
export const MINORMASK = (1 << MINORBITS) - 1;
/**
 * ```c
 * #define MKDEV(ma, mi) (((ma) << MINORBITS) | (mi))
 * ```
 * A dev_t from a major and a minor number.
 */
export function MKDEV(ma: number, mi: number): dev_t { return ma * 2 ** MINORBITS + mi; }
/**
 * ```c
 * #define MAJOR(dev) ((unsigned int) ((dev) >> MINORBITS))
 * ```
 * The major number of a dev_t.
 */
export function MAJOR(dev: dev_t): number { return Math.floor(dev / 2 ** MINORBITS); }
/**
 * ```c
 * #define MINOR(dev) ((unsigned int) ((dev) & MINORMASK))
 * ```
 * The minor number of a dev_t.
 */
export function MINOR(dev: dev_t): number { return dev % 2 ** MINORBITS; }

export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
export const O_ACCMODE = 0o3, O_RDONLY = 0o0, O_WRONLY = 0o1, O_RDWR = 0o2;
export const O_CREAT = 0o100, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_SYNC = 0o4010000, O_DIRECT = 0o40000;
export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;
export const S_IFCHR = 0o020000;

/** struct file_operations: every method optional, as in C. */
export interface file_operations {
  owner?: Module | null;
  open?(inode: Inode, filp: File): number;
  release?(inode: Inode, filp: File): number;
  read?(filp: File, buf: number, count: number, ppos: Ref<number>): number;
  write?(filp: File, buf: number, count: number, ppos: Ref<number>): number;
  llseek?(filp: File, offset: number, whence: number): number;
  unlocked_ioctl?(filp: File, cmd: number, arg: number): number;
  mmap?(filp: File, vma: VmArea): number;
  read_iter?(iocb: Kiocb, to: IovIter): number;
  write_iter?(iocb: Kiocb, from: IovIter): number;
}

export class Inode {
  i_private: unknown = null;
  /** The cdev this inode's device number resolved to, once opened. */
  i_cdev: unknown = null;
  constructor(
    readonly i_ino: number,
    readonly i_rdev: dev_t,
    readonly i_mode: number,
    /** The filesystem holding the node: devtmpfs is 00:05. */
    readonly devString = "00:05",
  ) {}
}

/**
 * ```c
 * static inline unsigned iminor(const struct inode *inode)
 * ```
 * The minor number of a device inode (which device of the driver's was opened).
 */
export function iminor(inode: Inode): number { return MINOR(inode.i_rdev); }
/**
 * ```c
 * static inline unsigned imajor(const struct inode *inode)
 * ```
 * The major number of a device inode.
 */
export function imajor(inode: Inode): number { return MAJOR(inode.i_rdev); }

export class File {
  f_pos = 0;
  private_data: unknown = null;
  /** References: fds and VMAs that hold this file. */
  f_count = 1;
  /** The module whose code implements f_op, which runs in its context. */
  module: Module | null = null;
  constructor(
    readonly id: number,
    readonly path: string,
    readonly f_inode: Inode,
    public f_op: file_operations,
    public f_flags: number,
    public f_mode: number,
  ) {}
  get inode(): Inode { return this.f_inode; }
}

/**
 * ```c
 * static inline struct inode *file_inode(const struct file *f)
 * ```
 * The inode an open file refers to.
 */
export function file_inode(f: File): Inode { return f.f_inode; }
