// struct kiocb and struct iov_iter: the read_iter/write_iter interface,
// through which a driver can complete I/O later (-EIOCBQUEUED, then ki_complete).

import type { File } from "./file";

/** One user buffer of an iovec. */
export interface IoVec { readonly base: number; readonly len: number }

export const ITER_DEST = 0; // READ: data flows to user space
export const ITER_SOURCE = 1; // WRITE: data flows from user space

/** struct iov_iter over user iovecs. The copy helpers in linux/uio do the walking. */
export class IovIter {
  seg = 0;
  segOffset = 0;
  constructor(readonly dir: 0 | 1, readonly iov: readonly IoVec[], public count: number) {}
}

export const IOCB_HIPRI = 1 << 0, IOCB_DSYNC = 1 << 1, IOCB_SYNC = 1 << 2, IOCB_WRITE = 1 << 3, IOCB_APPEND = 1 << 4, IOCB_DIRECT = 1 << 17, IOCB_NOWAIT = 1 << 20;

/** struct kiocb. ki_complete is set only for asynchronous requests. */
export class Kiocb {
  ki_pos: number;
  ki_flags = 0;
  ki_complete: ((iocb: Kiocb, res: number) => void) | null = null;
  private_: unknown = null;
  constructor(readonly ki_filp: File, pos: number) {
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
