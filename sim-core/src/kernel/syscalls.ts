// The system calls a scenario's processes make. Each runs as the calling
// task; an oops inside the driver kills the caller (as make_task_dead() does)
// and leaves the kernel running.

import type { Kernel } from "../kernel";
import type { File } from "../fs/file";
import { IovIter, ITER_DEST, ITER_SOURCE, IOCB_WRITE, Kiocb } from "../fs/kiocb";
import { SEEK_CUR, SEEK_END, SEEK_SET } from "../fs/file";
import { ref } from "../util/ref";
import { KernelOops } from "./report";
import { SIGSEGV, UserSignal } from "./signal";
import type { Task } from "./tasks";

const EBADF = 9, EINVAL = 22, ENOTTY = 25, ESPIPE = 29, EFAULT = 14, EIOCBQUEUED = 529, EMFILE = 24;
/** si_code of a signal the kernel itself raised. */
const SI_KERNEL = 0x80;
const MAX_FDS = 1024;

/** An asynchronous read or write in flight (io_submit), done when the driver completes it. */
export class AioRequest {
  done = false;
  res = 0;
  constructor(readonly iocb: Kiocb, readonly pid: number) {}
}

export class Syscalls {
  /** AIO requests submitted and not yet completed. */
  private readonly inflight = new Set<AioRequest>();

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** Runs a system call as t; a driver oops kills t and the call returns -EFAULT. */
  private call<T>(t: Task, name: string, fn: () => T, onOops: T): T {
    const k = this.#k;
    if (t.state !== "running") throw new Error(`${t} has exited and cannot call ${name}()`);
    k.clock.advance(k.cost.syscall);
    try {
      return k.withCurrent(t, fn);
    } catch (e) {
      if (!(e instanceof KernelOops)) throw e;
      k.tasks.exit(t, 128 + SIGSEGV, { signo: SIGSEGV, code: SI_KERNEL, addr: e.address });
      throw new UserSignal(t.pid, { signo: SIGSEGV, code: SI_KERNEL, addr: e.address });
    } finally {
      void onOops;
    }
  }

  private file(t: Task, fd: number): File | undefined {
    return Number.isInteger(fd) && fd >= 0 ? t.files[fd] ?? undefined : undefined;
  }

  open(t: Task, path: string, flags: number): number {
    return this.call(t, "open", () => {
      const fd = t.files.findIndex((f) => f === null);
      const slot = fd >= 0 ? fd : t.files.length;
      if (slot >= MAX_FDS) return -EMFILE;
      const f = this.#k.chrdev.open(path, flags);
      if (typeof f === "number") return f;
      t.files[slot] = f;
      return slot;
    }, -EFAULT);
  }

  close(t: Task, fd: number): number {
    return this.call(t, "close", () => {
      const f = this.file(t, fd);
      if (!f) return -EBADF;
      t.files[fd] = null;
      this.#k.fput(f);
      return 0;
    }, 0);
  }

  read(t: Task, fd: number, buf: number, count: number): number {
    return this.rw(t, fd, buf, count, false);
  }

  write(t: Task, fd: number, buf: number, count: number): number {
    return this.rw(t, fd, buf, count, true);
  }

  private rw(t: Task, fd: number, buf: number, count: number, write: boolean): number {
    return this.call(t, write ? "write" : "read", () => {
      const k = this.#k;
      const f = this.file(t, fd);
      if (!f) return -EBADF;
      if (!(f.f_mode & (write ? 2 : 1))) return -EBADF;
      if (count < 0) return -EINVAL;
      if (!k.uaccess.accessOk(buf, count)) return -EFAULT;
      const direct = write ? f.f_op.write : f.f_op.read;
      if (direct) {
        const ppos = ref(f.f_pos);
        const ret = k.callDriver(f.module, write ? "write" : "read", () => direct(f, buf, count, ppos), direct);
        f.f_pos = ppos.value;
        return typeof ret === "number" ? ret : -EINVAL;
      }
      const iter = write ? f.f_op.write_iter : f.f_op.read_iter;
      if (!iter) return -EINVAL;
      const iocb = new Kiocb(f, f.f_pos);
      const ret = k.callDriver(f.module, write ? "write_iter" : "read_iter", () => iter(iocb, new IovIter(write ? ITER_SOURCE : ITER_DEST, [{ base: buf, len: count }], count)), iter);
      if (ret === -EIOCBQUEUED) {
        k.warn(`${f.path}: ${write ? "write_iter" : "read_iter"}() returned -EIOCBQUEUED for a synchronous kiocb (is_sync_kiocb() was true)`, undefined);
        return -EINVAL;
      }
      if (ret > 0) f.f_pos = iocb.ki_pos;
      return ret;
    }, -EFAULT);
  }

