// Tasks: pid and comm, an address space laid out as a freshly exec'd
// program's (without ASLR), a file table; fork and exit as the kernel does them.

import type { Kernel } from "../kernel";
import { File, Inode, O_RDONLY, FMODE_READ } from "../fs/file";
import { MmStruct, layoutFor } from "../mm/mm_struct";
import { VM_EXEC, VM_GROWSDOWN, VM_READ, VM_WRITE, VM_DONTEXPAND } from "../mm/vma";
import { PAGE_SIZE } from "../util/addr";
import type { SigInfo } from "./signal";
import { describeSignal, SIGSEGV } from "./signal";

export type TaskState = "running" | "zombie";

export class Task {
  readonly files: Array<File | null> = [];
  state: TaskState = "running";
  exitCode = 0;
  /** The fatal signal that ended it, if one did. */
  killedBy: SigInfo | undefined;
  readonly children: Task[] = [];
  constructor(readonly pid: number, public comm: string, public mm: MmStruct | null, readonly parent: Task | null) {}
  toString(): string { return `${this.comm}[${this.pid}]`; }
}

export class Tasks {
  readonly all = new Map<number, Task>();
  private nextPid = 1000;
  /** The program every scenario process runs, as a file on the root filesystem (08:01). */
  private readonly programs = new Map<string, File>();

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** A kernel thread: no mm. */
  kthread(comm: string): Task {
    const t = new Task(this.nextPid++, comm, null, null);
    this.all.set(t.pid, t);
    return t;
  }

  private program(comm: string): File {
    let f = this.programs.get(comm);
    if (!f) {
      f = new File(this.#k.nextId("file"), `/usr/bin/${comm}`, new Inode(this.#k.nextId("rootino"), 0, 0o100755, "08:01"), {}, O_RDONLY, FMODE_READ);
      this.programs.set(comm, f);
    }
    return f;
  }

  /** A process as exec leaves it: program segments, [vvar]/[vdso] and [stack]. */
  spawn(comm: string): Task {
    const k = this.#k;
    const mm = new MmStruct(k, layoutFor(k));
    const prog = this.program(comm);
    const P = PAGE_SIZE;
    if (k.profile.bits === 64) {
      const base = 0x555555554000;
      k.mmap.mapFixed(mm, base, P, VM_READ, undefined, prog, 0);
      k.mmap.mapFixed(mm, base + P, P, VM_READ | VM_EXEC, undefined, prog, 1);
      k.mmap.mapFixed(mm, base + 2 * P, P, VM_READ, undefined, prog, 2);
      k.mmap.mapFixed(mm, base + 3 * P, P, VM_READ | VM_WRITE, undefined, prog, 3);
      mm.startBrk = mm.brk = base + 4 * P;
    } else {
      const base = 0x08048000;
      k.mmap.mapFixed(mm, base, P, VM_READ | VM_EXEC, undefined, prog, 0);
      k.mmap.mapFixed(mm, base + P, P, VM_READ | VM_WRITE, undefined, prog, 1);
      mm.startBrk = mm.brk = base + 2 * P;
    }
    const top = mm.layout.mmapBase;
    k.mmap.mapFixed(mm, top - 6 * P, 4 * P, VM_READ | VM_DONTEXPAND, "[vvar]");
    k.mmap.mapFixed(mm, top - 2 * P, 2 * P, VM_READ | VM_EXEC | VM_DONTEXPAND, "[vdso]");
    const { stackTop, stackSize } = mm.layout;
    k.mmap.mapFixed(mm, stackTop - stackSize, stackSize, VM_READ | VM_WRITE | VM_GROWSDOWN, "[stack]");
    const t = new Task(this.nextPid++, comm, mm, null);
    this.all.set(t.pid, t);
    k.events.emit({ type: "task_new", pid: t.pid, comm, parent: 0 });
    return t;
  }

  /** fork(): a copy of the address space (dup_mmap) and of the file table. */
  fork(parent: Task): Task {
    const k = this.#k;
    const mm = new MmStruct(k, parent.mm!.layout);
    const child = new Task(this.nextPid++, parent.comm, mm, parent);
    this.all.set(child.pid, child);
    parent.children.push(child);
    for (const f of parent.files) {
      if (f) f.f_count++;
      child.files.push(f);
    }
    k.withCurrent(child, () => k.mmap.dup(parent.mm!, mm));
    k.events.emit({ type: "task_new", pid: child.pid, comm: child.comm, parent: parent.pid });
    return child;
  }

  /** do_exit(): files closed, the address space torn down (vm_ops->close on every VMA). */
  exit(t: Task, code: number, signal?: SigInfo): void {
    const k = this.#k;
    if (t.state !== "running") return;
    if (signal?.signo === SIGSEGV && signal.error !== undefined) {
      // show_signal_msg(); ip and sp are the scenario program's nominal text and stack.
      const ip = k.profile.bits === 64 ? 0x555555555000 : 0x08048000;
      k.printk(`\x016${t.comm}[${t.pid}]: segfault at ${signal.addr.toString(16)} ip ${k.px(ip)} sp ${k.px((t.mm?.layout.stackTop ?? 0) - 0x1000)} error ${signal.error}\n`);
    }
    k.withCurrent(t, () => {
      for (let fd = 0; fd < t.files.length; fd++) {
        const f = t.files[fd];
        t.files[fd] = null;
        if (f) k.fput(f);
      }
      if (t.mm && --t.mm.users === 0) k.mmap.exit(t.mm);
    });
    t.state = "zombie";
    t.exitCode = code;
    t.killedBy = signal;
    k.events.emit({ type: "task_exit", pid: t.pid, code, signal: signal ? describeSignal(signal) : undefined });
  }
}
