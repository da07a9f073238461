// The simulated kernel: boots a profile, owns every subsystem, and is the one
// place findings, warnings and oopses are written to the log and the event
// stream. Subsystems get it passed in; nothing here knows about editors.

import { makeProfile, type ArchName, type ArchProfile } from "./arch/profile";
import { COST_NS, VirtualClock } from "./kernel/clock";
import { EventStream } from "./kernel/events";
import { formatDmesg, LogBuffer, PRINTK_RECORD_MAX, type LogRecord } from "./kernel/printk";
import { KernelOops, RunAborted, makeFinding, repeatKey, type Finding, type FindingInput } from "./kernel/report";
import { badReturn, describeValue } from "./kernel/contract";
import { StackTracker, type CapturedStack, type Frame } from "./kernel/stack";
import { FixSites } from "./kernel/fixsite";
import type { RuleId } from "./rules/catalogue";
import { vsnprintf, type FormatContext } from "./kernel/vsprintf";
import { bootLog } from "./kernel/bootlog";
import { KernelMemory } from "./mm/access";
import { Highmem } from "./mm/highmem";
import { IoMem } from "./mm/iomem";
import { Kasan } from "./mm/kasan";
import { MemMap, Owner } from "./mm/memmap";
import { PageAllocator } from "./mm/page_alloc";
import { PG } from "./mm/page-flags";
import { PhysMem } from "./mm/physmem";
import { SlabAllocator } from "./mm/slab";
import { KernelPageTable, VmallocSpace } from "./mm/vmalloc";
import { Inspector } from "./inspect";
import { Memory, type NoFaultHandler } from "./mm/memory";
import { Mmap } from "./mm/mmap";
import { UserMemory } from "./mm/uaccess";
import { Gup } from "./mm/gup";
import { CharDevices } from "./fs/chrdev";
import type { File } from "./fs/file";
import { Task, Tasks } from "./kernel/tasks";
import { Modules } from "./kernel/modules";
import type { Module } from "./kernel/module";
import { Scheduler } from "./kernel/sched";
import { Syscalls } from "./kernel/syscalls";
import { Irqs } from "./kernel/irq";
import { Locking } from "./kernel/locking";
import { Dma } from "./dma/dma";
import { Devices } from "./dev/bus";
import { UserSignal } from "./kernel/signal";
import { MiB, PAGE_SIZE, hexAddr, parseSize } from "./util/addr";
import { mix32 } from "./util/prng";

export interface BootOptions {
  arch?: ArchName;
  /** Bytes, or a size such as "256M" or "4G". */
  mem?: number | string;
  seed?: number;
  pae?: boolean;
  nrCpus?: number;
  /** Capture a stack at every allocation (KASAN's alloc/free tracks). */
  trackStacks?: boolean;
  kasan?: boolean;
  kasanMultiShot?: boolean;
  /** KASAN quarantine size in bytes (default: RAM/32, as Linux). */
  quarantineBytes?: number;
  logBufBytes?: number;
  /** Called for every completed kernel log line. */
  onLog?: (r: LogRecord) => void;
  /**
   * The most log a run may print (lines, bytes of text) before it is stopped
   * as a log flood; once reached, printk() and every call into the driver end
   * the run again, so a driver that catches the stop cannot print on.
   */
  logLimit?: { lines?: number; bytes?: number };
  /** A fault in a VMA without a fault method: LDD3's zero page (default) or today's SIGBUS. */
  noFaultHandler?: NoFaultHandler;
  /** Device models to plug into the PCI-like bus at boot, by name: "edu", "nic", "fb", "isa". */
  devices?: readonly string[];
  /**
   * dma-debug's knobs: all_errors (false: only the first error, Linux's
   * default), driver_filter (only this driver's errors), and whether each map
   * records its "Mapped at" stack (CONFIG_STACKTRACE).
   */
  dmaDebug?: { allErrors?: boolean; driverFilter?: string; stacks?: boolean };
}


export const DEFAULT_SEED = 0x5eed;

