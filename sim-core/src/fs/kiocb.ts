// struct kiocb and struct iov_iter: the read_iter/write_iter interface,
// through which a driver can complete I/O later (-EIOCBQUEUED, then ki_complete).

import type { File } from "./file";

/** One user buffer of an iovec. */
export interface IoVec { readonly base: number; readonly len: number }

export const ITER_DEST = 0; // READ: data flows to user space
export const ITER_SOURCE = 1; // WRITE: data flows from user space

/** struct iov_iter over user iovecs. The copy helpers in linux/uio do the walking. */
export class IovIter {
  /** The current iovec (i->nr_segs counts down in C). */
  seg = 0;
  /** i->iov_offset: bytes already done in the current iovec. */
  segOffset = 0;
  constructor(
    /** iov_iter_rw(): ITER_DEST (READ, data to user space) or ITER_SOURCE (WRITE, data from user space). */
    readonly dir: 0 | 1,
    /** i->iov: the user iovecs, { iov_base, iov_len }. */
    readonly iov: readonly IoVec[],
    /** iov_iter_count(): bytes left to copy. */
    public count: number) {}
}

export const IOCB_HIPRI = 1 << 0, IOCB_DSYNC = 1 << 1, IOCB_SYNC = 1 << 2, /** IOCB_WRITE: the kiocb is a write. */ IOCB_WRITE = 1 << 3, IOCB_APPEND = 1 << 4, /** IOCB_DIRECT: the kiocb is O_DIRECT I/O (kiocb->ki_flags). */ IOCB_DIRECT = 1 << 17, /** IOCB_NOWAIT: return -EAGAIN rather than block (RWF_NOWAIT). */ IOCB_NOWAIT = 1 << 20;

/** struct kiocb. ki_complete is set only for asynchronous requests. */
export class Kiocb {
  /** iocb->ki_pos: the file position of this I/O. */
  ki_pos: number;
  /** iocb->ki_flags: IOCB_WRITE, IOCB_DIRECT, IOCB_NOWAIT… */
  ki_flags = 0;
  /** iocb->ki_complete: completion callback of an asynchronous request; NULL for a synchronous one (is_sync_kiocb()). */
  ki_complete: ((iocb: Kiocb, res: number) => void) | null = null;
  /** iocb->private: for the driver's use while the request is in flight. */
  private_: unknown = null;
  constructor(
    /** iocb->ki_filp: the file the I/O is on. */
    readonly ki_filp: File, pos: number) {
    this.ki_pos = pos;
  }
}

/**
 * ```c
 * static inline bool is_sync_kiocb(struct kiocb *kiocb)
 * ```
 * True for a synchronous request (read(2)/write(2)); false for AIO, whose completion may come later (-EIOCBQUEUED).
 */
export function is_sync_kiocb(iocb: Kiocb): boolean {
  return iocb.ki_complete === null;
}
