// struct inode, struct file and struct file_operations, as much of them as
// a character driver touches.

import type { Kiocb, IovIter } from "./kiocb";
import type { VmArea } from "../mm/vma";
import type { Ref } from "../util/ref";
import type { Module } from "../kernel/module";

export type dev_t = number;
/** MINORBITS (20): bits of a dev_t that hold the minor number. */
export const MINORBITS = 20;
/** MINORMASK ((1U << MINORBITS) - 1): mask of the minor number in a dev_t. */
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

/** FMODE_READ (0x1): the file was opened for reading (file->f_mode). */
export const FMODE_READ = 0x1;
/** FMODE_WRITE (0x2): the file was opened for writing (file->f_mode). */
export const FMODE_WRITE = 0x2;
export const /** O_ACCMODE (00000003): mask of the access mode in file->f_flags. */ O_ACCMODE = 0o3, /** O_RDONLY (00000000): opened read-only. */ O_RDONLY = 0o0, /** O_WRONLY (00000001): opened write-only. */ O_WRONLY = 0o1, /** O_RDWR (00000002): opened for reading and writing. */ O_RDWR = 0o2;
export const /** O_CREAT (00000100): create the file if it does not exist. */ O_CREAT = 0o100, /** O_TRUNC (00001000): truncate a regular file to length 0. */ O_TRUNC = 0o1000, /** O_APPEND (00002000): every write goes to the end of the file. */ O_APPEND = 0o2000, /** O_NONBLOCK (00004000): reads and writes that would block return -EAGAIN instead. */ O_NONBLOCK = 0o4000, /** O_SYNC (04010000): writes complete only when data and metadata are on stable storage. */ O_SYNC = 0o4010000, /** O_DIRECT (00040000): I/O bypasses the page cache, straight to or from user buffers. */ O_DIRECT = 0o40000;
export const /** SEEK_SET (0): llseek() offset is absolute. */ SEEK_SET = 0, /** SEEK_CUR (1): llseek() offset is relative to the current position. */ SEEK_CUR = 1, /** SEEK_END (2): llseek() offset is relative to the end of the file. */ SEEK_END = 2;
export const S_IFCHR = 0o020000;

/** struct file_operations: every method optional, as in C. */
export interface file_operations {
  /** struct module *owner: THIS_MODULE; keeps the module loaded while a file is open. */
  owner?: Module | null;
  /** int (*open)(struct inode *, struct file *): 0 or a negative errno. */
  open?(inode: Inode, filp: File): number;
  /** int (*release)(struct inode *, struct file *): the last close of the file. */
  release?(inode: Inode, filp: File): number;
  /** ssize_t (*read)(struct file *, char __user *buf, size_t count, loff_t *ppos): bytes read, or a negative errno; copy with copy_to_user(). */
  read?(filp: File, buf: number, count: number, ppos: Ref<number>): number;
  /** ssize_t (*write)(struct file *, const char __user *buf, size_t count, loff_t *ppos): bytes written, or a negative errno; copy with copy_from_user(). */
  write?(filp: File, buf: number, count: number, ppos: Ref<number>): number;
  /** loff_t (*llseek)(struct file *, loff_t offset, int whence): the new position, or a negative errno. */
  llseek?(filp: File, offset: number, whence: number): number;
  /** long (*unlocked_ioctl)(struct file *, unsigned int cmd, unsigned long arg): called without the BKL; -ENOTTY for an unknown cmd. */
  unlocked_ioctl?(filp: File, cmd: number, arg: number): number;
  /** int (*mmap)(struct file *, struct vm_area_struct *): maps the object into vma; bound size and vm_pgoff first (MM002, MM003). */
  mmap?(filp: File, vma: VmArea): number;
  /** ssize_t (*read_iter)(struct kiocb *, struct iov_iter *to): read into an iterator (readv, AIO). */
  read_iter?(iocb: Kiocb, to: IovIter): number;
  /** ssize_t (*write_iter)(struct kiocb *, struct iov_iter *from): write from an iterator (writev, AIO). */
  write_iter?(iocb: Kiocb, from: IovIter): number;
}

export class Inode {
  /** inode->i_private: a pointer for the filesystem or driver that made the inode. */
  i_private: unknown = null;
  /** The cdev this inode's device number resolved to, once opened. */
  i_cdev: unknown = null;
  constructor(
    /** inode->i_ino: the inode number. */
    readonly i_ino: number,
    /** inode->i_rdev: the device number of a device node (iminor()/imajor() split it). */
    readonly i_rdev: dev_t,
    /** inode->i_mode: file type and permission bits (S_IFCHR | 0600…). */
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
  /** file->f_pos: the file position; read/write get it as *ppos. */
  f_pos = 0;
  /** file->private_data: the driver's per-open pointer, usually set in open (misc devices preset it to the miscdevice). */
  private_data: unknown = null;
  /** References: fds and VMAs that hold this file. */
  f_count = 1;
  /** The module whose code implements f_op, which runs in its context. */
  module: Module | null = null;
  constructor(
    /** The simulator's identity of this open file (no C field). */
    readonly id: number,
    /** The path open() was given (the dentry's name in C: file->f_path). */
    readonly path: string,
    /** file->f_inode: the inode the file refers to (file_inode()). */
    readonly f_inode: Inode,
    /** file->f_op: the file_operations the open installed (replace_fops() may swap it). */
    public f_op: file_operations,
    /** file->f_flags: the open flags, O_RDONLY/O_WRONLY/O_RDWR (O_ACCMODE), O_NONBLOCK, O_SYNC… */
    public f_flags: number,
    /** file->f_mode: FMODE_READ, FMODE_WRITE… */
    public f_mode: number,
  ) {}
  /** file_inode(file): the same as f_inode. */
  get inode(): Inode { return this.f_inode; }
}

/**
 * ```c
 * static inline struct inode *file_inode(const struct file *f)
 * ```
 * The inode an open file refers to.
 */
export function file_inode(f: File): Inode { return f.f_inode; }
