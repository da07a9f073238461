// Property test of address spaces against a reference model of intervals:
// random sequences of mmap (anonymous private and shared, a device whose
// fault handler serves driver pages, a device that remap_pfn_range()s
// reserved pages), munmap, mremap, mprotect, fork, exit and touches. After
// every step the processes' VMAs, signals, data, PTEs and page counts must
// agree with the model; at the end every page must be back.

import * as assert from "node:assert/strict";
import fc from "fast-check";

import type { Kernel } from "../src";
import {
  BUS_ADRERR, MAP_ANONYMOUS, MAP_FAILED, MAP_PRIVATE, MAP_SHARED, MREMAP_MAYMOVE, O_RDONLY, O_RDWR, PROT_NONE, PROT_READ,
  PROT_WRITE, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGSEGV, mknod, spawn, type Process, type SigInfo,
} from "../src/api/faultline/user";
import { EACCES, EFAULT, ENOMEM } from "../src/api/linux/errno";
import { register_chrdev, unregister_chrdev, type file_operations } from "../src/api/linux/fs";
import { GFP_KERNEL, __free_page, __free_pages, alloc_page, alloc_pages } from "../src/api/linux/gfp";
import {
  ClearPageReserved, SetPageReserved, VM_FAULT_SIGBUS, get_page, pfn_to_page, remap_pfn_range, type Page, type vm_operations_struct,
} from "../src/api/linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "../src/api/linux/module";
import { Owner } from "../src/mm/memmap";
import type { MmStruct } from "../src/mm/mm_struct";
import { _PAGE_SPECIAL, ptePfn } from "../src/mm/pgtable";
import { VM_MAYSHARE, VM_READ, VM_WRITE, VM_EXEC } from "../src/mm/vma";
import { boot } from "./helpers";

const P = 4096;
/** Pages the fault-handler device serves; a page offset beyond them is SIGBUS. */
const N_FDEV = 10;
/** Reserved pages the remap device maps (an order-3 block). */
const N_RDEV = 8;
const PROTS = [PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE] as const;
const MAX_PROCS = 4;

/* ---- the reference model ---- */

type Kind = "base" | "anon" | "shm" | "fdev" | "rdev";

/** A shared anonymous object: its pages by offset, shared by every VMA that maps it (fork included); `size` pages long. */
interface Shm { pages: Map<number, Uint8Array>; size: number }

interface MVma {
  start: number;
  end: number;
  prot: number;
  shared: boolean;
  kind: Kind;
  /** The object's page offset at `start` (device page, shm page). */
  off: number;
  shm?: Shm;
  /** A named base mapping ([vvar], [stack], the program): never merged. */
  name?: string;
  /** VM_MAYWRITE: false for a shared mapping of a file opened read-only. */
  mayWrite: boolean;
}

interface MProc {
  p: Process;
  vmas: MVma[];
  /** Private pages that have been written (copied): virtual page number → contents. */
  priv: Map<number, Uint8Array>;
  fds: { fdevRw: number; fdevRo: number; rdevRw: number; rdevRo: number };
}

interface World {
  k: Kernel;
  procs: MProc[];
  fdev: Uint8Array[];
  rdev: Uint8Array[];
  fdevPages: Page[];
  rdevBase: number;
  /** The addresses written last (by any process): every process reads them back after every step. */
  probes: number[];
  mmapBase: number;
  taskSize: number;
}

const pages = (v: MVma) => (v.end - v.start) / P;

function clone(v: MVma): MVma { return { ...v }; }

/** arch_get_unmapped_area_topdown() without randomisation, written against the model: the highest gap below mmap_base that fits. */
function unmappedArea(w: World, m: MProc, len: number): number {
  const below = m.vmas.filter((v) => v.start < w.mmapBase).sort((a, b) => b.end - a.end);
  let cursor = w.mmapBase;
  for (const v of below) {
    if (v.end <= cursor && cursor - v.end >= len) return cursor - len;
    cursor = Math.min(cursor, v.start);
  }
  if (cursor - 16 * P >= len) return cursor - len;
  throw new Error("model: no room");
}

