// struct mm_struct: a process's address space — its VMAs in address order
// (binary search, so lookups are O(log n)), its page tables, mmap_lock and
// page_table_lock, and the layout Linux gives a process without ASLR.

import type { Kernel } from "../kernel";
import { PAGE_SIZE, hexAddr } from "../util/addr";
import { PageTables } from "./pgtable";
import { VM_MAYSHARE, VM_EXEC, VM_READ, VM_WRITE, type VmArea } from "./vma";

/** A read/write semaphore as lockdep would see it: who holds it, how. */
export class RwSem {
  readers = 0;
  writer = false;
  constructor(readonly name: string) {}
  get held(): boolean { return this.writer || this.readers > 0; }
}

export interface MmLayout {
  readonly taskSize: number;
  readonly mmapBase: number;
  readonly stackTop: number;
  readonly stackSize: number;
}

export function layoutFor(k: Kernel): MmLayout {
  const taskSize = k.profile.taskSize;
  // mmap_base(): below the stack's rlimit plus the guard gap, at least 128 MiB (no randomisation).
  return { taskSize, mmapBase: taskSize - 128 * 1024 * 1024, stackTop: taskSize, stackSize: 132 * 1024 };
}

export class MmStruct {
  /** The simulator's identity of this address space (no C field). */
  readonly id: number;
  /** The VMAs, sorted by vm_start, disjoint. */
  readonly vmas: VmArea[] = [];
  /** mm->pgd: the page tables of the address space. */
  readonly pgtables: PageTables;
  /** mm->mmap_lock: held for read across an mmap handler and a fault; for write across mmap()/munmap(). */
  readonly mmap_lock = new RwSem("mmap_lock");
  /** mm->page_table_lock: protects the page tables. */
  readonly page_table_lock = new RwSem("page_table_lock");
  /** mm_users: tasks sharing this address space. */
  users = 1;
  /** mm->start_brk: where the heap starts. */
  startBrk = 0;
  /** mm->brk: the current end of the heap. */
  brk = 0;
  /** RSS counters: MM_FILEPAGES, MM_ANONPAGES. */
  rssFile = 0;
  /** get_mm_counter(mm, MM_ANONPAGES): anonymous pages resident. */
  rssAnon = 0;

  readonly #k: Kernel;
  constructor(k: Kernel,
    /** The address-space layout: mmap_base, stack top, task size (mm->mmap_base, mm->task_size). */
    readonly layout: MmLayout) {
    this.#k = k;
    this.id = k.nextId("mm");
    this.pgtables = new PageTables(k);
  }

  /** The index of the first VMA whose vm_end > addr. */
  private lowerBound(addr: number): number {
    let lo = 0, hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.vmas[mid].vm_end > addr) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  /** find_vma(): the first VMA ending above addr (it may start above addr too). */
  findVma(addr: number): VmArea | undefined { return this.vmas[this.lowerBound(addr)]; }

  /** vma_lookup(): the VMA containing addr. */
  vmaLookup(addr: number): VmArea | undefined {
    const v = this.findVma(addr);
    return v && v.vm_start <= addr ? v : undefined;
  }

  /** The VMA just before v, if any. */
  prev(v: VmArea): VmArea | undefined { return this.vmas[this.vmas.indexOf(v) - 1]; }

  /** Adds a VMA to the address space (insert_vm_struct()). */
  insert(v: VmArea): void {
    const i = this.lowerBound(v.vm_start);
    const next = this.vmas[i];
    if (next && next.vm_start < v.vm_end) throw new Error(`VMA ${v} overlaps ${next}`);
    this.vmas.splice(i, 0, v);
  }

  /** Takes a VMA out of the address space. */
  remove(v: VmArea): void {
    const i = this.vmas.indexOf(v);
    if (i >= 0) this.vmas.splice(i, 1);
  }

  /** VMAs overlapping [start, end), in order. */
  overlapping(start: number, end: number): VmArea[] {
    const out: VmArea[] = [];
    for (let i = this.lowerBound(start); i < this.vmas.length && this.vmas[i].vm_start < end; i++) out.push(this.vmas[i]);
    return out;
  }

  /** get_unmapped_area(), top-down from mmap_base like arch_get_unmapped_area_topdown(). */
  getUnmappedArea(len: number, hint: number): number {
    const { mmapBase, taskSize } = this.layout;
    if (len > taskSize) return -12;
    if (hint) {
      const a = Math.ceil(hint / PAGE_SIZE) * PAGE_SIZE;
      if (a + len <= taskSize && this.overlapping(a, a + len).length === 0) return a;
    }
    let end = mmapBase;
    for (let i = this.lowerBound(mmapBase - 1); i >= -1; i--) {
      const v = this.vmas[i];
      if (v && v.vm_start >= end) continue;
      const gapStart = v ? v.vm_end : PAGE_SIZE * 16;
      if (end - gapStart >= len) return end - len;
      if (!v) break;
      end = Math.min(end, v.vm_start);
    }
    return -12; // -ENOMEM
  }

  /** mm->total_vm: pages mapped, in all VMAs. */
  get totalVm(): number { return this.vmas.reduce((s, v) => s + v.size / PAGE_SIZE, 0); }

  /** /proc/<pid>/maps, as show_map_vma() writes it. */
  maps(): string {
    // seq_setwidth(m, 25 + sizeof(void *) * 6 - 1), then seq_pad(m, ' ') before the name.
    const width = 25 + (this.#k.profile.bits / 8) * 6 - 1;
    let out = "";
    const line = (start: number, end: number, flags: number, pgoff: number, dev: string, ino: number, name: string) => {
      const perms = `${flags & VM_READ ? "r" : "-"}${flags & VM_WRITE ? "w" : "-"}${flags & VM_EXEC ? "x" : "-"}${flags & VM_MAYSHARE ? "s" : "p"}`;
      const head = `${hexAddr(start, 8)}-${hexAddr(end, 8)} ${perms} ${hexAddr(pgoff * PAGE_SIZE, 8)} ${dev} ${ino} `;
      out += name ? `${head.padEnd(width)} ${name}\n` : head + "\n";
    };
    for (const v of this.vmas) {
      const f = v.vm_file;
      const name = v.vm_ops?.name?.(v) ?? (f ? f.path : v.anonName ?? "");
      line(v.vm_start, v.vm_end, v.vm_flags, f ? v.vm_pgoff : 0, f ? f.inode.devString : "00:00", f ? f.inode.i_ino : 0, name);
    }
    if (this.#k.profile.arch === "x86_64") {
      const vsys = -0x0000000000a00000; // 0xffffffffff600000
      out += `${`${hexAddr(vsys, 16)}-${hexAddr(vsys + PAGE_SIZE, 16)} --xp 00000000 00:00 0 `.padEnd(width)} [vsyscall]\n`;
    }
    return out;
  }
}