/** An Error from any realm (the driver's context has its own Error). */
export function isError(e: unknown): e is Error {
  return Object.prototype.toString.call(e) === "[object Error]";
}

export class Kernel {
  readonly profile: ArchProfile;
  readonly seed: number;
  readonly clock = new VirtualClock();
  readonly events: EventStream;
  readonly stacks = new StackTracker();
  /** Where a leak at unload is fixed: the teardowns that ran and their frames. */
  readonly fixSites = new FixSites(this.stacks);
  readonly log: LogBuffer;
  readonly memmap: MemMap;
  readonly phys: PhysMem;
  readonly kpt: KernelPageTable;
  readonly pages: PageAllocator;
  readonly slab: SlabAllocator;
  readonly vmalloc: VmallocSpace;
  readonly highmem: Highmem;
  readonly io: IoMem;
  readonly mem: KernelMemory;
  readonly kasan: Kasan;
  readonly inspect: Inspector;
  readonly cost = COST_NS;
  readonly findings: Finding[] = [];
  /** The driver's entry points being run, outermost first ("init", "read", "fault", ...). */
  readonly driverCalls: string[] = [];
  /** Sees each oops as it happens, with the rule behind it if a catalogue rule is (the driver host streams them). */
  onOops: ((message: string, location: Frame | undefined, rule: RuleId | undefined) => void) | undefined;
  /** Sees each finding as it is made (the driver host streams them). */
  onFinding: ((f: Finding) => void) | undefined;
  /** Sees a finding made again (same rule, line and fix): `index` into `findings`, the finding with its new count. */
  onFindingCount: ((index: number, f: Finding) => void) | undefined;
  /** repeatKey() → the finding that report made (counted since). */
  private readonly findingAt = new Map<string, Finding>();
  /** Adds a line of explanation to the oops of a JavaScript error from the driver (the host knows its sandbox). */
  explainDriverError: ((e: Error, frames: readonly Frame[], rawStack?: string) => string | undefined) | undefined;
  /** The stack of a driver's error as V8 captured it (the host's; without it, the error's own \`stack\`, which the driver can assign). */
  stackOf: ((e: Error) => string | undefined) | undefined;
  /** Set when a limit ended the run: from then on no driver code is called and printk() refuses. */
  halted: RunAborted | undefined;
  /** Called when the outermost call into a driver returns (the driver host runs the driver's pending microtasks here). */
  onDriverReturn: ((m: Module | null, what: string) => void) | undefined;
  /** Where a callback that broke its return contract is (the host finds an async function's line from its Promise). */
  locateReturn: ((what: string, value: unknown, m: Module | null, callee: unknown) => Frame | undefined) | undefined;
  private logCount = { lines: 0, bytes: 0 };
  readonly mm: Memory;
  readonly mmap: Mmap;
  readonly uaccess: UserMemory;
  readonly gup: Gup;
  readonly chrdev: CharDevices;
  readonly tasks: Tasks;
  readonly modules: Modules;
  readonly sched: Scheduler;
  readonly syscalls: Syscalls;
  readonly irqs: Irqs;
  /** Locks, the interrupt flag, softirqs and lockdep. */
  readonly locking: Locking;
  readonly dma: Dma;
  readonly devices: Devices;
  /** The task whose context kernel code runs in: insmod for module init and exit, the caller for system calls. */
  readonly insmodTask = new Task(1, "insmod", null, null);
  /** The worker that runs work items. */
  readonly kworker = new Task(2, "kworker/0:1", null, null);
  current: Task = this.insmodTask;
  /** The module whose code is running (allocations are charged to it). */
  currentModule: Module | null = null;
  /** Inside a driver's fault handler: the references it takes belong to the page table. */
  inFault = false;
  /** Frames memblock reserved at boot, by what for. */
  readonly reserved = new Map<string, [number, number]>();
  private oopsCount = 0;
  private readonly fmt: FormatContext;
  /** The usable e820 ranges as [start, end, start, end, ...]: isRamPhys() is on the fault path. */
  private readonly ramRanges: number[];

