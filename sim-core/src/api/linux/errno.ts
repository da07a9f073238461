// <uapi/asm-generic/errno-base.h>, <uapi/asm-generic/errno.h> and the
// kernel-internal codes of <linux/errno.h>.

/** EPERM: Operation not permitted. Errors are returned negated: `return -EPERM;`. */
export const EPERM = 1, /** ENOENT: No such file or directory. */ ENOENT = 2, /** ESRCH: No such process. */ ESRCH = 3, /** EINTR: Interrupted system call. */ EINTR = 4, /** EIO: I/O error. */ EIO = 5, /** ENXIO: No such device or address. */ ENXIO = 6, /** E2BIG: Argument list too long. */ E2BIG = 7, /** ENOEXEC: Exec format error. */ ENOEXEC = 8, /** EBADF: Bad file number. */ EBADF = 9, /** ECHILD: No child processes. */ ECHILD = 10;
/** EAGAIN: Try again. */
export const EAGAIN = 11, /** ENOMEM: Out of memory. */ ENOMEM = 12, /** EACCES: Permission denied. */ EACCES = 13, /** EFAULT: Bad address. */ EFAULT = 14, /** ENOTBLK: Block device required. */ ENOTBLK = 15, /** EBUSY: Device or resource busy. */ EBUSY = 16, /** EEXIST: File exists. */ EEXIST = 17, /** EXDEV: Cross-device link. */ EXDEV = 18, /** ENODEV: No such device. */ ENODEV = 19, /** ENOTDIR: Not a directory. */ ENOTDIR = 20;
/** EISDIR: Is a directory. */
export const EISDIR = 21, /** EINVAL: Invalid argument. */ EINVAL = 22, /** ENFILE: File table overflow. */ ENFILE = 23, /** EMFILE: Too many open files. */ EMFILE = 24, /** ENOTTY: Not a typewriter (inappropriate ioctl for device). */ ENOTTY = 25, /** ETXTBSY: Text file busy. */ ETXTBSY = 26, /** EFBIG: File too large. */ EFBIG = 27, /** ENOSPC: No space left on device. */ ENOSPC = 28, /** ESPIPE: Illegal seek. */ ESPIPE = 29, /** EROFS: Read-only file system. */ EROFS = 30;
/** EMLINK: Too many links. */
export const EMLINK = 31, /** EPIPE: Broken pipe. */ EPIPE = 32, /** EDOM: Math argument out of domain of func. */ EDOM = 33, /** ERANGE: Math result not representable. */ ERANGE = 34;
/** EWOULDBLOCK: Operation would block (the same value as EAGAIN). */
export const EWOULDBLOCK = EAGAIN, /** ENOSYS: Invalid system call number. */ ENOSYS = 38, /** EOVERFLOW: Value too large for defined data type. */ EOVERFLOW = 75, /** EOPNOTSUPP: Operation not supported on transport endpoint. */ EOPNOTSUPP = 95, /** ENOTSUPP: Operation is not supported (kernel-internal: never return it to user space; use EOPNOTSUPP). */ ENOTSUPP = 524, /** ETIMEDOUT: Connection timed out. */ ETIMEDOUT = 110;
/** ENODATA: No data available. */
export const ENODATA = 61, /** ETIME: Timer expired. */ ETIME = 62, /** EPROTO: Protocol error. */ EPROTO = 71, /** EBADMSG: Not a data message. */ EBADMSG = 74, /** EMSGSIZE: Message too long. */ EMSGSIZE = 90, /** ENOBUFS: No buffer space available. */ ENOBUFS = 105, /** ECANCELED: Operation Canceled. */ ECANCELED = 125;
/** ERESTARTSYS: Kernel-internal: restart the system call once the signal is handled (what an interrupted wait returns). */
export const ERESTARTSYS = 512, /** EIOCBQUEUED: Kernel-internal: the iocb was queued and will complete later (read_iter/write_iter of an async kiocb). */ EIOCBQUEUED = 529;

const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF", 10: "ECHILD",
  11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR",
  21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS",
  31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 38: "ENOSYS", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 110: "ETIMEDOUT",
  61: "ENODATA", 62: "ETIME", 71: "EPROTO", 74: "EBADMSG", 90: "EMSGSIZE", 105: "ENOBUFS", 125: "ECANCELED",
  512: "ERESTARTSYS", 524: "ENOTSUPP", 529: "EIOCBQUEUED",
};

/**
 * ```c
 * const char *errname(int err)
 * ```
 * "ENOMEM" for 12 or -12.
 */
export function errname(err: number): string | undefined {
  return NAMES[Math.abs(err)];
}