/** Removes [start, end) from the model's VMAs (splitting), dropping private pages there. */
function unmapRange(m: MProc, start: number, end: number): void {
  if (end <= start) return;
  const out: MVma[] = [];
  for (const v of m.vmas) {
    if (v.end <= start || v.start >= end) { out.push(v); continue; }
    if (v.start < start) out.push({ ...v, end: start });
    if (v.end > end) out.push({ ...v, start: end, off: v.off + (end - v.start) / P });
  }
  m.vmas = out.sort((a, b) => a.start - b.start);
  for (const vpn of [...m.priv.keys()]) if (vpn * P >= start && vpn * P < end) m.priv.delete(vpn);
}

function vmaAt(m: MProc, addr: number): MVma | undefined {
  return m.vmas.find((v) => v.start <= addr && addr < v.end);
}

/** What a correct kernel does for a one-byte access: the signal, if any. */
function expectAccess(w: World, m: MProc, addr: number, write: boolean): SigInfo | undefined {
  const v = vmaAt(m, addr);
  if (!v) return { signo: SIGSEGV, code: SEGV_MAPERR, addr };
  if (v.prot === PROT_NONE || (write && !(v.prot & PROT_WRITE))) return { signo: SIGSEGV, code: SEGV_ACCERR, addr };
  const pgoff = v.off + Math.floor((addr - v.start) / P);
  // Past the device's pages, or past the end of the shmem object (a shared anonymous mapping grown by mremap()).
  if ((v.kind === "fdev" && pgoff >= N_FDEV) || (v.kind === "shm" && pgoff >= v.shm!.size)) return { signo: SIGBUS, code: BUS_ADRERR, addr };
  return undefined;
}

/** The page an access sees, before any write: shared objects live, private pages once copied. */
function pageOf(w: World, m: MProc, addr: number): Uint8Array | undefined {
  const v = vmaAt(m, addr)!;
  const vpn = Math.floor(addr / P), pgoff = v.off + (vpn - v.start / P);
  if (!v.shared && m.priv.has(vpn)) return m.priv.get(vpn);
  switch (v.kind) {
    case "base": case "anon": return undefined;
    case "shm": return v.shm!.pages.get(pgoff);
    case "fdev": return w.fdev[pgoff];
    case "rdev": return w.rdev[pgoff];
  }
}

function modelRead(w: World, m: MProc, addr: number): number {
  return pageOf(w, m, addr)?.[addr % P] ?? 0;
}

function modelWrite(w: World, m: MProc, addr: number, val: number): void {
  const v = vmaAt(m, addr)!;
  const vpn = Math.floor(addr / P), pgoff = v.off + (vpn - v.start / P);
  let page: Uint8Array;
  if (!v.shared) {
    // Copy on write: the private page starts as what the mapping showed.
    if (!m.priv.has(vpn)) m.priv.set(vpn, Uint8Array.from(pageOf(w, m, addr) ?? new Uint8Array(P)));
    page = m.priv.get(vpn)!;
  } else if (v.kind === "shm") {
    if (!v.shm!.pages.has(pgoff)) v.shm!.pages.set(pgoff, new Uint8Array(P));
    page = v.shm!.pages.get(pgoff)!;
  } else page = v.kind === "fdev" ? w.fdev[pgoff] : w.rdev[pgoff];
  page[addr % P] = val;
  if (!w.probes.includes(addr)) w.probes.push(addr);
  if (w.probes.length > 16) w.probes.shift();
}

/* ---- the system under test ---- */

const mmOf = (m: MProc): MmStruct => m.p.task.mm!;

function permsOf(flags: number): string {
  return `${flags & VM_READ ? "r" : "-"}${flags & VM_WRITE ? "w" : "-"}${flags & VM_EXEC ? "x" : "-"}${flags & VM_MAYSHARE ? "s" : "p"}`;
}

function modelPerms(v: MVma): string {
  return `${v.prot & PROT_READ ? "r" : "-"}${v.prot & PROT_WRITE ? "w" : "-"}${v.prot & 4 ? "x" : "-"}${v.shared ? "s" : "p"}`;
}