  private constructor(opts: BootOptions) {
    const memBytes = typeof opts.mem === "string" ? parseSize(opts.mem) : opts.mem ?? 256 * MiB;
    this.profile = makeProfile({ arch: opts.arch ?? "x86_64", memBytes, pae: opts.pae, nrCpus: opts.nrCpus });
    this.seed = (opts.seed ?? DEFAULT_SEED) >>> 0;
    this.events = new EventStream(() => this.clock.now);
    this.log = new LogBuffer({
      capacityBytes: opts.logBufBytes ?? 1 << 17,
      onRecord: (r) => {
        this.events.emit({ type: "log", level: r.level, text: r.text, tsNs: r.tsNs });
        opts.onLog?.(r);
        if (opts.logLimit) this.countLog(r, opts.logLimit);
      },
    });
    this.stacks.enabled = opts.trackStacks ?? true;
    this.fmt = {
      pointerBits: this.profile.bits,
      physBits: this.profile.physDigits === 16 ? 64 : 32,
      hashPointer: (p) => mix32(this.seed ^ 0x70747268, p),
    };
    this.ramRanges = this.profile.e820.filter((e) => e.type === "usable").flatMap((e) => [e.start, e.end]);
    this.kpt = new KernelPageTable(Math.floor(this.profile.vmallocStart / PAGE_SIZE));
    this.memmap = new MemMap(this.profile);
    this.phys = new PhysMem(this.seed);
    this.pages = new PageAllocator(this);
    this.slab = new SlabAllocator(this, opts.quarantineBytes);
    this.vmalloc = new VmallocSpace(this);
    this.highmem = new Highmem(this);
    this.io = new IoMem(this);
    this.mem = new KernelMemory(this);
    this.kasan = new Kasan(this);
    this.kasan.enabled = opts.kasan ?? true;
    this.kasan.multiShot = opts.kasanMultiShot ?? true;
    this.mm = new Memory(this);
    this.mmap = new Mmap(this);
    this.uaccess = new UserMemory(this);
    this.gup = new Gup(this);
    this.chrdev = new CharDevices(this);
    this.tasks = new Tasks(this);
    this.modules = new Modules(this);
    this.sched = new Scheduler(this);
    this.syscalls = new Syscalls(this);
    this.irqs = new Irqs(this);
    this.locking = new Locking(this);
    this.dma = new Dma(this);
    if (opts.dmaDebug?.allErrors !== undefined) this.dma.debug.allErrors = opts.dmaDebug.allErrors;
    if (opts.dmaDebug?.driverFilter !== undefined) this.dma.debug.driverFilter = opts.dmaDebug.driverFilter;
    if (opts.dmaDebug?.stacks !== undefined) this.dma.debug.recordStacks = opts.dmaDebug.stacks;
    this.inspect = new Inspector(this);
    this.devices = new Devices(this, opts.devices);
    if (opts.noFaultHandler) this.mm.noFaultHandler = opts.noFaultHandler;
  }

  /** Boots a machine: memblock reservations, buddy allocator, slab caches, boot log. */
  static boot(opts: BootOptions = {}): Kernel {
    const k = new Kernel(opts);
    k.memblockSetup();
    k.events.emit({ type: "boot", arch: k.profile.arch, memBytes: k.profile.memBytes, seed: k.seed });
    for (const line of bootLog(k)) k.printk(line + "\n");
    return k;
  }

  get imageSize(): number {
    const i = this.profile.kernel;
    return i.textSize + i.rodataSize + i.dataSize + i.bssSize;
  }

