// Touching user memory. A scenario's loads and stores and the kernel's
// copy_to_user()/copy_from_user() both go through the TLB and the page
// tables, and fault like the MMU would: a user access that cannot be
// resolved delivers a signal; a kernel access returns what it could not copy.

import type { Kernel } from "../kernel";
import { KernelOops } from "../kernel/report";
import { SIGBUS, SEGV_ACCERR, SIGSEGV, BUS_ADRERR, UserSignal, pfError, type SigInfo } from "../kernel/signal";
import { PAGE_SIZE } from "../util/addr";
import { readLE, toBigInt, writeLE, type IoWidth } from "./iomem";
import type { MmStruct } from "./mm_struct";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER, ptePfn, pteModify, type TlbEntry } from "./pgtable";

type Chunk = (e: TlbEntry, pa: number, off: number, n: number) => void;

/** How many times one access may fault before the kernel gives up on a handler that never maps anything. */
const FAULT_RETRIES = 8;
/** si_code of a signal the kernel itself raised. */
const SI_KERNEL = 0x80;

export class UserMemory {
  readonly #k: Kernel;
  constructor(k: Kernel) {
    this.#k = k;
  }

  /** The signal the last failed resolve() raised. */
  private sig: SigInfo | undefined;

  /** The TLB entry for one page, faulting it in if needed; undefined when a signal was raised (see `sig`). */
  resolve(mm: MmStruct, addr: number, write: boolean, user: boolean): TlbEntry | undefined {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const tlb = mm.pgtables;
    const hit = tlb.tlbLookup(vpn);
    // A user page without _PAGE_USER is PROT_NONE: neither the program nor copy_*_user() may use it.
    if (hit && hit.pte & _PAGE_USER && (!write || hit.pte & _PAGE_RW)) {
      if (write && !(hit.pte & _PAGE_DIRTY)) this.setAD(mm, vpn, hit, true);
      return hit;
    }
    for (let tries = 0; tries < FAULT_RETRIES; tries++) {
      const pte = tlb.get(vpn * PAGE_SIZE);
      if (pte & _PAGE_PRESENT && pte & _PAGE_USER && (!write || pte & _PAGE_RW)) {
        const pfn = ptePfn(pte);
        const e: TlbEntry = { vpn, pte, frame: this.#k.isRamPfn(pfn) ? this.#k.phys.frame(pfn) : undefined };
        this.setAD(mm, vpn, e, write);
        tlb.tlbFill(e);
        return e;
      }
      if (pte & _PAGE_PRESENT && !(pte & _PAGE_USER)) return this.fail({ signo: SIGSEGV, code: SEGV_ACCERR, addr, error: pfError(true, write) });
      const sig = user ? this.userFault(mm, addr, write) : this.#k.mm.handleFault(mm, addr, write, false);
      if (sig) return this.fail(sig);
    }
    this.#k.warn(`page fault at 0x${addr.toString(16)} keeps recurring: the fault handler returns without mapping the page (VM_FAULT_NOPAGE with no PTE installed?)`, undefined);
    return this.fail({ signo: SIGBUS, code: BUS_ADRERR, addr });
  }

  private fail(sig: SigInfo): undefined {
    this.sig = sig;
    return undefined;
  }

  /**
   * A page fault taken by the program itself. When the driver's fault handler
   * oopses, the program dies of it (make_task_dead(SIGSEGV)) — no signal
   * handler can catch that — and the kernel goes on.
   */
  private userFault(mm: MmStruct, addr: number, write: boolean): SigInfo | undefined {
    try {
      return this.#k.mm.handleFault(mm, addr, write, true);
    } catch (e) {
      const t = this.#k.current;
      if (!(e instanceof KernelOops) || t.mm !== mm) throw e;
      const sig: SigInfo = { signo: SIGSEGV, code: SI_KERNEL, addr: e.address };
      this.#k.tasks.exit(t, 128 + SIGSEGV, sig);
      throw new UserSignal(t.pid, sig);
    }
  }

  /** The MMU sets Accessed on a walk and Dirty on the first write. */
  private setAD(mm: MmStruct, vpn: number, e: TlbEntry, write: boolean): void {
    const bits = _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
    if ((e.pte & bits) === bits) return;
    e.pte = pteModify(e.pte, bits);
    mm.pgtables.set(vpn * PAGE_SIZE, e.pte);
  }

  /** Walks [addr, addr+len) page by page; stops at the first signal and returns it with the bytes done. */
  private each(mm: MmStruct, addr: number, len: number, write: boolean, user: boolean, fn: Chunk): { done: number; sig?: SigInfo } {
    let off = 0;
    while (off < len) {
      const a = addr + off;
      const inPage = a % PAGE_SIZE;
      const n = Math.min(len - off, PAGE_SIZE - inPage);
      const e = this.resolve(mm, a, write, user);
      if (!e) return { done: off, sig: this.sig };
      fn(e, ptePfn(e.pte) * PAGE_SIZE + inPage, off, n);
      off += n;
    }
    return { done: off };
  }

  /* ---- the user program's view (scenarios) ---- */

  read(mm: MmStruct, addr: number, len: number): { bytes: Uint8Array; sig?: SigInfo } {
    const out = new Uint8Array(len);
    const io = this.#k.io;
    const r = this.each(mm, addr, len, false, true, (e, pa, off, n) => {
      if (e.frame) out.set(e.frame.subarray(pa % PAGE_SIZE, pa % PAGE_SIZE + n), off);
      else for (let i = 0; i < n; i++) out[off + i] = Number(io.read(pa + i, 1));
    });
    this.#k.clock.advance(len * this.#k.cost.bytes);
    return { bytes: out, sig: r.sig };
  }

  write(mm: MmStruct, addr: number, src: Uint8Array): SigInfo | undefined {
    const io = this.#k.io;
    const r = this.each(mm, addr, src.length, true, true, (e, pa, off, n) => {
      if (e.frame) { e.frame.set(src.subarray(off, off + n), pa % PAGE_SIZE); this.#k.mem.onWrite?.(pa, n); }
      else for (let i = 0; i < n; i++) io.write(pa + i, 1, src[off + i]);
    });
    this.#k.clock.advance(src.length * this.#k.cost.bytes);
    return r.sig;
  }

  /** One naturally sized load: device registers see a single access of that width. */
  load(mm: MmStruct, addr: number, width: IoWidth): { value: number | bigint; sig?: SigInfo } {
    if (addr % PAGE_SIZE + width > PAGE_SIZE) {
      const r = this.read(mm, addr, width);
      return { value: readLE(r.bytes, 0, width), sig: r.sig };
    }
    const e = this.resolve(mm, addr, false, true);
    if (!e) return { value: 0, sig: this.sig };
    const pa = ptePfn(e.pte) * PAGE_SIZE + (addr % PAGE_SIZE);
    return { value: e.frame ? readLE(e.frame, pa % PAGE_SIZE, width) : this.#k.io.read(pa, width) };
  }

  store(mm: MmStruct, addr: number, width: IoWidth, value: number | bigint): SigInfo | undefined {
    if (addr % PAGE_SIZE + width > PAGE_SIZE) {
      const b = new Uint8Array(width);
      writeLE(b, 0, width, toBigInt(value));
      return this.write(mm, addr, b);
    }
    const e = this.resolve(mm, addr, true, true);
    if (!e) return this.sig;
    const pa = ptePfn(e.pte) * PAGE_SIZE + (addr % PAGE_SIZE);
    if (e.frame) { writeLE(e.frame, pa % PAGE_SIZE, width, value); this.#k.mem.onWrite?.(pa, width); }
    else this.#k.io.write(pa, width, value);
    return undefined;
  }

  /* ---- the kernel's view: copy_to_user() and friends, on the current task's mm ---- */

  /** access_ok(): the range lies below TASK_SIZE. */
  accessOk(addr: number, size: number): boolean {
    return addr >= 0 && size >= 0 && addr + size <= this.#k.profile.taskSize;
  }

  /** copy_to_user(): bytes NOT copied. */
  copyToUser(mm: MmStruct, to: number, from: number, n: number): number {
    // One KASAN check of the kernel range, then copies straight from frame to frame, a page at a time.
    const k = this.#k;
    k.kasan.check(from, n, false, undefined, "copy_to_user");
    k.clock.advance(n * k.cost.bytes);
    let done = 0;
    // Unaligned buffers make two chunks of every page on each side: keep the last page of each at hand.
    let uVpn = -1, uEntry: TlbEntry | undefined, sVpn = NaN, sIo = false, sFrame: Uint8Array | undefined;
    while (done < n) {
      const u = to + done, uoff = u % PAGE_SIZE, vpn = (u - uoff) / PAGE_SIZE;
      if (vpn !== uVpn) {
        const r = this.resolve(mm, u, true, false);
        if (!r) break;
        uVpn = vpn;
        uEntry = r;
      }
      const e = uEntry!;
      const src = from + done, sv = Math.floor(src / PAGE_SIZE), soff = src - sv * PAGE_SIZE;
      if (sv !== sVpn) {
        const t = k.mem.translate(src - soff, false, undefined, 1);
        sVpn = sv;
        sIo = t.io;
        sFrame = t.io ? undefined : k.phys.frame(t.pa / PAGE_SIZE);
      }
      const len = Math.min(n - done, PAGE_SIZE - uoff, PAGE_SIZE - soff);
      if (e.frame && !sIo && !k.dma.cpuHooked) e.frame.set(len === PAGE_SIZE ? sFrame! : sFrame!.subarray(soff, soff + len), uoff);
      else {
        const bytes = k.mem.read(from + done, len, undefined, "copy_to_user");
        const dpa = ptePfn(e.pte) * PAGE_SIZE + uoff;
        for (let i = 0; i < len; i++) e.frame ? (e.frame[uoff + i] = bytes[i]) : k.io.write(dpa + i, 1, bytes[i]);
      }
      // RAM written through a user mapping is RAM written: the debugger's data breakpoints watch it too.
      if (e.frame) k.mem.onWrite?.(ptePfn(e.pte) * PAGE_SIZE + uoff, len);
      done += len;
    }
    return n - done;
  }

  /** copy_from_user(): bytes NOT copied; the kernel buffer's tail is zeroed on a short copy, as Linux does. */
  copyFromUser(mm: MmStruct, to: number, from: number, n: number): number {
    const k = this.#k;
    k.kasan.check(to, n, true, undefined, "copy_from_user");
    k.clock.advance(n * k.cost.bytes);
    let done = 0;
    while (done < n) {
      const u = from + done, uoff = u % PAGE_SIZE;
      const e = this.resolve(mm, u, false, false);
      if (!e) break;
      const t = k.mem.translate(to + done, true, undefined, 1);
      const doff = t.pa % PAGE_SIZE;
      const len = Math.min(n - done, PAGE_SIZE - uoff, PAGE_SIZE - doff);
      if (e.frame && !t.io && !k.dma.cpuHooked) {
        const pfn = (t.pa - doff) / PAGE_SIZE;
        k.phys.frame(pfn).set(e.frame.subarray(uoff, uoff + len), doff);
        if (k.gup.grants.size) k.gup.noteWrite(pfn, "CPU");
        k.mem.onWrite?.(t.pa, len); // the slow path's k.mem.write() reports its own
      } else {
        const spa = ptePfn(e.pte) * PAGE_SIZE + uoff;
        const src = e.frame ? e.frame.subarray(uoff, uoff + len) : Uint8Array.from({ length: len }, (_, i) => Number(k.io.read(spa + i, 1)));
        k.mem.write(to + done, src, undefined, "copy_from_user");
      }
      done += len;
    }
    if (done < n) k.mem.fill(to + done, 0, n - done, undefined, "copy_from_user");
    return n - done;
  }

  /** Reads user bytes for the kernel (iov_iter, strncpy_from_user): null on a fault. */
  peek(mm: MmStruct, from: number, n: number): Uint8Array | null {
    const out = new Uint8Array(n);
    const r = this.each(mm, from, n, false, false, (e, pa, off, len) => {
      if (e.frame) out.set(e.frame.subarray(pa % PAGE_SIZE, pa % PAGE_SIZE + len), off);
      else for (let i = 0; i < len; i++) out[off + i] = Number(this.#k.io.read(pa + i, 1));
    });
    return r.done === n ? out : null;
  }

  /** Writes user bytes for the kernel: the count written. */
  poke(mm: MmStruct, to: number, src: Uint8Array): number {
    return this.each(mm, to, src.length, true, false, (e, pa, off, len) => {
      if (e.frame) { e.frame.set(src.subarray(off, off + len), pa % PAGE_SIZE); this.#k.mem.onWrite?.(pa, len); }
      else for (let i = 0; i < len; i++) this.#k.io.write(pa + i, 1, src[off + i]);
    }).done;
  }
}