/** Loads the test module: /dev/fdev serves its pages from a fault handler, /dev/rdev remaps reserved pages. */
function loadDriver(k: Kernel): Pick<World, "fdevPages" | "rdevBase"> {
  const fdevPages: Page[] = [];
  let rdevBlock: Page | null = null;
  let fmajor = -1, rmajor = -1;
  const ops: vm_operations_struct = {
    fault(vmf) {
      if (vmf.pgoff >= fdevPages.length) return VM_FAULT_SIGBUS;
      get_page(fdevPages[vmf.pgoff]);
      vmf.page = fdevPages[vmf.pgoff];
      return 0;
    },
  };
  assert.equal(k.modules.load("mmprop", () => {
    MODULE_LICENSE("GPL");
    const fops: file_operations = { owner: THIS_MODULE, mmap: (_f, vma) => { vma.vm_ops = ops; return 0; } };
    const rops: file_operations = {
      owner: THIS_MODULE,
      mmap: (_f, vma) => remap_pfn_range(vma, vma.vm_start, rdevBlock!.pfn + vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot),
    };
    module_init(() => {
      for (let i = 0; i < N_FDEV; i++) {
        const pg = alloc_page(GFP_KERNEL)!;
        k.phys.frame(pg.pfn).fill(0xa0 + i);
        fdevPages.push(pg);
      }
      rdevBlock = alloc_pages(GFP_KERNEL, 3)!;
      for (let i = 0; i < N_RDEV; i++) {
        SetPageReserved(pfn_to_page(rdevBlock.pfn + i));
        k.phys.frame(rdevBlock.pfn + i).fill(0x10 + i);
      }
      fmajor = register_chrdev(0, "fdev", fops);
      rmajor = register_chrdev(0, "rdev", rops);
      return 0;
    });
    module_exit(() => {
      unregister_chrdev(fmajor, "fdev");
      unregister_chrdev(rmajor, "rdev");
      for (const pg of fdevPages) __free_page(pg);
      for (let i = 0; i < N_RDEV; i++) ClearPageReserved(pfn_to_page(rdevBlock!.pfn + i));
      __free_pages(rdevBlock!, 3);
    });
  }), 0);
  assert.equal(mknod("/dev/fdev", fmajor, 0), 0);
  assert.equal(mknod("/dev/rdev", rmajor, 0), 0);
  return { fdevPages, rdevBase: rdevBlock!.pfn };
}

function newProc(w: World): MProc {
  const p = spawn("prop");
  const fds = { fdevRw: p.open("/dev/fdev", O_RDWR), fdevRo: p.open("/dev/fdev", O_RDONLY), rdevRw: p.open("/dev/rdev", O_RDWR), rdevRo: p.open("/dev/rdev", O_RDONLY) };
  const base: MVma[] = p.task.mm!.vmas.map((v) => ({
    start: v.vm_start, end: v.vm_end, prot: v.vm_flags & (VM_READ | VM_WRITE | VM_EXEC), shared: false, kind: "base" as const, off: 0,
    name: v.anonName ?? v.vm_file?.path ?? "?", mayWrite: true,
  }));
  const m: MProc = { p, vmas: base, priv: new Map(), fds };
  w.procs.push(m);
  return m;
}

/* ---- operations ---- */

type Op =
  | { t: "mmap"; proc: number; kind: number; pages: number; prot: number; off: number; ro: boolean }
  | { t: "munmap"; proc: number; vma: number; s: number; len: number }
  | { t: "mremap"; proc: number; vma: number; a: number; b: number; grow: number; move: boolean }
  | { t: "mprotect"; proc: number; vma: number; s: number; len: number; prot: number }
  | { t: "fork"; proc: number }
  | { t: "exit"; proc: number }
  | { t: "spawn" }
  | { t: "touch"; proc: number; base: boolean; vma: number; d: number; off: number; write: boolean; val: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("mmap" as const), proc: fc.nat(7), kind: fc.nat(5), pages: fc.integer({ min: 1, max: 4 }), prot: fc.nat(2), off: fc.nat(N_FDEV - 1), ro: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("munmap" as const), proc: fc.nat(7), vma: fc.nat(15), s: fc.integer({ min: -1, max: 4 }), len: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("mremap" as const), proc: fc.nat(7), vma: fc.nat(15), a: fc.nat(3), b: fc.nat(3), grow: fc.integer({ min: -3, max: 3 }), move: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("mprotect" as const), proc: fc.nat(7), vma: fc.nat(15), s: fc.integer({ min: -1, max: 4 }), len: fc.integer({ min: 1, max: 3 }), prot: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("fork" as const), proc: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("exit" as const), proc: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("spawn" as const) }) },
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant("touch" as const), proc: fc.nat(7), base: fc.nat(9).map((n) => n === 0), vma: fc.nat(15),
      d: fc.integer({ min: -1, max: 5 }), off: fc.nat(P - 1), write: fc.boolean(), val: fc.integer({ min: 1, max: 255 }),
    }),
  },
);