  /** Reserve the low 1 MiB, the kernel image and mem_map, then free the rest to the buddy allocator. */
  private memblockSetup(): void {
    const p = this.profile, mm = this.memmap;
    const usable: Array<[number, number]> = p.e820.filter((e) => e.type === "usable").map((e) => [Math.ceil(e.start / PAGE_SIZE), Math.floor(e.end / PAGE_SIZE)]);
    const reserve = (what: string, lo: number, hi: number, owner: Owner) => {
      this.reserved.set(what, [lo, hi]);
      mm.initRange(lo, hi, { flags: 1 << PG.reserved, refcount: 1, owner });
    };
    reserve("low memory (real mode, BIOS)", 0, 0x100, Owner.Reserved);
    const img0 = p.kernel.physStart / PAGE_SIZE;
    reserve("kernel image", img0, img0 + this.imageSize / PAGE_SIZE, Owner.Kernel);
    // mem_map comes from memblock top-down, in low memory on i386.
    const memmapPages = Math.ceil((p.maxPfn * p.structPageSize) / PAGE_SIZE);
    const top = usable.filter(([lo]) => lo < p.maxLowPfn).map(([, hi]) => Math.min(hi, p.maxLowPfn)).reduce((a, b) => Math.max(a, b));
    reserve("mem_map", top - memmapPages, top, Owner.MemMap);
    mm.memMapPhys = (top - memmapPages) * PAGE_SIZE;
    this.pages.bootFree(usable, [...this.reserved.values()]);
  }

  isRamPhys(pa: number): boolean {
    const r = this.ramRanges;
    for (let i = 0; i < r.length; i += 2) if (pa >= r[i] && pa < r[i + 1]) return true;
    return false;
  }

  isRamPfn(pfn: number): boolean { return this.isRamPhys(pfn * PAGE_SIZE); }

  /** %px: the address, zero-padded to the pointer width. */
  px(addr: number): string { return hexAddr(addr, this.profile.ptrDigits); }

  /** printk(): formats like lib/vsprintf.c and appends to the log ring. */
  printk(fmt: string, ...args: unknown[]): void {
    if (this.halted) throw this.halted;
    let text = args.length ? vsnprintf(fmt, args, this.fmt) : fmt;
    // vprintk_store() formats one printk into at most PRINTKRB_RECORD_MAX bytes (its level prefixes come off first).
    if (text.length > PRINTK_RECORD_MAX + 8) text = text.slice(0, PRINTK_RECORD_MAX + 8);
    this.log.write(text, this.clock.now);
    this.clock.advance(this.cost.printk);
  }

  format(fmt: string, args: readonly unknown[]): string { return vsnprintf(fmt, args, this.fmt); }

  private logLines(level: number, lines: readonly string[]): void {
    this.log.flush();
    for (const l of lines) this.printk(`\x01${level}${l}\n`);
  }

  violation(f: FindingInput): Finding {
    f = { ...f, stack: f.stack ?? this.stacks.capture() };
    this.logLines(3, f.report);
    let finding = makeFinding(this.events.lastSeq + 1, f); // the seq of the violation event below
    // The same misuse at the same line (the next buffer, the next call) is the same bug: one finding, counted.
    // The log keeps each report as the subsystem printed it.
    const key = repeatKey(finding);
    const was = key === undefined ? undefined : this.findingAt.get(key);
    // A test may have emptied `findings` since: then this is a first time again.
    const first = was ? this.findings.lastIndexOf(was) : -1;
    if (first >= 0) {
      finding = Object.freeze({ ...was!, count: (was!.count ?? 1) + 1 });
      this.findings[first] = finding;
      this.findingAt.set(key!, finding);
      this.onFindingCount?.(first, finding);
    } else {
      if (key !== undefined) this.findingAt.set(key, finding);
      this.findings.push(finding);
      this.onFinding?.(finding);
    }
    this.events.emit({ type: "violation", rule: finding.rule, message: finding.message, location: finding.location, report: [...f.report] });
    return finding;
  }

  /** WARN(): a cut-here block with the message and the driver's stack. */
  warn(message: string | undefined, stack: CapturedStack | undefined): void {
    stack ??= this.stacks.capture();
    this.logLines(4, [
      "------------[ cut here ]------------",
      ...(message === undefined ? [] : [message]),
      `WARNING: CPU: 0 PID: ${this.current.pid} at ${this.stacks.symbol(stack)}`,
      "Call Trace:", ...this.stacks.formatStack(stack),
      "---[ end trace 0000000000000000 ]---",
    ]);
  }

