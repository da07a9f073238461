// <uapi/asm-generic/errno-base.h>, <uapi/asm-generic/errno.h> and the
// kernel-internal codes of <linux/errno.h>.

export const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9, ECHILD = 10;
export const EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20;
export const EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30;
export const EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34;
export const EWOULDBLOCK = EAGAIN, ENOSYS = 38, EOVERFLOW = 75, EOPNOTSUPP = 95, ENOTSUPP = 524, ETIMEDOUT = 110;
export const ENODATA = 61, ETIME = 62, EPROTO = 71, EBADMSG = 74, EMSGSIZE = 90, ENOBUFS = 105, ECANCELED = 125;
export const ERESTARTSYS = 512, EIOCBQUEUED = 529;

const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF", 10: "ECHILD",
  11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR",
  21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS",
  31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 38: "ENOSYS", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 110: "ETIMEDOUT",
  61: "ENODATA", 62: "ETIME", 71: "EPROTO", 74: "EBADMSG", 90: "EMSGSIZE", 105: "ENOBUFS", 125: "ECANCELED",
  512: "ERESTARTSYS", 524: "ENOTSUPP", 529: "EIOCBQUEUED",
};

/** "ENOMEM" for 12 or -12. */
export function errname(err: number): string | undefined {
  return NAMES[Math.abs(err)];
}
