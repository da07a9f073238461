// Locks, interrupt flags and softirqs on the simulated CPU, and lockdep.
//
// One CPU: a spinlock is never contended by another CPU, so taking one that
// is already held (by this task, or by the code an interrupt interrupted)
// can only deadlock. Interrupts really are held off while disabled
// (spin_lock_irqsave, claim_dma_lock, local_irq_disable): a line raised
// meanwhile stays pending and is delivered when they are enabled again, as
// the local APIC would. Softirqs (timers, tasklets) wait for
// local_bh_enable()/spin_unlock_bh() and for the end of a hard interrupt.
//
// lockdep's checks, with its reports: recursive locking (LOCK001), bad
// unlock balance (LOCK002), a lock held on return to user space or out of a
// work item (LOCK003), and a circular lock order (LOCK004, from the
// dependency graph of lock classes, so the ABBA needs no second CPU to
// show). Like lockdep, the first report turns it off ("INFO: lockdep is
// turned off."): a single bug does not cascade into a page of reports.
// Semaphores are not lockdep-tracked (kernel/locking/semaphore.c has no
// annotations), so misuse there shows as a hung task, as in Linux.

import type { Kernel } from "../kernel";
import { KernelOops } from "./report";
import type { CapturedStack, Frame } from "./stack";
import { fixAt } from "./fixsite";
import type { Task } from "./tasks";

export type LockType = "spinlock" | "mutex";

/** The name a lock object was created with (DEFINE_SPINLOCK("dma_spin_lock"), new mutex("&dev->lock")), if any. */
function lockName(obj: object): string | undefined {
  const n = (obj as { name?: unknown }).name;
  return typeof n === "string" && n ? n : undefined;
}

/** A lock class: locks initialised at one site share it, as lockdep's static key makes them. */
type UsageBit = "IN-HARDIRQ-W" | "HARDIRQ-ON-W" | "IN-SOFTIRQ-W" | "SOFTIRQ-ON-W";

export class LockClass {
  /** Each usage state with the stack that first registered it. */
  readonly registered = new Map<UsageBit, CapturedStack | undefined>();
  /** Classes acquired while this one was held, with the stack of the first such acquisition. */
  readonly after = new Map<LockClass, CapturedStack | undefined>();
  enabledHardirq = false;
  usedInHardirq = false;
  enabledSoftirq = false;
  usedInSoftirq = false;
  constructor(readonly name: string, readonly type: LockType) {}

  /** {+.+.}: per hardirq/softirq, '+' taken with them enabled, '-' taken inside one, '?' both. */
  get usage(): string {
    const c = (enabled: boolean, used: boolean) => (enabled && used ? "?" : used ? "-" : enabled ? "+" : ".");
    return `{${c(this.enabledHardirq, this.usedInHardirq)}.${c(this.enabledSoftirq, this.usedInSoftirq)}.}`;
  }

  /** lockdep's wait-type pair: spinlock_t is LD_WAIT_CONFIG, a mutex LD_WAIT_SLEEP. */
  get waitType(): string { return this.type === "mutex" ? "{4:4}" : "{3:3}"; }
}

export interface LockState {
  readonly cls: LockClass;
  readonly addr: number;
  /** The task holding it, or null. */
  owner: Task | null;
}

interface Held {
  readonly lock: LockState;
  readonly stack: CapturedStack | undefined;
  readonly trylock: boolean;
}