  /** The "CPU: … Call Trace:" block of dump_stack(). */
  dumpStackHeader(stack: CapturedStack | undefined): string[] {
    return [
      `CPU: 0 UID: 0 PID: ${this.current.pid} Comm: ${this.current.comm} Not tainted 6.12.0-faultline #1`,
      "Hardware name: Faultline simulated PC",
      "Call Trace:",
      " <TASK>",
      ...this.stacks.formatStack(stack),
      " </TASK>",
    ];
  }

  /** A kernel-mode page fault with no fixup: page_fault_oops(). Unwinds the driver's call. */
  pageFaultOops(addr: number, write: boolean, stack: CapturedStack | undefined, size = 1, cause?: string): never {
    stack ??= this.stacks.capture();
    const p = this.profile;
    const user = addr >= 0 && addr < p.taskSize;
    const headline = addr >= 0 && addr < PAGE_SIZE
      ? `BUG: kernel NULL pointer dereference, address: ${this.px(addr)}`
      : `BUG: unable to handle page fault for address: ${this.px(addr)}`;
    const err = write ? 2 : 0;
    const report = [
      headline,
      `#PF: supervisor ${write ? "write" : "read"} access in kernel mode`,
      `#PF: error_code(0x${err.toString(16).padStart(4, "0")}) - not-present page`,
      ...(user && addr >= PAGE_SIZE ? ["(a user-space address: kernel code must use copy_from_user()/copy_to_user() for these)"] : []),
      ...(cause ? [`(${cause})`] : []),
      `Oops: ${err.toString(16).padStart(4, "0")} [#${++this.oopsCount}] PREEMPT SMP KASAN${p.arch === "x86_64" ? " NOPTI" : ""}`,
      ...this.dumpStackHeader(stack).slice(0, 2),
      p.arch === "x86_64" ? `RIP: 0010:${this.stacks.symbol(stack)}` : `EIP: ${this.stacks.symbol(stack)}`,
      ...this.dumpStackHeader(stack).slice(2),
      "---[ end trace 0000000000000000 ]---",
    ];
    const reason = addr >= 0 && addr < PAGE_SIZE ? "kernel NULL pointer dereference" : "unable to handle page fault";
    return this.oops("MEM005", headline, addr, report, stack, { reason, addr: this.px(addr), access: write ? "write" : "read", size });
  }

  /** BUG()/BUG_ON(): the driver's own assertion failed; an oops without a catalogue rule. */
  bug(stack: CapturedStack | undefined): never {
    stack ??= this.stacks.capture();
    const where = this.stacks.symbol(stack);
    const headline = `kernel BUG at ${where}!`;
    const report = [
      "------------[ cut here ]------------",
      headline,
      `Oops: invalid opcode: 0000 [#${++this.oopsCount}] PREEMPT SMP KASAN${this.profile.arch === "x86_64" ? " NOPTI" : ""}`,
      ...this.dumpStackHeader(stack),
      "---[ end trace 0000000000000000 ]---",
    ];
    this.logLines(4, report);
    this.noteOops(headline, 0, stack?.top, report, undefined);
    throw new KernelOops(headline, 0, report, stack?.top, undefined);
  }

  /** A task that would block forever: end the driver's call with the report already logged. */
  hang(reason: string, stack: CapturedStack | undefined, rule: FindingInput["rule"]): never {
    throw new KernelOops(reason, 0, [reason], stack?.top, rule);
  }

  private oops(rule: FindingInput["rule"], headline: string, addr: number, report: string[], stack: CapturedStack | undefined, params: Record<string, string | number>): never {
    this.logLines(1, report);
    const f = makeFinding(this.events.lastSeq + 1, { rule, params, report, stack });
    this.findings.push(f);
    this.onFinding?.(f);
    this.noteOops(headline, addr, f.location, report, rule);
    throw new KernelOops(headline, addr, report, f.location, rule);
  }