/** The process's mappings that the test made (not the program, [vvar], [vdso], [stack]). */
function userVmas(m: MProc): MVma[] { return m.vmas.filter((v) => v.kind !== "base"); }

function errnoOf(m: MProc): number { return m.p.errno; }

function step(w: World, op: Op, log: string[]): void {
  if (op.t === "spawn") {
    if (w.procs.length < MAX_PROCS) { newProc(w); log.push("spawn"); }
    return;
  }
  if (!w.procs.length) return;
  const m = w.procs[op.proc % w.procs.length];
  const p = m.p;
  switch (op.t) {
    case "mmap": {
      const kind = (["anon", "shm", "fdev", "fdev", "rdev", "rdev"] as const)[op.kind];
      const shared = op.kind === 1 || op.kind === 2 || op.kind === 4;
      const prot = PROTS[op.prot];
      const npages = op.pages, len = npages * P;
      let off = 0, fd = -1;
      if (kind === "fdev") { off = op.off; fd = op.ro ? m.fds.fdevRo : m.fds.fdevRw; }
      if (kind === "rdev") { off = op.off % (N_RDEV - npages + 1); fd = op.ro ? m.fds.rdevRo : m.fds.rdevRw; }
      const ro = (kind === "fdev" || kind === "rdev") && op.ro;
      const flags = (shared ? MAP_SHARED : MAP_PRIVATE) | (kind === "anon" || kind === "shm" ? MAP_ANONYMOUS : 0);
      log.push(`[${p.pid}] mmap ${kind} ${shared ? "shared" : "private"} ${npages}p prot ${prot} off ${off}${ro ? " ro" : ""}`);
      const got = p.mmap(0, len, prot, flags, fd, off * P);
      if (shared && ro && prot & PROT_WRITE) {
        assert.equal(got, MAP_FAILED);
        assert.equal(errnoOf(m), EACCES);
        return;
      }
      const addr = unmappedArea(w, m, len);
      assert.equal(got, addr, "mmap's address: top-down first fit below mmap_base");
      // vma_merge(): a private anonymous mapping joins neighbours below and above with the same
      // protection and lined-up page offsets (which anonymous mappings made here always have, unless moved).
      const joinable = (v: MVma | undefined): v is MVma => !!v && v.kind === "anon" && !v.shared && v.prot === prot && !v.name;
      const prev = m.vmas.find((v) => v.end === addr), next = m.vmas.find((v) => v.start === addr + len);
      const jp = kind === "anon" && joinable(prev) && prev.off + pages(prev) === addr / P;
      const jn = kind === "anon" && joinable(next) && next.off === addr / P + npages;
      if (jp && jn) {
        prev!.end = next!.end;
        m.vmas.splice(m.vmas.indexOf(next!), 1);
      } else if (jp) prev!.end = addr + len;
      else if (jn) {
        next!.start = addr;
        next!.off = addr / P;
      } else {
        m.vmas.push({ start: addr, end: addr + len, prot, shared, kind, off: kind === "anon" ? addr / P : off, mayWrite: !(shared && ro), ...(kind === "shm" ? { shm: { pages: new Map(), size: npages } } : {}) });
        m.vmas.sort((a, b) => a.start - b.start);
      }
      return;
    }
    case "munmap": {
      const us = userVmas(m);
      if (!us.length) return;
      const v = us[op.vma % us.length];
      const start = v.start + op.s * P, end = start + op.len * P;
      log.push(`[${p.pid}] munmap ${start.toString(16)}-${end.toString(16)}`);
      assert.equal(p.munmap(start, end - start), 0);
      unmapRange(m, start, end);
      return;
    }
    case "mprotect": {
      const us = userVmas(m);
      if (!us.length) return;
      const v = us[op.vma % us.length];
      const start = v.start + op.s * P, end = start + op.len * P;
      const prot = PROTS[op.prot];
      log.push(`[${p.pid}] mprotect ${start.toString(16)}-${end.toString(16)} ${prot}`);
      const r = p.mprotect(start, end - start, prot);
      const hit = m.vmas.filter((x) => x.end > start && x.start < end);
      let covered = start;
      for (const x of hit) { if (x.start > covered) break; covered = x.end; }
      if (!hit.length || covered < end) {
        assert.equal(r, -1);
        assert.equal(errnoOf(m), ENOMEM, "a hole in the range");
        return;
      }
      if (prot & PROT_WRITE && hit.some((x) => !x.mayWrite)) {
        assert.equal(r, -1);
        assert.equal(errnoOf(m), EACCES);
        return;
      }
      assert.equal(r, 0);
      const out: MVma[] = [];
      for (const x of m.vmas) {
        if (x.end <= start || x.start >= end) { out.push(x); continue; }
        if (x.start < start) out.push({ ...x, end: start });
        out.push({ ...x, start: Math.max(x.start, start), end: Math.min(x.end, end), off: x.off + (Math.max(x.start, start) - x.start) / P, prot });
        if (x.end > end) out.push({ ...x, start: end, off: x.off + (end - x.start) / P });
      }
      m.vmas = out.sort((a, b) => a.start - b.start);
      return;
    }
    case "mremap": {
      const us = userVmas(m);
      if (!us.length) return;
      const v = us[op.vma % us.length];
      const a = op.a % pages(v), b = 1 + (op.b % (pages(v) - a));
      const oldAddr = v.start + a * P, oldLen = b * P;
      const newLen = Math.max(1, b + op.grow) * P;
      log.push(`[${p.pid}] mremap ${oldAddr.toString(16)} ${b}p -> ${newLen / P}p${op.move ? " MAYMOVE" : ""}`);
      const r = p.mremap(oldAddr, oldLen, newLen, op.move ? MREMAP_MAYMOVE : 0);
      if (newLen <= oldLen) {
        assert.equal(r, oldAddr);
        unmapRange(m, oldAddr + newLen, oldAddr + oldLen);
        return;
      }
      if (v.kind === "rdev") {
        assert.equal(r, MAP_FAILED, "VM_PFNMAP|VM_DONTEXPAND cannot grow");
        assert.equal(errnoOf(m), EFAULT);
        return;
      }
      const delta = newLen - oldLen;
      if (oldAddr + oldLen === v.end && !m.vmas.some((x) => x.start < v.end + delta && x.end > v.end) && v.end + delta <= w.taskSize) {
        assert.equal(r, oldAddr, "grows in place");
        v.end += delta;
        return;
      }
      if (!op.move) {
        assert.equal(r, MAP_FAILED);
        assert.equal(errnoOf(m), ENOMEM);
        return;
      }
      const target = unmappedArea(w, m, newLen);
      assert.equal(r, target, "moved to the top-down gap");
      const moved: MVma = { ...v, start: target, end: target + newLen, off: v.off + a };
      const carried = [...m.priv].filter(([vpn]) => vpn * P >= oldAddr && vpn * P < oldAddr + oldLen);
      unmapRange(m, oldAddr, oldAddr + oldLen);
      for (const [vpn, page] of carried) m.priv.set(vpn - oldAddr / P + target / P, page);
      m.vmas.push(moved);
      m.vmas.sort((x, y) => x.start - y.start);
      w.probes.push(...w.probes.filter((x) => x >= oldAddr && x < oldAddr + oldLen).map((x) => x - oldAddr + target));
      w.probes.splice(0, Math.max(0, w.probes.length - 16));
      return;
    }
    case "fork": {
      if (w.procs.length >= MAX_PROCS) return;
      log.push(`[${p.pid}] fork`);
      const c = p.fork();
      w.procs.push({ p: c, vmas: m.vmas.map(clone), priv: new Map([...m.priv].map(([vpn, pg]) => [vpn, Uint8Array.from(pg)])), fds: { ...m.fds } });
      return;
    }
    case "exit": {
      log.push(`[${p.pid}] exit`);
      p.exit(0);
      w.procs.splice(w.procs.indexOf(m), 1);
      return;
    }
    case "touch": {
      // Mostly the test's own mappings; now and then the program's, [vvar] or [vdso] (never near [stack], which grows down).
      const mine = userVmas(m);
      const cands = op.base || !mine.length ? m.vmas.filter((v) => v.name !== "[stack]") : mine;
      const v = cands[op.vma % cands.length];
      const addr = v.start + op.d * P + op.off;
      const expected = expectAccess(w, m, addr, op.write);
      log.push(`[${p.pid}] ${op.write ? "write" : "read"} ${addr.toString(16)}${op.write ? ` = ${op.val}` : ""}`);
      let got = -1;
      const sig = p.catchSignal(() => { if (op.write) p.poke8(addr, op.val); else got = p.peek8(addr); });
      assert.deepEqual(sig, expected, `the access at 0x${addr.toString(16)}`);
      if (expected) return;
      if (op.write) modelWrite(w, m, addr, op.val);
      else assert.equal(got, modelRead(w, m, addr), `the byte at 0x${addr.toString(16)}`);
      return;
    }
  }
}