  /** io_submit() of one IOCB_CMD_PREAD/PWRITE: the driver may finish it later through ki_complete. */
  aio(t: Task, fd: number, buf: number, count: number, offset: number, write: boolean): AioRequest | number {
    return this.call<AioRequest | number>(t, "io_submit", () => {
      const k = this.#k;
      const f = this.file(t, fd);
      if (!f || !(f.f_mode & (write ? 2 : 1))) return -EBADF;
      const iter = write ? f.f_op.write_iter : f.f_op.read_iter;
      if (!iter) return -EINVAL;
      if (!k.uaccess.accessOk(buf, count)) return -EFAULT;
      const iocb = new Kiocb(f, offset);
      if (write) iocb.ki_flags |= IOCB_WRITE;
      const req = new AioRequest(iocb, t.pid);
      // The request holds the file (and so the module) until it completes.
      f.f_count++;
      this.inflight.add(req);
      iocb.ki_complete = (_iocb, res) => {
        if (req.done) {
          k.warn(`${f.path}: ki_complete() called twice for the same kiocb`, undefined);
          return;
        }
        req.done = true;
        req.res = res;
        this.inflight.delete(req);
        k.fput(f);
        k.events.emit({ type: "aio_complete", pid: t.pid, res });
      };
      const ret = k.callDriver(f.module, write ? "write_iter" : "read_iter", () => iter(iocb, new IovIter(write ? ITER_SOURCE : ITER_DEST, [{ base: buf, len: count }], count)), iter);
      if (ret !== -EIOCBQUEUED && !req.done) iocb.ki_complete(iocb, ret);
      return req;
    }, -EFAULT);
  }

  /** io_getevents() for one request: runs deferred work until the driver completes it. */
  aioWait(t: Task, req: AioRequest): number {
    return this.call(t, "io_getevents", () => {
      if (!this.#k.sched.runUntil(() => req.done)) {
        this.#k.printk(`\x014${t.comm}[${t.pid}]: io_getevents: the request was never completed (no ki_complete() and no work left to run)\n`);
        return -EINVAL;
      }
      return req.res;
    }, -EFAULT);
  }

  lseek(t: Task, fd: number, offset: number, whence: number): number {
    return this.call(t, "lseek", () => {
      const f = this.file(t, fd);
      if (!f) return -EBADF;
      if (whence !== SEEK_SET && whence !== SEEK_CUR && whence !== SEEK_END) return -EINVAL;
      const llseek = f.f_op.llseek;
      if (!llseek) return -ESPIPE;
      return this.#k.callDriver(f.module, "llseek", () => llseek(f, offset, whence), llseek);
    }, -EFAULT);
  }

  ioctl(t: Task, fd: number, cmd: number, arg: number): number {
    return this.call(t, "ioctl", () => {
      const f = this.file(t, fd);
      if (!f) return -EBADF;
      const ioctl = f.f_op.unlocked_ioctl;
      if (!ioctl) return -ENOTTY;
      return this.#k.callDriver(f.module, "ioctl", () => ioctl(f, cmd >>> 0, arg), ioctl);
    }, -EFAULT);
  }

  mmap(t: Task, addr: number, len: number, prot: number, flags: number, fd: number, offset: number): number {
    return this.call(t, "mmap", () => {
      const anon = (flags & 0x20) !== 0;
      const f = anon ? null : this.file(t, fd);
      if (!anon && !f) return -EBADF;
      if (offset % 4096) return -EINVAL;
      return this.#k.mmap.mmap(t.mm!, addr, len, prot, flags, f ?? null, offset / 4096);
    }, -EFAULT);
  }

  munmap(t: Task, addr: number, len: number): number {
    return this.call(t, "munmap", () => this.#k.mmap.munmap(t.mm!, addr, len), -EFAULT);
  }

  mremap(t: Task, addr: number, oldLen: number, newLen: number, flags: number): number {
    return this.call(t, "mremap", () => this.#k.mmap.mremap(t.mm!, addr, oldLen, newLen, flags), -EFAULT);
  }

  mprotect(t: Task, addr: number, len: number, prot: number): number {
    return this.call(t, "mprotect", () => this.#k.mmap.mprotect(t.mm!, addr, len, prot), -EFAULT);
  }

  brk(t: Task, addr: number): number {
    return this.call(t, "brk", () => this.#k.mmap.brk(t.mm!, addr), -EFAULT);
  }

  fork(t: Task): Task {
    return this.call(t, "fork", () => this.#k.tasks.fork(t), t);
  }

  exit(t: Task, code: number): void {
    if (t.state !== "running") return;
    // exit_aio(): the process waits for the requests it still has in flight.
    const mine = [...this.inflight].filter((r) => r.pid === t.pid);
    if (mine.length) this.#k.sched.runUntil(() => mine.every((r) => r.done));
    this.#k.withCurrent(t, () => this.#k.tasks.exit(t, code));
  }
}