  /** Every oops passes here: the event, and the host's hook. */
  noteOops(message: string, address: number, location: Frame | undefined, report: string[], rule: RuleId | undefined): void {
    this.events.emit({ type: "oops", message, address, location, report });
    this.onOops?.(message, location, rule);
  }

  /** might_sleep(): a sleeping call while a kmap_atomic() mapping is held. */
  mightSleep(fn: string, stack: CapturedStack | undefined): void {
    if (this.irqs.depth > 0) return this.sleepInIrq(fn, stack);
    if (this.locking.mightSleep(fn, stack)) return;
    if (this.highmem.atomicDepth === 0) return;
    stack ??= this.stacks.capture();
    this.violation({
      rule: "PG005",
      params: { problem: `${fn}() may sleep, called while a kmap_atomic() mapping is held`, addr: this.px(this.highmem.local[0].at(-1)?.addr ?? 0) },
      report: [
        `BUG: sleeping function called from invalid context at ${fn}`,
        `in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: ${this.current.pid}, name: ${this.current.comm}`,
        `preempt_count: ${this.highmem.atomicDepth}, expected: 0`,
        ...this.dumpStackHeader(stack),
      ],
      stack,
    });
  }

  /** CTX001: a sleeping call from an interrupt handler. */
  private sleepInIrq(fn: string, stack: CapturedStack | undefined): void {
    stack ??= this.stacks.capture();
    this.violation({
      rule: "CTX001",
      params: { fn: `${fn}()`, context: "hard interrupt context" },
      report: [
        `BUG: sleeping function called from invalid context at ${fn}`,
        `in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: ${this.current.pid}, name: ${this.current.comm}`,
        "preempt_count: 10000, expected: 0",
        ...this.dumpStackHeader(stack),
      ],
      stack,
    });
  }

  /** MEM006: plain loads/stores on __iomem, or readl()-style access to RAM. */
  reportIoMisuse(fn: string, addr: number, target: "RAM" | "I/O", stack: CapturedStack | undefined): void {
    stack ??= this.stacks.capture();
    const what = target === "I/O"
      ? `${fn}() on ${this.px(addr)}, an __iomem address from ioremap(); use readl()/writel() or memcpy_fromio()/memcpy_toio()`
      : `${fn}() on ${this.px(addr)}, which is RAM, not an ioremap()ed address`;
    // The message names the address once; the problem without it.
    const problem = target === "I/O"
      ? `${fn}() on an __iomem address from ioremap(); use readl()/writel() or memcpy_fromio()/memcpy_toio()`
      : `${fn}() on RAM, not an ioremap()ed address`;
    this.violation({
      rule: "MEM006",
      params: { problem, addr: this.px(addr) },
      report: [`sparse: warning: incorrect type in argument (different address spaces): ${what}`, "Call Trace:", ...this.stacks.formatStack(stack)],
      stack,
    });
  }

  /** __pa()/virt_to_phys(): exact for the direct map and the kernel image; anything else is a bug (CONFIG_DEBUG_VIRTUAL's warning). */
  virtToPhys(addr: number, fn: string, stack: CapturedStack | undefined): number {
    const p = this.profile;
    if (addr >= p.pageOffset && addr < p.highMemory) return addr - p.pageOffset;
    const imageBase = p.kernel.virtStart - p.kernel.physStart;
    if (p.arch === "x86_64" && addr >= p.kernel.virtStart && addr < p.kernel.virtStart + this.imageSize) return addr - imageBase;
    this.warn(`${fn}() used for non-linear address: ${this.px(addr)}${this.vmalloc.isVmallocAddr(addr) ? " (a vmalloc address: use vmalloc_to_page()/vmalloc_to_pfn())" : ""}`, stack);
    return addr - p.pageOffset;
  }