/* ---- the checks after every step ---- */

function check(w: World): void {
  const k = w.k;
  const perPfn = new Map<number, { all: number; normal: number }>();
  for (const m of w.procs) {
    const mm = mmOf(m);
    // The VMA list: sorted, disjoint, and the model's intervals with their permissions.
    for (let i = 1; i < mm.vmas.length; i++) assert.ok(mm.vmas[i - 1].vm_end <= mm.vmas[i].vm_start, "VMAs sorted and disjoint");
    assert.deepEqual(
      mm.vmas.map((v) => `${v.vm_start.toString(16)}-${v.vm_end.toString(16)} ${permsOf(v.vm_flags)}`),
      m.vmas.map((v) => `${v.start.toString(16)}-${v.end.toString(16)} ${modelPerms(v)}`),
      `the VMAs of process ${m.p.pid}`,
    );
    // PTEs: inside VMAs only (the gaps of the mmap area hold none), counted per frame.
    let normal = 0;
    for (const v of mm.vmas) {
      for (const [, pte] of mm.pgtables.entries(v.vm_start, v.vm_end)) {
        const pfn = ptePfn(pte);
        const c = perPfn.get(pfn) ?? { all: 0, normal: 0 };
        c.all++;
        if (!(pte & _PAGE_SPECIAL)) { c.normal++; normal++; }
        perPfn.set(pfn, c);
      }
    }
    const low = Math.min(...m.vmas.filter((v) => v.kind !== "base").map((v) => v.start), w.mmapBase - 64 * P);
    let cursor = low - 16 * P;
    for (const v of mm.vmas.filter((x) => x.vm_end > low - 16 * P && x.vm_start < w.mmapBase)) {
      if (v.vm_start > cursor) assert.deepEqual([...mm.pgtables.entries(cursor, v.vm_start)], [], `no PTE in the gap ${cursor.toString(16)}-${v.vm_start.toString(16)}`);
      cursor = Math.max(cursor, v.vm_end);
    }
    assert.equal(mm.rssAnon + mm.rssFile, normal, `RSS of process ${m.p.pid}`);
    assert.ok(mm.rssAnon >= 0 && mm.rssFile >= 0);
    assert.equal(mm.mmap_lock.readers, 0);
    assert.equal(mm.mmap_lock.writer, false);
  }
  // Every user PTE the kernel knows of is one of those (none outside a VMA or in a dead process).
  assert.equal(k.mm.userMappedFrames, perPfn.size, "frames with user mappings");
  for (const [pfn, c] of perPfn) {
    assert.equal(k.mm.userMapCount(pfn), c.all, `user mappings of pfn 0x${pfn.toString(16)}`);
    if (!c.normal) continue;
    const head = k.pages.head(pfn);
    assert.ok(k.memmap.refcount(head) >= c.normal, `_refcount of pfn 0x${pfn.toString(16)} covers its ${c.normal} mapping(s)`);
    assert.equal(k.memmap.mapcount(pfn) + 1, c.normal, `_mapcount of pfn 0x${pfn.toString(16)}`);
  }
  // The data written and still there reads back, in every process.
  for (const m of w.procs) {
    for (const addr of w.probes) {
      if (expectAccess(w, m, addr, false)) continue;
      let got = -1;
      const sig = m.p.catchSignal(() => { got = m.p.peek8(addr); });
      assert.equal(sig, undefined);
      assert.equal(got, modelRead(w, m, addr), `process ${m.p.pid} reads back 0x${addr.toString(16)}`);
    }
  }
  assert.deepEqual(k.findings.map((f) => `${f.rule}: ${f.message}`), []);
}

