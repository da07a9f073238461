// The user-space side of a scenario: processes that open device nodes, map
// them, touch memory, fork and exit, with the C library's conventions
// (-1 and errno on failure, MAP_FAILED from mmap). Every memory access goes
// through the process's page tables, so it can fault, and a fault the kernel
// cannot resolve kills the process with SIGSEGV or SIGBUS — unless the
// scenario catches it with catchSignal(), as a program with a handler would.

import type { Kernel } from "../../kernel";
import type { Task } from "../../kernel/tasks";
import { UserSignal, describeSignal, type SigInfo } from "../../kernel/signal";
import type { AioRequest } from "../../kernel/syscalls";
import type { IoWidth } from "../../mm/iomem";
import { MKDEV } from "../../fs/file";
import { currentKernel } from "../current";

export { O_RDONLY, O_WRONLY, O_RDWR, O_SYNC, O_NONBLOCK, O_DIRECT, SEEK_SET, SEEK_CUR, SEEK_END } from "../../fs/file";
export { PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC, MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_POPULATE, MREMAP_MAYMOVE } from "../../mm/mmap";
export { SIGSEGV, SIGBUS, SIGKILL, SEGV_MAPERR, SEGV_ACCERR, BUS_ADRALN, BUS_ADRERR, BUS_OBJERR, type SigInfo } from "../../kernel/signal";
export { errname } from "../linux/errno";

/**
 * ```c
 * #define MAP_FAILED ((void *) -1)
 * ```
 * What mmap() returns on failure (errno then says why).
 */
export const MAP_FAILED = -1;

/** A scenario's expectation that did not hold. */
export class ScenarioAssertion extends Error {
  override readonly name = "ScenarioAssertion";
}

/** Where printf() output goes: set by the runner for each run. */
let stdout: (s: string) => void = (s) => process.stdout.write(s);

/** @internal */
export function setStdout(sink: (s: string) => void): () => void {
  const prev = stdout;
  stdout = sink;
  return () => { stdout = prev; };
}

/** Signals caught by catchSignal() unwind the access with this. */
class Caught extends Error {
  constructor(readonly info: SigInfo) { super(describeSignal(info)); }
}

export class Process {
  /** errno after the last failed call. */
  errno = 0;
  private catching = 0;
  private heapTop = 0;

  readonly #k: Kernel;
  constructor(k: Kernel, readonly task: Task) {
    this.#k = k;
  }

  get pid(): number { return this.task.pid; }
  get alive(): boolean { return this.task.state === "running"; }

  private ret(r: number): number {
    if (r < 0) {
      this.errno = -r;
      return -1;
    }
    return r;
  }