  /** __va()/phys_to_virt(): only low memory has a logical address (PG006 otherwise). */
  physToVirt(pa: number, fn: string, stack: CapturedStack | undefined): number {
    const p = this.profile;
    const pfn = Math.floor(pa / PAGE_SIZE);
    // On i386 everything above max_low_pfn — high memory and device memory alike — has no logical address.
    if (pfn >= p.maxLowPfn && (this.isRamPhys(pa) || p.arch === "i386")) {
      this.violation({
        rule: "PG006",
        params: { fn: `${fn}()`, pfn: `0x${pfn.toString(16)}` },
        report: [`${fn}(0x${hexAddr(pa, p.physDigits)}): physical address in high memory has no kernel logical address; map the page with kmap()/kmap_local_page()`, "Call Trace:", ...this.stacks.formatStack(stack)],
        stack,
      });
    }
    // The C arithmetic wraps at the pointer width.
    return p.bits === 32 ? (pa + p.pageOffset) % 2 ** 32 : pa + p.pageOffset;
  }

  private readonly ids: Record<string, number> = { mm: 0, file: 0, ino: 1024, rootino: 1310720 };

  /** The next number of a kind (inode numbers, mm and file ids): per kernel, so runs are reproducible. */
  nextId(kind: "mm" | "file" | "ino" | "rootino"): number {
    return ++this.ids[kind];
  }

  /** Runs fn as task t (current = t). */
  withCurrent<T>(t: Task, fn: () => T): T {
    const prev = this.current;
    this.current = t;
    try {
      return fn();
    } finally {
      this.current = prev;
    }
  }

  /** Runs fn with allocations charged to a module. */
  withModule<T>(m: Module | null, fn: () => T): T {
    const prev = this.currentModule;
    this.currentModule = m;
    try {
      return fn();
    } finally {
      this.currentModule = prev;
    }
  }

  /**
   * Every call into a driver's code (init, exit, fops, vm_ops) goes through
   * here: it runs in the module's context, and a JavaScript exception thrown
   * by the driver becomes an oops with the driver's stack, as a crash in a
   * C driver would.
   */
  callDriver<T>(m: Module | null, what: string, fn: () => T, callee?: unknown): T {
    return this.callDriverWith(m, what, fn, undefined, undefined, callee);
  }

  /** callDriver() for a method call with one argument, without a closure: the fault path's form. */
  callDriverWith<A, R>(m: Module | null, what: string, fn: (this: unknown, a: A) => R, self: unknown, arg: A, callee?: unknown): R {
    if (this.halted) throw this.halted;
    const prevModule = this.currentModule, prevFault = this.inFault;
    this.currentModule = m ?? prevModule;
    this.inFault = what === "fault" || what === "page_mkwrite";
    // The outermost call is where the kernel is entered and left: locks still held then are lockdep's concern.
    const entry = this.irqs.depth === 0 && (this.driverCalls.length === 0 || what === "work" || what === "timer" || what === "tasklet") ? this.locking.snapshot() : undefined;
    let unwinding = true;
    this.driverCalls.push(what);
    let ret: R;
    try {
      ret = fn.call(self, arg);
      unwinding = false;
    } catch (e) {
      if (e instanceof KernelOops || e instanceof UserSignal || e instanceof RunAborted) throw e;
      throw this.driverException(e, what);
    } finally {
      if (entry) this.locking.leaveKernel(what, unwinding, entry);
      this.driverCalls.pop();
      this.currentModule = prevModule;
      this.inFault = prevFault;
    }
    if (this.driverCalls.length === 0) this.onDriverReturn?.(m, what);
    const bad = badReturn(what, ret);
    // The driver's own function (the closure's target, or fn itself for a method call) places the report at its definition.
    if (bad) throw this.brokenContract(m, what, ret, bad, callee ?? (self !== undefined ? fn : undefined));
    return ret;
  }

  /** A callback's return value that C's types would not allow: an oops in the callback, as a BUG the kernel cannot go on from. */
  private brokenContract(m: Module | null, what: string, value: unknown, why: string, callee: unknown): KernelOops {
    const where = this.locateReturn?.(what, value, m, callee);
    const headline = `BUG: the driver's ${why}`;
    const report = [
      headline,
      `Oops: 0000 [#${++this.oopsCount}] PREEMPT SMP KASAN${this.profile.arch === "x86_64" ? " NOPTI" : ""}`,
      `CPU: 0 UID: 0 PID: ${this.current.pid} Comm: ${this.current.comm} Tainted: G    B              6.12.0-faultline #1`,
      ...(where ? [`${this.profile.arch === "x86_64" ? "RIP: 0010:" : "EIP: "}${this.stacks.formatFrame(where)}`] : []),
      "---[ end trace 0000000000000000 ]---",
    ];
    this.logLines(1, report);
    this.noteOops(headline, 0, where, report, undefined);
    return new KernelOops(headline, 0, report, where, undefined);
  }