function finish(w: World, free1: number, free0: number): void {
  const k = w.k;
  for (const m of [...w.procs]) m.p.exit(0);
  w.procs.length = 0;
  assert.equal(k.mm.userMappedFrames, 0, "no user PTE is left");
  const left: string[] = [];
  k.memmap.forEachTouched((pfn) => {
    const o = k.memmap.owner(pfn);
    if (o === Owner.User || o === Owner.PageTable) left.push(`pfn 0x${pfn.toString(16)} owner ${o}`);
  });
  assert.deepEqual(left, [], "every user page and page table is freed");
  assert.equal(k.pages.totalFreePages(), free1, "free pages: as after insmod (the driver still holds its own)");
  for (const pg of w.fdevPages) assert.deepEqual([k.memmap.refcount(pg.pfn), k.memmap.mapcount(pg.pfn)], [1, -1]);
  assert.equal(k.modules.unload("mmprop"), 0);
  assert.equal(k.pages.totalFreePages(), free0, "free pages: as after boot");
  assert.deepEqual(k.findings.map((f) => `${f.rule}: ${f.message}`), []);
}

const MACHINES = [
  // 6G: user pages above 4 GiB, so PTEs wider than 32 bits; i386 1G: high memory; i386 6G: PAE.
  { arch: "x86_64", mem: "256M" }, { arch: "x86_64", mem: "6G" }, { arch: "i386", mem: "1G" }, { arch: "i386", mem: "6G" },
] as const;