export class Locking {
  /** The CPU's interrupt flag (EFLAGS.IF). */
  irqsEnabled = true;
  /** local_bh_disable() nesting. */
  bhDisabled = 0;
  /** Inside a softirq (a timer callback, a tasklet). */
  softirqDepth = 0;
  /** lockdep is on until its first report. */
  lockdepOn = true;
  private readonly pendingIrqs: number[] = [];
  private readonly pendingSoftirqs: Array<() => void> = [];
  private readonly held = new Map<Task, Held[]>();
  private readonly states = new WeakMap<object, LockState>();
  private readonly classes = new Map<string, LockClass>();
  private nextAddr: number;
  /** When might_sleep() last reported: __might_resched() prints at most once a second (prev_jiffy + HZ). */
  private lastSleepReportNs: number | undefined;

  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
    const img = k.profile.kernel;
    // Static locks live in the kernel image's .data, after the text and rodata.
    this.nextAddr = img.virtStart + img.textSize + img.rodataSize + 0x3c40;
  }

  // ------------------------------------------------------------ locks

  /** spin_lock_init()/mutex_init(): the lock's class is its initialisation site (or the name given). */
  init(obj: object, type: LockType, name: string | undefined, stack: CapturedStack | undefined): LockState {
    const prev = this.states.get(obj);
    if (prev?.owner) this.#k.warn(`DEBUG_LOCKS_WARN_ON(lock->magic != lock): ${type === "mutex" ? "mutex_init" : "spin_lock_init"}() of a held lock ${prev.cls.name}`, stack);
    const site = stack?.top;
    const clsName = name ?? (site ? `&${site.fn}:${site.line}` : `&lock#${this.classes.size}`);
    const key = `${type}\0${name ?? (site ? `${site.file}:${site.line}` : clsName)}`;
    let cls = this.classes.get(key);
    if (!cls) this.classes.set(key, (cls = new LockClass(clsName, type)));
    const s: LockState = { cls, addr: prev?.addr ?? this.allocAddr(), owner: null };
    this.states.set(obj, s);
    return s;
  }

  private allocAddr(): number {
    const a = this.nextAddr;
    this.nextAddr += 0x40;
    return a;
  }

  /** The lock's state; a lock used before any init gets a class named after its first use (a zeroed struct, as __SPIN_LOCK_UNLOCKED). */
  stateOf(obj: object, type: LockType, stack: CapturedStack | undefined, name?: string): LockState {
    return this.states.get(obj) ?? this.init(obj, type, name, stack);
  }

  isLocked(obj: object): boolean { return !!this.states.get(obj)?.owner; }

  heldBy(t: Task): readonly Held[] { return this.held.get(t) ?? []; }

  private heldList(): Held[] {
    const t = this.#k.current;
    let l = this.held.get(t);
    if (!l) this.held.set(t, (l = []));
    return l;
  }

  /**
   * Takes a lock for the current task. A spinlock already held on this CPU,
   * or a mutex held by the current task, is a deadlock: lockdep's report,
   * then the call is ended. Returns false for a trylock that failed.
   */
  acquire(obj: object, type: LockType, fn: string, stack: CapturedStack | undefined, opts: { trylock?: boolean } = {}): boolean {
    const k = this.#k;
    const s = this.stateOf(obj, type, stack, lockName(obj));
    const held = this.heldList();
    if (s.owner) {
      if (opts.trylock) return false;
      const mine = s.owner === k.current || type === "spinlock";
      if (mine) {
        const prior = held.find((h) => h.lock === s) ?? [...this.held.values()].flat().find((h) => h.lock === s);
        this.recursive(s, prior, fn, stack);
      }
      // A mutex held by a task that cannot run while this one waits (the simulation runs one call at a time).
      const owner = s.owner;
      this.#k.log.flush();
      return this.deadlock(`${fn}()`, `${s.cls.name} is held by ${owner.comm}/${owner.pid}, which cannot run before this task does`, stack);
    }
    if (!opts.trylock) this.checkOrder(s, held, fn, stack);
    this.noteUsage(s, fn, stack);
    s.owner = k.current;
    held.push({ lock: s, stack, trylock: !!opts.trylock });
    return true;
  }

  /** Releases a lock; one this task does not hold is lockdep's "bad unlock balance". Returns false then. */
  release(obj: object, type: LockType, fn: string, stack: CapturedStack | undefined): boolean {
    const s = this.stateOf(obj, type, stack, lockName(obj));
    const held = this.heldList();
    let i = -1;
    for (let j = held.length - 1; j >= 0; j--) if (held[j].lock === s) { i = j; break; }
    if (i < 0) {
      // The holder may be the code an interrupt interrupted: a spinlock is the CPU's, not the task's.
      if (s.owner && type === "spinlock") {
        for (const l of this.held.values()) {
          const j = l.findIndex((h) => h.lock === s);
          if (j >= 0) { l.splice(j, 1); s.owner = null; return true; }
        }
      }
      this.badUnlock(s, fn, stack);
      return false;
    }
    held.splice(i, 1);
    s.owner = null;
    return true;
  }

  /**
   * lockdep's mark_usage(): the contexts a class has been taken in. Taken
   * in an interrupt (or softirq) and also with that interrupt (or softirq)
   * enabled, the interrupt can arrive while the lock is held and spin on it
   * forever: LOCK005, reported the first time both have been seen.
   */
  private noteUsage(s: LockState, fn: string, stack: CapturedStack | undefined): void {
    const k = this.#k, c = s.cls;
    // A sleeping lock taken in an interrupt or softirq is CTX001 (might_sleep() said so): that is the bug,
    // and an "inconsistent usage" report about the same acquisition would be a second finding for it.
    if (c.type !== "spinlock" && (k.irqs.depth > 0 || this.softirqDepth > 0)) return;
    const inHard = k.irqs.depth > 0, inSoft = this.softirqDepth > 0;
    const hardOn = !inHard && this.irqsEnabled, softOn = !inHard && !inSoft && this.irqsEnabled && this.bhDisabled === 0;
    const mark = (bit: UsageBit, conflict: UsageBit) => {
      if (c.registered.has(bit)) return;
      if (this.lockdepOn && c.registered.has(conflict)) this.inconsistent(s, conflict, bit, fn, stack);
      c.registered.set(bit, stack);
    };
    if (inHard) { mark("IN-HARDIRQ-W", "HARDIRQ-ON-W"); c.usedInHardirq = true; }
    if (hardOn) { mark("HARDIRQ-ON-W", "IN-HARDIRQ-W"); c.enabledHardirq = true; }
    if (inSoft) { mark("IN-SOFTIRQ-W", "SOFTIRQ-ON-W"); c.usedInSoftirq = true; }
    if (softOn) { mark("SOFTIRQ-ON-W", "IN-SOFTIRQ-W"); c.enabledSoftirq = true; }
  }

  /** lockdep's check_prev_add(): a held class that the new one already (transitively) precedes closes a cycle. */
  private checkOrder(s: LockState, held: readonly Held[], fn: string, stack: CapturedStack | undefined): void {
    for (const h of held) {
      if (h.trylock || h.lock.cls === s.cls) continue;
      if (this.lockdepOn) {
        const chain = this.pathFrom(s.cls, h.lock.cls);
        if (chain) {
          this.circular(s, h, chain, fn, stack);
          return;
        }
      }
      if (!h.lock.cls.after.has(s.cls)) h.lock.cls.after.set(s.cls, stack);
    }
  }

  /** A dependency path from → … → to, as the classes along it, or undefined. */
  private pathFrom(from: LockClass, to: LockClass): LockClass[] | undefined {
    const prev = new Map<LockClass, LockClass | null>([[from, null]]);
    const queue = [from];
    while (queue.length) {
      const c = queue.shift()!;
      if (c === to) {
        const path: LockClass[] = [];
        for (let x: LockClass | null = c; x; x = prev.get(x) ?? null) path.unshift(x);
        return path;
      }
      for (const n of c.after.keys()) if (!prev.has(n)) { prev.set(n, c); queue.push(n); }
    }
    return undefined;
  }

  // ------------------------------------------------------------ interrupts and softirqs

  /** local_irq_save(): the flag as it was (for local_irq_restore), interrupts now off. */
  irqSave(): boolean {
    const was = this.irqsEnabled;
    this.irqsEnabled = false;
    return was;
  }

  /** local_irq_restore()/local_irq_enable(): interrupts raised while they were off are delivered now. */
  irqRestore(enabled: boolean): void {
    this.irqsEnabled = enabled;
    if (enabled) this.flushPending();
  }

  bhDisable(): void { this.bhDisabled++; }

  bhEnable(fn: string, stack: CapturedStack | undefined): void {
    if (this.bhDisabled === 0) {
      this.#k.warn(`${fn}() with softirqs already enabled (unbalanced local_bh_disable())`, stack);
      return;
    }
    this.bhDisabled--;
    this.flushPending();
  }

  /** The interrupt controller asks: may the line be delivered now? If not, it is held pending. */
  deferIrq(irq: number): boolean {
    if (this.irqsEnabled) return false;
    if (!this.pendingIrqs.includes(irq)) this.pendingIrqs.push(irq);
    return true;
  }

  /** A hard interrupt runs with interrupts off; returns what to restore. */
  enterHardirq(): boolean {
    return this.irqSave();
  }

  exitHardirq(was: boolean): void {
    this.irqsEnabled = was;
    // irq_exit() runs the softirqs the handler raised.
    if (this.#k.irqs.depth === 0) this.flushPending();
  }

  /** Runs softirq work (a timer, a tasklet) now, or when softirqs are next allowed. */
  softirq(run: () => void): void {
    if (!this.softirqAllowed()) {
      this.pendingSoftirqs.push(run);
      return;
    }
    this.runSoftirq(run);
  }

  private softirqAllowed(): boolean {
    return this.irqsEnabled && this.bhDisabled === 0 && this.softirqDepth === 0 && this.#k.irqs.depth === 0;
  }

  private runSoftirq(run: () => void): void {
    this.softirqDepth++;
    try {
      run();
    } finally {
      this.softirqDepth--;
    }
  }

  private flushPending(): void {
    const k = this.#k;
    while (this.irqsEnabled && this.pendingIrqs.length && k.irqs.depth === 0) k.irqs.deliver(this.pendingIrqs.shift()!);
    while (this.softirqAllowed() && this.pendingSoftirqs.length) this.runSoftirq(this.pendingSoftirqs.shift()!);
  }

  /** Lines still waiting for interrupts to be enabled (for the inspector and tests). */
  get pending(): readonly number[] { return this.pendingIrqs; }

  // ------------------------------------------------------------ context checks

  /** In atomic context other than a hard interrupt (which kernel.mightSleep() reports itself). */
  atomicContext(): string | undefined {
    const spin = this.heldList().filter((h) => h.lock.cls.type === "spinlock");
    if (spin.length) return `spinlock ${spin.at(-1)!.lock.cls.name} held`;
    if (this.softirqDepth > 0) return "softirq";
    if (!this.irqsEnabled) return "irqs disabled";
    if (this.bhDisabled > 0) return "softirqs disabled";
    return undefined;
  }

  /** might_sleep() under a spinlock, in a softirq or with interrupts or softirqs off: CTX001. True when it was. */
  mightSleep(fn: string, stack: CapturedStack | undefined): boolean {
    const context = this.atomicContext();
    if (!context) return false;
    const k = this.#k;
    stack ??= k.stacks.capture();
    if (this.lastSleepReportNs !== undefined && k.clock.now - this.lastSleepReportNs < 1e9) return true;
    this.lastSleepReportNs = k.clock.now;
    const spins = this.heldList().filter((h) => h.lock.cls.type === "spinlock").length;
    const preempt = spins + (this.softirqDepth > 0 ? 0x100 : 0) + this.bhDisabled * 0x200;
    const takenAt = this.heldList().filter((h) => h.lock.cls.type === "spinlock").at(-1)?.stack?.top;
    k.violation({
      rule: "CTX001",
      params: { fn: `${fn}()`, context },
      report: [
        `BUG: sleeping function called from invalid context at ${fn}`,
        `in_atomic(): ${preempt ? 1 : 0}, irqs_disabled(): ${this.irqsEnabled ? 0 : 1}, non_block: 0, pid: ${k.current.pid}, name: ${k.current.comm}`,
        `preempt_count: ${preempt.toString(16)}, expected: 0`,
        "RCU nest depth: 0, expected: 0",
        ...this.heldLocksLines(k.current),
        ...(takenAt ? [`(the spinlock was taken at ${k.stacks.formatFrame(takenAt)}: release it before the call, or use a call that does not sleep)`] : []),
        ...k.dumpStackHeader(stack),
      ],
      stack,
    });
    return true;
  }

  /**
   * The end of a call into the driver from outside the kernel (a system
   * call, a fault, module init or exit, a work item). Locks still held are
   * reported (lockdep_sys_exit(), or the workqueue's leak check) and then
   * dropped, so that one bug gives one finding. `unwinding`: the call ended
   * in an oops; its locks go silently, as the oops ends the task.
   */
  leaveKernel(what: string, unwinding: boolean, entry: { irqs: boolean; bh: number; held: number }): void {
    const k = this.#k;
    const t = k.current;
    const held = this.heldList();
    if (unwinding) {
      for (const h of held.splice(entry.held)) h.lock.owner = null;
      this.bhDisabled = entry.bh;
      this.irqRestore(entry.irqs);
      return;
    }
    const atomicLeak = this.bhDisabled !== entry.bh || this.irqsEnabled !== entry.irqs;
    if (held.length > entry.held || atomicLeak) {
      if (this.lockdepOn || atomicLeak) this.leaked(what, t, held.slice(entry.held), atomicLeak);
      for (const h of held.splice(entry.held)) h.lock.owner = null;
      this.bhDisabled = entry.bh;
      this.irqRestore(entry.irqs);
    }
  }

  /** What leaveKernel() needs to know about the state at the start of the call. */
  snapshot(): { irqs: boolean; bh: number; held: number } {
    return { irqs: this.irqsEnabled, bh: this.bhDisabled, held: this.heldList().length };
  }

  // ------------------------------------------------------------ reports

  private taskName(t: Task = this.#k.current): string { return `${t.comm}/${t.pid}`; }

  /** print_lock(): " #0: ffff… (&dev->lock){+.+.}-{3:3}, at: fn (file:line)". */
  private lockLine(h: Held, i: number): string {
    const at = h.stack?.top;
    return ` #${i}: ${this.lockDesc(h.lock)}, at: ${at ? this.#k.stacks.formatFrame(at) : "<kernel>"}`;
  }

  private lockDesc(s: LockState): string {
    return `${this.#k.px(s.addr)} (${s.cls.name})${s.cls.usage}-${s.cls.waitType}`;
  }

  /** lockdep_print_held_locks(). */
  private heldLocksLines(t: Task): string[] {
    const held = this.held.get(t) ?? [];
    if (!this.lockdepOn) return ["INFO: lockdep is turned off."];
    if (!held.length) return [`no locks held by ${this.taskName(t)}.`];
    return [`${held.length} lock${held.length > 1 ? "s" : ""} held by ${this.taskName(t)}:`, ...held.map((h, i) => this.lockLine(h, i))];
  }

  private banner(title: string): string[] {
    const bar = "=".repeat(title.length + 9);
    return ["", bar, `WARNING: ${title}`, "6.12.0-faultline #1 Not tainted", "-".repeat(bar.length)];
  }

  private stackBacktrace(stack: CapturedStack | undefined): string[] {
    return ["", "stack backtrace:", ...this.#k.dumpStackHeader(stack)];
  }

  /** A report, then lockdep is off (debug_locks_off()). */
  /** A report, then lockdep is off (debug_locks_off()). The line to change goes in the finding's fix, not in lockdep's text. */
  private lockdepReport(rule: "LOCK001" | "LOCK002" | "LOCK003" | "LOCK004" | "LOCK005", params: Record<string, string | number>, report: string[], stack: CapturedStack | undefined, fixFrame?: Frame, why?: (f: Frame) => string): void {
    const k = this.#k;
    this.lockdepOn = false;
    const fix = fixFrame && why ? fixAt(fixFrame, why) : undefined;
    k.violation({ rule, params, report, stack, ...(fix ? { fix } : {}) });
  }

  private recursive(s: LockState, prior: Held | undefined, fn: string, stack: CapturedStack | undefined): never {
    const k = this.#k;
    stack ??= k.stacks.capture();
    const at = stack?.top;
    if (this.lockdepOn) {
      this.lockdepReport("LOCK001", { task: this.taskName(), lock: s.cls.name, fn: `${fn}()` }, [
        ...this.banner("possible recursive locking detected"),
        `${this.taskName()} is trying to acquire lock:`,
        `${this.lockDesc(s)}, at: ${at ? k.stacks.formatFrame(at) : "<kernel>"}`,
        "",
        "but task is already holding lock:",
        `${this.lockDesc(s)}, at: ${prior?.stack?.top ? k.stacks.formatFrame(prior.stack.top) : "<kernel>"}`,
        "",
        "other info that might help us debug this:",
        " Possible unsafe locking scenario:",
        "",
        "       CPU0",
        "       ----",
        `  lock(${s.cls.name});`,
        `  lock(${s.cls.name});`,
        "",
        " *** DEADLOCK ***",
        "",
        " May be due to missing lock nesting notation",
        "",
        ...this.heldLocksLines(k.current),
        ...this.stackBacktrace(stack),
      ], stack, prior?.stack?.top,
      (f) => `${f.fn}() takes ${s.cls.name} here and it is taken again${at ? ` at ${k.stacks.formatFrame(at)}` : ""} while still held: release it before that call, or do not take it twice`);
    } else if (s.cls.type === "spinlock") {
      k.log.flush();
      k.printk(`\x013BUG: spinlock recursion on CPU#0, ${this.taskName()}\n`);
    }
    return this.deadlock(`${fn}()`, `${s.cls.name} is already held by this CPU: it would ${s.cls.type === "spinlock" ? "spin" : "sleep"} forever`, stack);
  }

  /** The task can never go on: the report is out; end the driver's call. */
  private deadlock(what: string, why: string, stack: CapturedStack | undefined): never {
    const k = this.#k;
    const line = `${this.taskName()} deadlocked in ${what}: ${why}`;
    k.printk(`\x013${line}\n`);
    throw new KernelOops(line, 0, [line], stack?.top, undefined);
  }

  private badUnlock(s: LockState, fn: string, stack: CapturedStack | undefined): void {
    if (!this.lockdepOn) return;
    const k = this.#k;
    stack ??= k.stacks.capture();
    const at = stack?.top;
    this.lockdepReport("LOCK002", { task: this.taskName(), lock: s.cls.name, fn: `${fn}()` }, [
      ...this.banner("bad unlock balance detected!"),
      `${this.taskName()} is trying to release lock (${s.cls.name}) at:`,
      at ? k.stacks.formatFrame(at) : "<kernel>",
      "but there are no more locks to release!",
      "",
      "other info that might help us debug this:",
      ...this.heldLocksLines(k.current),
      ...this.stackBacktrace(stack),
    ], stack);
  }

  private circular(s: LockState, h: Held, chain: LockClass[], fn: string, stack: CapturedStack | undefined): void {
    const k = this.#k;
    stack ??= k.stacks.capture();
    const at = stack?.top, heldAt = h.stack?.top;
    // The existing chain new → … → held, printed innermost first as lockdep does ("in reverse order").
    const deps: string[] = [];
    for (let i = chain.length - 1; i >= 1; i--) {
      const st = chain[i - 1].after.get(chain[i]);
      deps.push(`-> #${i} (${chain[i].name})${chain[i].usage}-${chain[i].waitType}:`, ...(st ? k.stacks.formatStack(st).map((l) => "      " + l) : []), "");
    }
    deps.push(`-> #0 (${s.cls.name})${s.cls.usage}-${s.cls.waitType}:`, ...k.stacks.formatStack(stack).map((l) => "      " + l), "");
    const a = h.lock.cls.name, b = s.cls.name;
    const firstOrder = chain[0].after.get(chain[1])?.top;
    this.lockdepReport("LOCK004", { task: this.taskName(), lock: b, held_lock: a, fn: `${fn}()` }, [
      ...this.banner("possible circular locking dependency detected"),
      `${this.taskName()} is trying to acquire lock:`,
      `${this.lockDesc(s)}, at: ${at ? k.stacks.formatFrame(at) : "<kernel>"}`,
      "",
      "but task is already holding lock:",
      `${this.lockDesc(h.lock)}, at: ${heldAt ? k.stacks.formatFrame(heldAt) : "<kernel>"}`,
      "",
      "which lock already depends on the new lock.",
      "",
      "",
      "the existing dependency chain (in reverse order) is:",
      "",
      ...deps,
      "other info that might help us debug this:",
      "",
      " Possible unsafe locking scenario:",
      "",
      "       CPU0                    CPU1",
      "       ----                    ----",
      `  lock(${a});`,
      `                               lock(${b});`,
      `                               lock(${a});`,
      `  lock(${b});`,
      "",
      " *** DEADLOCK ***",
      "",
      ...this.heldLocksLines(k.current),
      ...(firstOrder ? [`(the other order, ${b} then ${a}, was taken at ${k.stacks.formatFrame(firstOrder)})`] : []),
      ...this.stackBacktrace(stack),
    ], stack);
  }

  private inconsistent(s: LockState, prev: UsageBit, now: UsageBit, fn: string, stack: CapturedStack | undefined): void {
    const k = this.#k;
    stack ??= k.stacks.capture();
    const at = stack?.top;
    const hc = k.irqs.depth > 0 ? 1 : 0, sc = this.softirqDepth > 0 ? 1 : 0;
    const he = this.irqsEnabled ? 1 : 0, se = this.irqsEnabled && this.bhDisabled === 0 && !hc && !sc ? 1 : 0;
    const prevStack = s.cls.registered.get(prev);
    const irq = prev.includes("SOFTIRQ") || now.includes("SOFTIRQ") ? "<SoftIRQ>" : "<Interrupt>";
    this.lockdepReport("LOCK005", { problem: `{${prev}} -> {${now}}`, task: this.taskName(), lock: s.cls.name, fn: `${fn}()` }, [
      ...this.banner("inconsistent lock state"),
      `inconsistent {${prev}} -> {${now}} usage.`,
      `${this.taskName()} [HC${hc}[${hc}]:SC${sc}[${sc}]:HE${he}:SE${se}] takes:`,
      `${this.lockDesc(s)}, at: ${at ? k.stacks.formatFrame(at) : "<kernel>"}`,
      `{${prev}} state was registered at:`,
      ...k.stacks.formatStack(prevStack).map((l) => " " + l),
      "",
      "other info that might help us debug this:",
      " Possible unsafe locking scenario:",
      "",
      "       CPU0",
      "       ----",
      `  lock(${s.cls.name});`,
      `  ${irq}`,
      `    lock(${s.cls.name});`,
      "",
      " *** DEADLOCK ***",
      "",
      ...this.heldLocksLines(k.current),
      ...this.stackBacktrace(stack),
    ], stack, (prev.startsWith("IN-") ? stack : prevStack)?.top,
      (f) => `${f.fn}() takes ${s.cls.name} here with ${(prev.startsWith("IN-") ? now : prev).includes("SOFTIRQ") ? "softirqs" : "interrupts"} enabled, and it is also taken in ${irq === "<SoftIRQ>" ? "softirq" : "interrupt"} context: take it with ${(prev.startsWith("IN-") ? prev : now).includes("SOFTIRQ") ? "spin_lock_bh()" : "spin_lock_irqsave()"} here`);
  }

  private leaked(what: string, t: Task, locks: readonly Held[], atomicLeak: boolean): void {
    const k = this.#k;
    const stack = k.stacks.capture();
    const names = locks.map((h) => h.lock.cls.name).join(", ") || (this.irqsEnabled ? "softirqs disabled" : "interrupts disabled");
    const taken = locks.at(-1)?.stack?.top;
    const lines = locks.map((h, i) => this.lockLine(h, i));
    let report: string[];
    if (what === "work") {
      report = [
        `BUG: workqueue leaked atomic, lock or RCU: ${t.comm}[${t.pid}]`,
        `     preempt=0x${(locks.filter((h) => h.lock.cls.type === "spinlock").length).toString(16).padStart(8, "0")} lock=${locks.length}->0 RCU=0->0 workfn=${taken?.fn ?? "?"}`,
        ...(lines.length ? [`${locks.length} lock${locks.length > 1 ? "s" : ""} held by ${this.taskName(t)}:`, ...lines] : []),
        ...k.dumpStackHeader(stack),
      ];
    } else if (what === "timer" || what === "tasklet") {
      report = [
        `${what}: ${taken?.fn ?? "?"} preempt leak: 00000101 -> ${(0x101 + locks.filter((h) => h.lock.cls.type === "spinlock").length).toString(16).padStart(8, "0")}`,
        ...(lines.length ? [`${locks.length} lock${locks.length > 1 ? "s" : ""} held by ${this.taskName(t)}:`, ...lines] : []),
      ];
    } else {
      report = [
        ...this.banner("lock held when returning to user space!"),
        `${this.taskName(t)} is leaving the kernel with locks still held!`,
        ...(lines.length ? [`${locks.length} lock${locks.length > 1 ? "s" : ""} held by ${this.taskName(t)}:`, ...lines]
          : [`(${this.irqsEnabled ? "softirqs" : "interrupts"} left disabled by the driver's ${what}())`]),
      ];
    }
    if (!atomicLeak || locks.length) this.lockdepOn = false;
    const last = locks.at(-1)?.lock.cls.name;
    const fix = fixAt(taken, (f) => `${f.fn}() takes ${last} here and the ${what}() returns with it held: unlock it on every path out of ${f.fn}()`);
    k.violation({ rule: "LOCK003", params: { task: this.taskName(t), lock: names, fn: `${what}()` }, report, stack: locks.at(-1)?.stack ?? stack, ...(fix ? { fix } : {}) });
  }
}