  open(path: string, flags: number): number { return this.ret(this.#k.syscalls.open(this.task, path, flags)); }
  close(fd: number): number { return this.ret(this.#k.syscalls.close(this.task, fd)); }
  read(fd: number, buf: number, count: number): number { return this.ret(this.#k.syscalls.read(this.task, fd, buf, count)); }
  write(fd: number, buf: number, count: number): number { return this.ret(this.#k.syscalls.write(this.task, fd, buf, count)); }
  lseek(fd: number, offset: number, whence: number): number { return this.ret(this.#k.syscalls.lseek(this.task, fd, offset, whence)); }
  ioctl(fd: number, cmd: number, arg = 0): number { return this.ret(this.#k.syscalls.ioctl(this.task, fd, cmd, arg)); }

  /** mmap(): the address, or MAP_FAILED with errno set. */
  mmap(addr: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
    const r = this.#k.syscalls.mmap(this.task, addr, length, prot, flags, fd, offset);
    return r < 0 ? this.ret(r) : r;
  }

  munmap(addr: number, length: number): number { return this.ret(this.#k.syscalls.munmap(this.task, addr, length)); }
  mremap(oldAddress: number, oldSize: number, newSize: number, flags: number): number {
    const r = this.#k.syscalls.mremap(this.task, oldAddress, oldSize, newSize, flags);
    return r < 0 ? this.ret(r) : r;
  }
  mprotect(addr: number, length: number, prot: number): number { return this.ret(this.#k.syscalls.mprotect(this.task, addr, length, prot)); }

  /** fork(): the child, which starts with a copy of this address space and file table. */
  fork(): Process { return new Process(this.#k, this.#k.syscalls.fork(this.task)); }

  exit(code = 0): void { this.#k.syscalls.exit(this.task, code); }

  /** A buffer from the heap (brk grows as needed). */
  malloc(n: number): number {
    const mm = this.task.mm!;
    if (!this.heapTop) this.heapTop = mm.brk;
    const addr = Math.ceil(this.heapTop / 16) * 16;
    this.heapTop = addr + n;
    if (this.heapTop > mm.brk) this.#k.syscalls.brk(this.task, this.heapTop);
    return addr;
  }

  /** io_submit() of a read or write; wait for it with io_getevents(). */
  aio_read(fd: number, buf: number, count: number, offset: number): AioRequest | number {
    const r = this.#k.syscalls.aio(this.task, fd, buf, count, offset, false);
    return typeof r === "number" ? this.ret(r) : r;
  }
  aio_write(fd: number, buf: number, count: number, offset: number): AioRequest | number {
    const r = this.#k.syscalls.aio(this.task, fd, buf, count, offset, true);
    return typeof r === "number" ? this.ret(r) : r;
  }
  io_getevents(req: AioRequest): number { return this.ret(this.#k.syscalls.aioWait(this.task, req)); }

  /** A fault the kernel could not resolve: caught, or the end of this process. */
  private fault(full: SigInfo): never {
    // siginfo carries signo, code and address; the #PF error code lives in the signal frame, not here.
    const sig: SigInfo = { signo: full.signo, code: full.code, addr: full.addr };
    if (this.catching) throw new Caught(sig);
    this.#k.tasks.exit(this.task, 128 + sig.signo, full);
    throw new UserSignal(this.pid, sig);
  }

  private checkAlive(what: string): void {
    if (!this.alive) throw new Error(`process ${this.pid} has exited; it cannot ${what}`);
  }

  // The two hot paths of a scenario: current is switched by hand rather than through a closure.
  private load(addr: number, width: IoWidth): number | bigint {
    this.checkAlive("read memory");
    const k = this.#k, prev = k.current;
    k.current = this.task;
    let r: { value: number | bigint; sig?: SigInfo };
    try {
      r = k.uaccess.load(this.task.mm!, addr, width);
    } finally {
      k.current = prev;
    }
    if (r.sig) this.fault(r.sig);
    return r.value;
  }

  private store(addr: number, width: IoWidth, v: number | bigint): void {
    this.checkAlive("write memory");
    const k = this.#k, prev = k.current;
    k.current = this.task;
    let sig: SigInfo | undefined;
    try {
      sig = k.uaccess.store(this.task.mm!, addr, width, v);
    } finally {
      k.current = prev;
    }
    if (sig) this.fault(sig);
  }

  peek8(addr: number): number { return Number(this.load(addr, 1)); }
  peek16(addr: number): number { return Number(this.load(addr, 2)); }
  peek32(addr: number): number { return Number(this.load(addr, 4)); }
  peek64(addr: number): bigint { return BigInt(this.load(addr, 8)); }
  poke8(addr: number, v: number): void { this.store(addr, 1, v); }
  poke16(addr: number, v: number): void { this.store(addr, 2, v); }
  poke32(addr: number, v: number): void { this.store(addr, 4, v); }
  poke64(addr: number, v: bigint | number): void { this.store(addr, 8, v); }

  read_bytes(addr: number, len: number): Uint8Array {
    this.checkAlive("read memory");
    const r = this.#k.withCurrent(this.task, () => this.#k.uaccess.read(this.task.mm!, addr, len));
    if (r.sig) this.fault(r.sig);
    return r.bytes;
  }

  write_bytes(addr: number, data: Uint8Array | string): void {
    this.checkAlive("write memory");
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const sig = this.#k.withCurrent(this.task, () => this.#k.uaccess.write(this.task.mm!, addr, bytes));
    if (sig) this.fault(sig);
  }

  /** Writes a C string (with its terminating NUL). */
  write_string(addr: number, s: string): void {
    const b = new TextEncoder().encode(s);
    const out = new Uint8Array(b.length + 1);
    out.set(b);
    this.write_bytes(addr, out);
  }

  read_string(addr: number, max = 4096): string {
    const out: number[] = [];
    for (let i = 0; i < max; i++) {
      const c = this.peek8(addr + i);
      if (c === 0) break;
      out.push(c);
    }
    return new TextDecoder().decode(Uint8Array.from(out));
  }

  /** Runs fn; a SIGSEGV/SIGBUS during it is returned instead of killing the process (a handler plus siglongjmp). */
  catchSignal(fn: () => void): SigInfo | undefined {
    this.catching++;
    try {
      fn();
      return undefined;
    } catch (e) {
      if (e instanceof Caught) return e.info;
      throw e;
    } finally {
      this.catching--;
    }
  }

  /** /proc/<pid>/maps. */
  maps(): string { return this.task.mm?.maps() ?? ""; }

  /** printf() to the scenario's output, with the C formats. */
  printf(fmt: string, ...args: unknown[]): void {
    stdout(this.#k.format(fmt, args));
  }
}

/**
 * ```c
 * pid_t fork(); prctl(PR_SET_NAME, comm)
 * ```
 * A new process running a program called comm.
 */
export function spawn(comm: string): Process {
  const k = currentKernel();
  return new Process(k, k.tasks.spawn(comm));
}

/**
 * ```c
 * int mknod(const char *pathname, mode_t mode, dev_t dev)
 * ```
 * mknod(path, S_IFCHR, makedev(major, minor)), as a driver's load script does: 0 or -1.
 */
export function mknod(path: string, major: number, minor: number): number {
  return currentKernel().chrdev.mknod(path, MKDEV(major, minor)) < 0 ? -1 : 0;
}

/**
 * ```c
 * cat /proc/…
 * ```
 * The text of a /proc file the kernel knows how to show.
 */
export function cat(path: string): string {
  const k = currentKernel();
  const m = /^\/proc\/(\d+)\/maps$/.exec(path);
  if (m) return k.tasks.all.get(Number(m[1]))?.mm?.maps() ?? "";
  switch (path) {
    case "/proc/buddyinfo": return k.inspect.buddyinfo();
    case "/proc/slabinfo": return k.inspect.slabinfo();
    case "/proc/vmallocinfo": return k.inspect.vmallocinfo();
    case "/proc/iomem": return k.inspect.iomem();
    case "/proc/meminfo": return k.inspect.meminfo();
    case "/proc/devices": return k.chrdev.procDevices();
    default: throw new Error(`cat: ${path}: this simulated kernel has no such file`);
  }
}

/**
 * ```c
 * awk '$2 == name { print $1 }' /proc/devices
 * ```
 * The device's major number as /proc/devices lists it under name (what a load script greps for).
 */
export function major_of(name: string): number {
  const line = cat("/proc/devices").split("\n").find((l) => l.trim().split(/\s+/)[1] === name);
  return line ? Number(line.trim().split(/\s+/)[0]) : -1;
}

/**
 * ```c
 * int printf(const char *format, ...)
 * ```
 * printf() outside any process (the scenario's own narration).
 */
export function printf(fmt: string, ...args: unknown[]): void {
  stdout(currentKernel().format(fmt, args));
}

/**
 * ```c
 * assert(cond)
 * ```
 * Fails the scenario with message when cond is false: the run ends with an assertion failure, reported at this line.
 */
export function expect(cond: unknown, message: string): void {
  if (!cond) throw new ScenarioAssertion(message);
}

/**
 * ```c
 * assert(actual == expected)
 * ```
 * Fails the scenario when actual !== expected, printing both and what was compared.
 */
export function expect_eq<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected && !(typeof actual === "number" && typeof expected === "number" && Number.isNaN(actual) && Number.isNaN(expected))) {
    const show = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && Math.abs(v) > 9 ? `${v} (0x${v.toString(16)})` : String(v));
    throw new ScenarioAssertion(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/**
 * ```c
 * usleep(…)
 * ```
 * Lets queued work and timers run (a sleep in the program).
 */
export function run_pending(): void {
  currentKernel().sched.drain();
}

/**
 * ```c
 *  // the simulated device model behind name
 * ```
 * A device model on the bus, by model name ("edu", "nic", "fb", "isa") or PCI
 * address: what the scenario plays the outside world with —
 * device<NicModel>("nic").receive(bytes), .transmitted; device<FbModel>("fb").pixel(x, y).
 */
export function device<T extends import("../../dev/models/model").DeviceModel = import("../../dev/models/model").DeviceModel>(name: string): T {
  return currentKernel().devices.get<T>(name);
}

/**
 * ```c
 * cat /proc/bus/pci/devices
 * ```
 * /proc/bus/pci/devices.
 */
export function pci_devices(): string { return currentKernel().inspect.pciDevices(); }

/**
 * ```c
 * cat /proc/interrupts
 * ```
 * /proc/interrupts.
 */
export function interrupts(): string { return currentKernel().inspect.interrupts(); }