describe("address spaces against an interval model (property)", function () {
  this.timeout(60_000);

  it("random mmap/munmap/mremap/mprotect/fork/exit/touch sequences keep VMAs, PTEs, data and page counts right", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MACHINES), fc.array(opArb, { minLength: 1, maxLength: 60, size: "max" }), (machine, ops) => {
        const k = boot({ arch: machine.arch, mem: machine.mem });
        const free0 = k.pages.totalFreePages();
        const drv = loadDriver(k);
        const free1 = k.pages.totalFreePages();
        const fdev = drv.fdevPages.map((pg) => Uint8Array.from(k.phys.frame(pg.pfn)));
        const rdev = Array.from({ length: N_RDEV }, (_, i) => Uint8Array.from(k.phys.frame(drv.rdevBase + i)));
        const w: World = { k, procs: [], fdev, rdev, ...drv, probes: [], mmapBase: 0, taskSize: k.profile.taskSize };
        const first = newProc(w);
        w.mmapBase = mmOf(first).layout.mmapBase;
        const log: string[] = [];
        try {
          check(w);
          for (const op of ops) {
            step(w, op, log);
            check(w);
          }
          // The device pages hold what shared mappings wrote.
          for (let i = 0; i < N_FDEV; i++) assert.deepEqual(k.phys.frame(drv.fdevPages[i].pfn), w.fdev[i], `fdev page ${i}`);
          for (let i = 0; i < N_RDEV; i++) assert.deepEqual(k.phys.frame(drv.rdevBase + i), w.rdev[i], `rdev page ${i}`);
          finish(w, free1, free0);
        } catch (e) {
          if (e instanceof Error) e.message += `\n${machine.arch} ${machine.mem}, after:\n  ${log.slice(-12).join("\n  ")}`;
          throw e;
        }
      }),
      { numRuns: Number(process.env.MM_PROP_RUNS ?? 50) },
    );
  });
});