  /** The log limit: counted on every record, and sticky once reached. */
  private countLog(r: LogRecord, limit: { lines?: number; bytes?: number }): void {
    const c = this.logCount;
    c.lines++;
    c.bytes += r.text.length + 1;
    const what = limit.lines !== undefined && c.lines >= limit.lines ? `${limit.lines} lines` : limit.bytes !== undefined && c.bytes >= limit.bytes ? `${limit.bytes} bytes` : undefined;
    if (!what || this.halted) return;
    const stack = this.stacks.capture();
    const top = stack?.top;
    this.halted = new RunAborted("log-flood", `the kernel log reached ${what}: the driver is flooding it${top ? ` (the last line came from ${this.stacks.formatFrame(top)})` : ""}`, top, stack?.driverFrames ?? []);
    throw this.halted;
  }

  /** A JavaScript error escaping driver code: logged as an oops in the driver's own lines. */
  private driverException(e: unknown, what: string): KernelOops {
    // An Error of the driver's own realm is not `instanceof Error` here: recognise it by its brand.
    // A value that is not an Error has no stack of the throw: a stack taken here would name the caller (the scenario), not the driver.
    const genuine = isError(e);
    const err = genuine ? e : new Error(`${describeValue(e)}, not an Error (no stack: the throw cannot be located)`);
    const raw = this.stackOf ? this.stackOf(err) : err.stack;
    const frames = genuine ? this.stacks.driverFrames(typeof raw === "string" ? raw : "") : [];
    const where = frames[0] ? this.stacks.formatFrame(frames[0]) : "<driver>";
    // printk cuts a record at 1024 bytes anyway; a message of megabytes would only be copied around on the way there.
    const message = String(err.message), shown = message.length > 1024 ? `${message.slice(0, 1024)}…` : message;
    const headline = `BUG: the driver's ${what}() threw ${genuine ? `${err.name}: ${shown}` : shown}`;
    const why = genuine ? this.explainDriverError?.(err, frames, typeof raw === "string" ? raw : "") : undefined;
    const report = [
      headline,
      ...(why ? [`(${why})`] : []),
      `Oops: 0000 [#${++this.oopsCount}] PREEMPT SMP KASAN${this.profile.arch === "x86_64" ? " NOPTI" : ""}`,
      `CPU: 0 UID: 0 PID: ${this.current.pid} Comm: ${this.current.comm} Tainted: G    B              6.12.0-faultline #1`,
      `${this.profile.arch === "x86_64" ? "RIP: 0010:" : "EIP: "}${where}`,
      "Call Trace:", " <TASK>", ...frames.map((f) => " " + this.stacks.formatFrame(f)), " </TASK>",
      "---[ end trace 0000000000000000 ]---",
    ];
    this.logLines(1, report);
    this.noteOops(headline, 0, frames[0], report, undefined);
    return new KernelOops(headline, 0, report, frames[0], undefined);
  }

  /** fput(): the last reference to a file calls the driver's release. */
  fput(f: File): void {
    if (--f.f_count > 0) return;
    const release = f.f_op.release;
    try {
      if (release) this.callDriver(f.module, "release", () => release(f.f_inode, f), release);
    } finally {
      if (f.f_op.owner) f.f_op.owner.refcnt--;
      this.events.emit({ type: "file_release", path: f.path, file: f.id });
    }
  }

  /** `dmesg`. */
  dmesg(opts?: { decode?: boolean }): string {
    this.log.flush();
    return formatDmesg(this.log.records(), opts);
  }
}
