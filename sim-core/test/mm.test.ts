// Processes and their memory: /proc/<pid>/maps, page tables and the TLB,
// anonymous and file mappings, copy-on-write and fork, munmap/mremap/
// mprotect, the signals a bad access raises, the helpers a driver's mmap and
// fault handlers use (remap_pfn_range, vm_insert_page, vmf_insert_pfn,
// vm_iomap_memory, zap_vma_ptes), get_user_pages, uaccess, modules and char
// devices — with exact values, and drivers built inline.

import * as assert from "node:assert/strict";

import { UserSignal, type Kernel } from "../src";
import {
  MAP_ANONYMOUS, MAP_FAILED, MAP_FIXED, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED, MREMAP_MAYMOVE, O_RDONLY, O_RDWR, O_WRONLY, PROT_EXEC,
  PROT_NONE, PROT_READ, PROT_WRITE, BUS_ADRERR, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGSEGV, cat, mknod, spawn, type Process,
} from "../src/api/faultline/user";
import { Cdev, cdev_add, cdev_init } from "../src/api/linux/cdev";
import { EACCES, EBUSY, EFAULT, EINVAL, ENODEV, ENOMEM, ENXIO } from "../src/api/linux/errno";
import { MKDEV, alloc_chrdev_region, ref, register_chrdev, unregister_chrdev, type file_operations } from "../src/api/linux/fs";
import { GFP_HIGHUSER, GFP_KERNEL, __free_page, alloc_page, alloc_pages } from "../src/api/linux/gfp";
import { kmap } from "../src/api/linux/highmem";
import { MISC_DYNAMIC_MINOR, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import {
  FOLL_WRITE, SetPageReserved, VM_DONTEXPAND, VM_FAULT_SIGBUS, VM_IO, VM_MIXEDMAP, VM_PFNMAP, get_page, get_user_pages,
  mmap_read_lock, mmap_read_unlock, page_address, pfn_to_page, pgprot_noncached, pin_user_pages, put_page, remap_pfn_range,
  set_page_dirty, unpin_user_page, virt_to_page, vm_flags_set, vm_insert_page, vm_iomap_memory, vmf_insert_pfn, zap_vma_ptes,
  type Page, type vm_area_struct, type vm_fault, type vm_operations_struct,
} from "../src/api/linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init, module_param } from "../src/api/linux/module";
import { current } from "../src/api/linux/sched";
import { kmalloc } from "../src/api/linux/slab";
import { memset } from "../src/api/linux/string";
import { copy_from_user, copy_to_user, get_user, put_user } from "../src/api/linux/uaccess";
import { vmalloc } from "../src/api/linux/vmalloc";
import { load8 } from "../src/api/faultline/ptr";
import { Owner } from "../src/mm/memmap";
import { _PAGE_DIRTY, _PAGE_RW, _PAGE_SPECIAL, _PAGE_USER, ptePfn } from "../src/mm/pgtable";
import type { MmStruct } from "../src/mm/mm_struct";
import { boot, callerFile, lineHere, only, rulesFired } from "./helpers";

const P = 4096;
const SELF = callerFile();
/** vvar starts here on x86_64 without ASLR: the first mmap() of n pages lands at VVAR - n * P. */
const VVAR = 0x7ffff7ff9000;

const mmOf = (p: Process): MmStruct => p.task.mm!;
const pte = (p: Process, addr: number): number => mmOf(p).pgtables.get(addr);
const pfnAt = (p: Process, addr: number): number => ptePfn(pte(p, addr));
const vmaList = (p: Process): Array<[number, number]> => mmOf(p).vmas.map((v) => [v.vm_start, v.vm_end]);

/** The kernel log's lines since record `from`. */
function logSince(k: Kernel, from: number): string[] {
  return k.log.records().slice(from).map((r) => r.text);
}

interface Dev { major: number; path: string; name: string }

/**
 * insmod of a module whose init registers a char device with the fops
 * makeFops() builds (while the module loads, so THIS_MODULE is right), and
 * the /dev node for it.
 */
function loadDev(k: Kernel, name: string, makeFops: () => file_operations, hooks: { init?: () => number; exit?: () => void } = {}): Dev {
  let major = -1;
  const r = k.modules.load(name, () => {
    const fops = makeFops();
    MODULE_LICENSE("GPL");
    module_init(() => {
      const ret = hooks.init?.() ?? 0;
      if (ret < 0) return ret;
      major = register_chrdev(0, name, fops);
      return major < 0 ? major : 0;
    });
    module_exit(() => {
      unregister_chrdev(major, name);
      hooks.exit?.();
    });
  });
  assert.equal(r, 0, `insmod ${name}`);
  assert.equal(mknod(`/dev/${name}`, major, 0), 0);
  return { major, path: `/dev/${name}`, name };
}

/** A device whose fault handler serves `n` driver-owned pages (with get_page), each filled with 0xa0 + its index. */
function pagesDev(k: Kernel, name: string, n: number, extraOps: Partial<vm_operations_struct> = {}) {
  const pages: Page[] = [];
  const ops: vm_operations_struct = {
    ...extraOps,
    fault(vmf: vm_fault): number {
      if (vmf.pgoff >= pages.length) return VM_FAULT_SIGBUS;
      const page = pages[vmf.pgoff];
      get_page(page);
      vmf.page = page;
      return 0;
    },
  };
  const dev = loadDev(k, name, () => ({ owner: THIS_MODULE, mmap: (_f, vma) => { vma.vm_ops = ops; return 0; } }), {
    init: () => {
      for (let i = 0; i < n; i++) {
        const p = alloc_page(GFP_KERNEL)!;
        k.phys.frame(p.pfn).fill(0xa0 + i);
        pages.push(p);
      }
      return 0;
    },
    exit: () => { for (const p of pages) __free_page(p); },
  });
  return { ...dev, pages, ops };
}

/** The row of /proc/<pid>/maps for a named mapping: the name starts at column `col` (73 on 64-bit, 49 on 32-bit). */
function row(head: string, name: string, col: number): string {
  return head + " ".repeat(col - head.length) + name;
}

describe("/proc/<pid>/maps", () => {
  it("x86_64: program, device, anonymous, PROT_NONE and shared anonymous lines, names at column 73", () => {
    const k = boot();
    const dev = loadDev(k, "mapdev", () => ({ owner: THIS_MODULE, mmap: () => 0 }));
    const p = spawn("maps");
    const rw = p.open(dev.path, O_RDWR), ro = p.open(dev.path, O_RDONLY);
    assert.equal(p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0x2000), VVAR - 2 * P);
    assert.equal(p.mmap(0, P, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), VVAR - 3 * P);
    assert.equal(p.mmap(0, P, PROT_READ, MAP_SHARED, ro, 0), VVAR - 4 * P);
    assert.equal(p.mmap(0, P, PROT_READ, MAP_PRIVATE, rw, 0x5000), VVAR - 5 * P);
    assert.equal(p.mmap(0, P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), VVAR - 6 * P);
    assert.equal(p.mmap(0, 100, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0), VVAR - 7 * P);
    const expected = [
      row("555555554000-555555555000 r--p 00000000 08:01 1310721 ", "/usr/bin/maps", 73),
      row("555555555000-555555556000 r-xp 00001000 08:01 1310721 ", "/usr/bin/maps", 73),
      row("555555556000-555555557000 r--p 00002000 08:01 1310721 ", "/usr/bin/maps", 73),
      row("555555557000-555555558000 rw-p 00003000 08:01 1310721 ", "/usr/bin/maps", 73),
      row("7ffff7ff2000-7ffff7ff3000 rw-s 00000000 00:01 1 ", "/dev/zero (deleted)", 73),
      "7ffff7ff3000-7ffff7ff4000 ---p 00000000 00:00 0 ",
      row("7ffff7ff4000-7ffff7ff5000 r--p 00005000 00:05 1025 ", "/dev/mapdev", 73),
      row("7ffff7ff5000-7ffff7ff6000 r--s 00000000 00:05 1025 ", "/dev/mapdev", 73),
      "7ffff7ff6000-7ffff7ff7000 rwxp 00000000 00:00 0 ",
      row("7ffff7ff7000-7ffff7ff9000 rw-s 00002000 00:05 1025 ", "/dev/mapdev", 73),
      row("7ffff7ff9000-7ffff7ffd000 r--p 00000000 00:00 0 ", "[vvar]", 73),
      row("7ffff7ffd000-7ffff7fff000 r-xp 00000000 00:00 0 ", "[vdso]", 73),
      row("7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 ", "[stack]", 73),
      row("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 ", "[vsyscall]", 73),
    ];
    const text = cat(`/proc/${p.pid}/maps`);
    assert.deepEqual(text.split("\n"), [...expected, ""]);
    assert.equal(p.maps(), text);
    // The literal rows, counted by hand: 18 blanks after a 55-character head, 23 after the device's 50.
    assert.ok(text.includes("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0" + " ".repeat(18) + "[vsyscall]\n"));
    assert.ok(text.includes("7ffff7ff7000-7ffff7ff9000 rw-s 00002000 00:05 1025" + " ".repeat(23) + "/dev/mapdev\n"));
    assert.deepEqual(k.findings, []);
  });

  it("i386: 8-digit addresses, names at column 49, no [vsyscall]", () => {
    const k = boot({ arch: "i386", mem: "256M" });
    const dev = loadDev(k, "mapdev32", () => ({ owner: THIS_MODULE, mmap: () => 0 }));
    const p = spawn("m32");
    const fd = p.open(dev.path, O_RDWR);
    assert.equal(p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0x7000), 0xb7ff9000);
    assert.equal(p.mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 0xb7ff6000);
    assert.equal(p.maps(), [
      row("08048000-08049000 r-xp 00000000 08:01 1310721 ", "/usr/bin/m32", 49),
      row("08049000-0804a000 rw-p 00001000 08:01 1310721 ", "/usr/bin/m32", 49),
      "b7ff6000-b7ff9000 rw-p 00000000 00:00 0 ",
      row("b7ff9000-b7ffa000 rw-s 00007000 00:05 1025 ", "/dev/mapdev32", 49),
      row("b7ffa000-b7ffe000 r--p 00000000 00:00 0 ", "[vvar]", 49),
      row("b7ffe000-b8000000 r-xp 00000000 00:00 0 ", "[vdso]", 49),
      row("bffdf000-c0000000 rw-p 00000000 00:00 0 ", "[stack]", 49),
      "",
    ].join("\n"));
    assert.ok(p.maps().includes("08048000-08049000 r-xp 00000000 08:01 1310721    /usr/bin/m32\n"));
  });
});

describe("anonymous memory", () => {
  it("a read maps the zero page read-only; the first write gets a fresh zeroed page of its own", () => {
    const k = boot();
    const p = spawn("anon");
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert.equal(a, VVAR - 2 * P);
    assert.equal(pte(p, a), 0, "nothing is mapped before the first touch");
    assert.equal(p.peek32(a + 8), 0);
    assert.equal(pfnAt(p, a), k.mm.zeroPfn);
    assert.equal(pte(p, a) & _PAGE_RW, 0, "the zero page is mapped read-only");
    assert.equal(pte(p, a) & _PAGE_SPECIAL, _PAGE_SPECIAL);
    assert.equal(k.memmap.owner(k.mm.zeroPfn), Owner.Kernel, "empty_zero_page lives in the kernel image");
    p.poke32(a + 8, 0xdeadbeef);
    const pfn = pfnAt(p, a);
    assert.notEqual(pfn, k.mm.zeroPfn);
    assert.equal(k.memmap.owner(pfn), Owner.User);
    assert.equal(k.memmap.refcount(pfn), 1);
    assert.equal(k.memmap.mapcount(pfn), 0);
    assert.equal(pte(p, a) & (_PAGE_RW | _PAGE_DIRTY | _PAGE_USER), _PAGE_RW | _PAGE_DIRTY | _PAGE_USER);
    assert.equal(p.peek32(a + 8), 0xdeadbeef);
    assert.equal(p.peek32(a + 4), 0, "the rest of the new page is zero");
    assert.ok(k.phys.frame(k.mm.zeroPfn).every((b) => b === 0), "the zero page stays zero");
    // A write to a page never read goes straight to a new page.
    p.poke8(a + P, 7);
    assert.notEqual(pfnAt(p, a + P), k.mm.zeroPfn);
    assert.equal(mmOf(p).rssAnon, 2);
    p.exit(0);
    assert.equal(k.memmap.owner(pfn), Owner.Free);
    assert.deepEqual(k.findings, []);
  });

  it("shared anonymous memory: never the zero page, and shared with a child for pages touched after fork", () => {
    const k = boot();
    const p = spawn("shanon");
    const a = p.mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert.equal(p.peek8(a), 0);
    assert.notEqual(pfnAt(p, a), k.mm.zeroPfn, "a shared mapping cannot use the zero page: a later write must be seen by all");
    p.poke8(a, 0x55);
    assert.ok(k.phys.frame(k.mm.zeroPfn).every((b) => b === 0), "the zero page is never written");
    const c = p.fork();
    assert.equal(c.peek8(a), 0x55);
    p.poke8(a + P, 0x77); // first touched after the fork
    assert.equal(c.peek8(a + P), 0x77);
    c.poke8(a + 2 * P, 0x99);
    assert.equal(p.peek8(a + 2 * P), 0x99);
    c.poke8(a, 0x66);
    assert.equal(p.peek8(a), 0x66);
    const pfn = pfnAt(p, a);
    assert.equal(pfnAt(c, a), pfn);
    assert.equal(k.memmap.mapcount(pfn), 1, "two mappings");
    assert.equal(k.memmap.refcount(pfn), 3, "the shmem page cache's reference and one per mapping");
    c.exit(0);
    p.exit(0);
    assert.equal(k.memmap.owner(pfn), Owner.Free, "freed with the last mapping");
    assert.equal(k.mm.userMappedFrames, 0);
    assert.deepEqual(k.findings, []);
  });

  it("shared anonymous memory is a shmem object: it outlives a partial munmap, and does not grow with mremap (SIGBUS past its end)", () => {
    const k = boot();
    const p = spawn("shmobj");
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p.poke8(a + P, 0x58);
    const page = pfnAt(p, a + P);
    assert.equal(p.munmap(a + P, P), 0);
    assert.equal(k.memmap.owner(page), Owner.User, "the object still holds the page");
    const b = p.mremap(a, P, 3 * P, MREMAP_MAYMOVE);
    assert.notEqual(b, MAP_FAILED);
    assert.equal(p.peek8(b + P), 0x58, "the data unmapped before is back");
    assert.equal(pfnAt(p, b + P), page);
    assert.deepEqual(p.catchSignal(() => p.peek8(b + 2 * P)), { signo: SIGBUS, code: BUS_ADRERR, addr: b + 2 * P });
    assert.match(p.maps(), /^7ffff7ff\w{4}-7ffff7ff\w{4} rw-s 00000000 00:01 1 +\/dev\/zero \(deleted\)$/m);
    p.exit(0);
    assert.equal(k.memmap.owner(page), Owner.Free);
    assert.deepEqual(k.findings, []);
  });

  it("MAP_POPULATE faults every page in up front (write faults for a private writable mapping)", () => {
    const k = boot();
    const p = spawn("populate");
    const a = p.mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    for (let i = 0; i < 3; i++) {
      assert.notEqual(pfnAt(p, a + i * P), k.mm.zeroPfn);
      assert.equal(pte(p, a + i * P) & _PAGE_RW, _PAGE_RW);
    }
    const faults = k.mm.faults;
    p.poke8(a + P, 1);
    assert.equal(k.mm.faults, faults, "no fault left to take");
  });
});

describe("file mappings", () => {
  it("a private mapping of a driver's page is copied on write; the driver's page keeps its contents", () => {
    const k = boot();
    const dev = pagesDev(k, "cowdev", 2);
    const [pg0, pg1] = dev.pages;
    const p = spawn("cow");
    const fd = p.open(dev.path, O_RDWR);
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    assert.equal(p.peek8(a + 5), 0xa0);
    assert.equal(pfnAt(p, a), pg0.pfn, "a read maps the driver's own page");
    assert.equal(pte(p, a) & _PAGE_RW, 0, "read-only in a private mapping");
    assert.equal(k.memmap.refcount(pg0.pfn), 2, "the driver's reference and the page table's");
    assert.equal(k.memmap.mapcount(pg0.pfn), 0);
    p.poke8(a + 5, 0x11);
    const copy = pfnAt(p, a);
    assert.notEqual(copy, pg0.pfn);
    assert.equal(k.memmap.owner(copy), Owner.User);
    assert.equal(p.peek8(a + 5), 0x11);
    assert.equal(p.peek8(a + 6), 0xa0, "the copy starts as the driver's data");
    assert.equal(k.phys.frame(pg0.pfn)[5], 0xa0, "the driver's page is untouched");
    assert.equal(k.memmap.refcount(pg0.pfn), 1);
    assert.equal(k.memmap.mapcount(pg0.pfn), -1);
    // A first access that writes copies at once (do_cow_fault) and drops the handler's reference.
    p.poke8(a + P, 0x22);
    assert.notEqual(pfnAt(p, a + P), pg1.pfn);
    assert.equal(p.peek8(a + P + 1), 0xa1);
    assert.equal(k.memmap.refcount(pg1.pfn), 1);
    assert.equal(k.memmap.mapcount(pg1.pfn), -1);
    p.exit(0);
    assert.equal(k.memmap.owner(copy), Owner.Free);
    assert.equal(k.modules.unload("cowdev"), 0);
    assert.deepEqual(k.findings, []);
  });

  it("MAP_SHARED: a write through one process is read by another that maps the same device page", () => {
    const k = boot();
    const dev = pagesDev(k, "shdev", 1);
    const pfn = dev.pages[0].pfn;
    const p1 = spawn("w"), p2 = spawn("r");
    const a1 = p1.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, p1.open(dev.path, O_RDWR), 0);
    const a2 = p2.mmap(0, P, PROT_READ, MAP_SHARED, p2.open(dev.path, O_RDONLY), 0);
    p1.poke32(a1 + 16, 0x12345678);
    assert.equal(p2.peek32(a2 + 16), 0x12345678);
    assert.equal(pfnAt(p1, a1), pfn);
    assert.equal(pfnAt(p2, a2), pfn);
    assert.equal(pte(p1, a1) & _PAGE_RW, _PAGE_RW);
    assert.equal(pte(p2, a2) & _PAGE_RW, 0);
    assert.equal(k.memmap.refcount(pfn), 3);
    assert.equal(k.memmap.mapcount(pfn), 1);
    assert.equal(k.phys.frame(pfn)[16], 0x78, "the write went to the driver's page");
    p1.exit(0);
    p2.exit(0);
    assert.equal(k.memmap.refcount(pfn), 1);
    assert.equal(k.memmap.mapcount(pfn), -1);
    assert.deepEqual(k.findings, []);
  });

  it("a file VMA without a fault method: the zero page, a private page on write; SIGBUS with noFaultHandler: \"sigbus\"", () => {
    for (const mode of ["zero-page", "sigbus"] as const) {
      const k = boot({ noFaultHandler: mode });
      const dev = loadDev(k, "nofault", () => ({ owner: THIS_MODULE, mmap: () => 0 }));
      const p = spawn("nf");
      const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, p.open(dev.path, O_RDWR), 0);
      if (mode === "zero-page") {
        assert.equal(p.peek8(a), 0);
        assert.equal(pfnAt(p, a), k.mm.zeroPfn);
        p.poke8(a + P, 3);
        assert.equal(k.memmap.owner(pfnAt(p, a + P)), Owner.User);
        p.poke8(a, 4); // the zero page is copied, never made writable
        assert.notEqual(pfnAt(p, a), k.mm.zeroPfn);
        assert.equal(k.phys.frame(k.mm.zeroPfn)[0], 0);
        assert.equal(p.peek8(a + P), 3);
      } else {
        assert.deepEqual(p.catchSignal(() => p.peek8(a + 10)), { signo: SIGBUS, code: BUS_ADRERR, addr: a + 10 });
        assert.deepEqual(p.catchSignal(() => p.poke8(a + P, 1)), { signo: SIGBUS, code: BUS_ADRERR, addr: a + P });
        // The program's own file mapping is not a driver's: it reads (and its data segment writes) as usual.
        assert.equal(p.peek8(0x555555555000), 0);
        p.poke8(0x555555557010, 5);
        assert.equal(p.peek8(0x555555557010), 5);
      }
      assert.deepEqual(k.findings, []);
    }
  });
});

describe("fork", () => {
  it("private anonymous pages are shared read-only, then copied on write; counts follow, and exit frees", () => {
    const k = boot();
    const p = spawn("parent");
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke32(a, 0x11111111);
    const page = pfnAt(p, a);
    assert.equal(k.memmap.refcount(page), 1);
    assert.equal(k.memmap.mapcount(page), 0);
    const c = p.fork();
    assert.equal(pfnAt(c, a), page);
    assert.equal(pte(p, a) & _PAGE_RW, 0, "the parent's PTE is write-protected");
    assert.equal(pte(c, a) & _PAGE_RW, 0);
    assert.equal(k.memmap.refcount(page), 2);
    assert.equal(k.memmap.mapcount(page), 1);
    assert.equal(c.peek32(a), 0x11111111);
    c.poke32(a, 0x22222222);
    const childPage = pfnAt(c, a);
    assert.notEqual(childPage, page);
    assert.equal(c.peek32(a), 0x22222222);
    assert.equal(p.peek32(a), 0x11111111);
    assert.equal(k.memmap.refcount(page), 1);
    assert.equal(k.memmap.mapcount(page), 0);
    // The parent is now the only user: its write reuses the page.
    p.poke32(a, 0x33333333);
    assert.equal(pfnAt(p, a), page);
    assert.equal(c.peek32(a), 0x22222222);
    c.exit(0);
    assert.equal(k.memmap.owner(childPage), Owner.Free);
    assert.equal(k.memmap.owner(page), Owner.User);
    p.exit(0);
    assert.equal(k.memmap.owner(page), Owner.Free);
    assert.equal(k.mm.userMappedFrames, 0);
  });

  it("the parent's exit leaves the child the only owner of a shared page", () => {
    const k = boot();
    const p = spawn("parent");
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 9);
    const page = pfnAt(p, a);
    const c = p.fork();
    p.exit(0);
    assert.equal(k.memmap.refcount(page), 1);
    assert.equal(k.memmap.mapcount(page), 0);
    const faults = k.mm.faults;
    c.poke8(a, 10);
    assert.equal(pfnAt(c, a), page, "reused, not copied");
    assert.equal(k.mm.faults, faults + 1);
    c.exit(0);
    assert.equal(k.memmap.owner(page), Owner.Free);
  });
});

describe("PTEs wider than 32 bits", () => {
  it("frames above 4 GiB keep their frame number through fork's write-protect, COW reuse, mprotect and the MMU's dirty bit", () => {
    const k = boot({ mem: "6G" });
    const p = spawn("high");
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke32(a, 0x600dcafe);
    const page = pfnAt(p, a);
    assert.ok(page * P >= 2 ** 32, "the user page is above 4 GiB");
    const c = p.fork();
    assert.equal(pfnAt(p, a), page);
    assert.equal(pfnAt(c, a), page);
    assert.equal(c.peek32(a), 0x600dcafe);
    c.exit(0);
    p.poke32(a, 0x12345678); // the only user again: reused in place
    assert.equal(pfnAt(p, a), page);
    assert.equal(p.mprotect(a, P, PROT_READ), 0);
    assert.equal(pfnAt(p, a), page);
    assert.equal(p.mprotect(a, P, PROT_READ | PROT_WRITE), 0);
    p.poke32(a + 4, 1);
    assert.equal(pfnAt(p, a), page);
    assert.equal(p.peek32(a), 0x12345678);
    assert.equal(k.phys.frame(page)[4], 1);
    assert.deepEqual(k.findings, []);
  });
});

describe("vm_operations_struct open and close", () => {
  it("open: not on the first mmap, on fork, on each split, on mremap's move; close on every VMA that goes", () => {
    const k = boot();
    const calls: string[] = [];
    const dev = pagesDev(k, "vmops", 3, {
      open: (vma: vm_area_struct) => { calls.push(`open ${(vma.vm_start - VVAR) / P}+${vma.vm_pgoff}`); },
      close: (vma: vm_area_struct) => { calls.push(`close ${(vma.vm_start - VVAR) / P}+${vma.vm_pgoff}`); },
    });
    const p = spawn("ops");
    const fd = p.open(dev.path, O_RDWR);
    const a = p.mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert.equal(a, VVAR - 3 * P);
    assert.deepEqual(calls, [], "the driver's mmap set the VMA up; open is not called for it");
    const c = p.fork();
    assert.deepEqual(calls.splice(0), ["open -3+0"]);
    c.exit(0);
    assert.deepEqual(calls.splice(0), ["close -3+0"]);
    for (let i = 0; i < 3; i++) p.poke8(a + i * P, i);
    assert.equal(p.munmap(a + P, P), 0);
    assert.deepEqual(calls.splice(0), ["open -2+1", "open -1+2", "close -2+1"]);
    assert.deepEqual(vmaList(p).slice(4, 6), [[a, a + P], [a + 2 * P, a + 3 * P]]);
    const moved = p.mremap(a + 2 * P, P, 2 * P, MREMAP_MAYMOVE);
    assert.equal(moved, VVAR - 5 * P, "below the two remaining pieces");
    assert.deepEqual(calls.splice(0), ["open -5+2", "close -1+2"]);
    assert.equal(p.peek8(moved), 2, "the page moved with its data");
    assert.equal(pfnAt(p, moved), dev.pages[2].pfn);
    p.exit(0);
    assert.deepEqual(calls.splice(0), ["close -5+2", "close -3+0"]);
    assert.equal(k.memmap.mapcount(dev.pages[2].pfn), -1);
    assert.equal(k.modules.unload("vmops"), 0);
    assert.deepEqual(k.findings, []);
  });
});

describe("munmap", () => {
  it("splits a VMA in two; the hole faults, the pieces keep their pages and file offsets", () => {
    const k = boot();
    const p = spawn("unmap");
    const a = p.mmap(0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (let i = 0; i < 4; i++) p.poke8(a + i * P, 0x40 + i);
    const hole = pfnAt(p, a + P);
    assert.equal(p.munmap(a + P, P), 0);
    assert.deepEqual(vmaList(p).slice(4, 6), [[a, a + P], [a + 2 * P, a + 4 * P]]);
    assert.equal(k.memmap.owner(hole), Owner.Free);
    assert.deepEqual(p.catchSignal(() => p.peek8(a + P + 3)), { signo: SIGSEGV, code: SEGV_MAPERR, addr: a + P + 3 });
    assert.deepEqual([p.peek8(a), p.peek8(a + 2 * P), p.peek8(a + 3 * P)], [0x40, 0x42, 0x43]);
    // A device mapping's upper piece keeps its place in the file.
    const dev = loadDev(k, "offdev", () => ({ owner: THIS_MODULE, mmap: () => 0 }));
    const b = p.mmap(0, 4 * P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 3 * P);
    assert.equal(p.munmap(b + P, P), 0);
    const pieces = mmOf(p).vmas.filter((v) => v.vm_file?.path === dev.path).map((v) => [v.vm_start - b, v.vm_end - b, v.vm_pgoff]);
    assert.deepEqual(pieces, [[0, P, 3], [2 * P, 4 * P, 5]]);
    assert.match(p.maps(), /^7ffff7ff3000-7ffff7ff5000 r--s 00005000 00:05 1025 +\/dev\/offdev$/m);
    assert.equal(p.munmap(a + 1, P), -1);
    assert.equal(p.errno, EINVAL);
  });
});

describe("MAP_FIXED", () => {
  it("replaces what was mapped there (an implicit munmap); an unaligned address is EINVAL", () => {
    const k = boot();
    const p = spawn("fixed");
    const a = p.mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (let i = 0; i < 3; i++) p.poke8(a + i * P, 0x50 + i);
    const old = pfnAt(p, a + P);
    assert.equal(p.mmap(a + P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), a + P);
    assert.deepEqual(mmOf(p).vmas.slice(4, 7).map((v) => [v.vm_start - a, v.vm_end - a, v.vm_flags & 3]), [[0, P, 3], [P, 2 * P, 1], [2 * P, 3 * P, 3]]);
    assert.equal(k.memmap.owner(old), Owner.Free);
    assert.equal(p.peek8(a + P), 0, "a fresh mapping");
    assert.deepEqual([p.peek8(a), p.peek8(a + 2 * P)], [0x50, 0x52]);
    assert.equal(p.mmap(a + 1, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
  });
});

describe("mremap", () => {
  it("shrinks, grows in place, refuses to move without MREMAP_MAYMOVE, and moves with it", () => {
    const k = boot();
    const p = spawn("remap");
    const a = p.mmap(0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (let i = 0; i < 4; i++) p.poke8(a + i * P, 0x10 + i);
    const tail = pfnAt(p, a + 3 * P);
    assert.equal(p.mremap(a, 4 * P, 2 * P, 0), a);
    assert.deepEqual(vmaList(p)[4], [a, a + 2 * P]);
    assert.equal(k.memmap.owner(tail), Owner.Free, "the cut-off pages are freed");
    assert.equal(p.mremap(a, 2 * P, 3 * P, 0), a, "room above: grows in place");
    assert.deepEqual(vmaList(p)[4], [a, a + 3 * P]);
    assert.equal(p.peek8(a + 2 * P), 0, "the new page is fresh");
    assert.equal(p.mremap(a, 3 * P, 5 * P, 0), MAP_FAILED, "[vvar] is in the way");
    assert.equal(p.errno, ENOMEM);
    const page0 = pfnAt(p, a);
    const b = p.mremap(a, 3 * P, 5 * P, MREMAP_MAYMOVE);
    assert.equal(b, a - 5 * P);
    assert.deepEqual(vmaList(p)[4], [b, b + 5 * P]);
    assert.equal(pfnAt(p, b), page0, "the pages move, not their contents");
    assert.deepEqual([p.peek8(b), p.peek8(b + P)], [0x10, 0x11]);
    assert.equal(pte(p, a), 0);
    assert.deepEqual(p.catchSignal(() => p.peek8(a)), { signo: SIGSEGV, code: SEGV_MAPERR, addr: a });
    assert.equal(p.mremap(a, P, 2 * P, MREMAP_MAYMOVE), MAP_FAILED, "nothing mapped there any more");
    assert.equal(p.errno, EFAULT);
  });

  it("VM_DONTEXPAND and VM_PFNMAP mappings cannot grow (EFAULT) but can shrink", () => {
    const k = boot();
    const reserved = k.reserved.get("kernel image")![0];
    const dont = loadDev(k, "dontexpand", () => ({ owner: THIS_MODULE, mmap: (_f, vma) => { vm_flags_set(vma, VM_DONTEXPAND); return 0; } }));
    const pfnmap = loadDev(k, "pfnmapdev", () => ({
      owner: THIS_MODULE,
      mmap: (_f, vma) => remap_pfn_range(vma, vma.vm_start, reserved + vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot),
    }));
    const p = spawn("grow");
    for (const dev of [dont, pfnmap]) {
      const a = p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 0);
      assert.notEqual(a, MAP_FAILED);
      assert.equal(p.mremap(a, 2 * P, 3 * P, MREMAP_MAYMOVE), MAP_FAILED, dev.name);
      assert.equal(p.errno, EFAULT);
      assert.equal(p.mremap(a, 2 * P, P, 0), a);
    }
    assert.deepEqual(k.findings, []);
  });
});

describe("mprotect", () => {
  it("splits the VMA; PROT_READ refuses writes, PROT_NONE every access, and the old protection comes back", () => {
    const k = boot();
    const p = spawn("prot");
    const a = p.mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (let i = 0; i < 3; i++) p.poke8(a + i * P, 0x30 + i);
    assert.equal(p.mprotect(a + P, P, PROT_READ), 0);
    assert.deepEqual(mmOf(p).vmas.slice(4, 7).map((v) => [v.vm_start - a, v.vm_end - a]), [[0, P], [P, 2 * P], [2 * P, 3 * P]]);
    assert.match(p.maps(), /^7ffff7ff7000-7ffff7ff8000 r--p 00000000 00:00 0 $/m);
    assert.deepEqual(p.catchSignal(() => p.poke8(a + P + 1, 0)), { signo: SIGSEGV, code: SEGV_ACCERR, addr: a + P + 1 });
    assert.equal(p.peek8(a + P), 0x31);
    assert.equal(p.mprotect(a + P, P, PROT_NONE), 0);
    assert.deepEqual(p.catchSignal(() => p.peek8(a + P + 2)), { signo: SIGSEGV, code: SEGV_ACCERR, addr: a + P + 2 });
    assert.deepEqual(p.catchSignal(() => p.poke8(a + P + 2, 1)), { signo: SIGSEGV, code: SEGV_ACCERR, addr: a + P + 2 });
    assert.equal(p.peek8(a), 0x30, "the neighbours are untouched");
    p.poke8(a + 2 * P, 0x99);
    assert.equal(p.mprotect(a + P, P, PROT_READ | PROT_WRITE), 0);
    assert.equal(p.peek8(a + P), 0x31, "readable again after PROT_NONE");
    p.poke8(a + P, 0x41);
    assert.equal(p.peek8(a + P), 0x41);
    assert.equal(p.mprotect(a - P, 2 * P, PROT_READ), -1, "a hole in the range");
    assert.equal(p.errno, ENOMEM);
    assert.deepEqual(k.findings, []);
  });

  it("a shared mapping of a file opened O_RDONLY can never become writable (EACCES); O_WRONLY cannot be mapped at all", () => {
    const k = boot();
    const dev = pagesDev(k, "rodev", 1);
    const p = spawn("ro");
    const fd = p.open(dev.path, O_RDONLY);
    assert.equal(p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
    assert.equal(p.errno, EACCES);
    const a = p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 0);
    assert.equal(p.mprotect(a, P, PROT_READ | PROT_WRITE), -1);
    assert.equal(p.errno, EACCES);
    // Any mapping needs the file open for reading, MAP_SHARED too.
    const wo = p.open(dev.path, O_WRONLY);
    assert.equal(p.mmap(0, P, PROT_WRITE, MAP_SHARED, wo, 0), MAP_FAILED);
    assert.equal(p.errno, EACCES);
    assert.equal(p.mmap(0, P, PROT_READ, MAP_PRIVATE, wo, 0), MAP_FAILED);
    assert.equal(p.errno, EACCES);
    // A private mapping of the read-only file may be made writable: writes go to a copy.
    const b = p.mmap(0, P, PROT_READ, MAP_PRIVATE, fd, 0);
    assert.equal(p.mprotect(b, P, PROT_READ | PROT_WRITE), 0);
    p.poke8(b, 1);
    assert.equal(k.phys.frame(dev.pages[0].pfn)[0], 0xa0);
  });
});

describe("signals", () => {
  it("SEGV_MAPERR for an unmapped address, SEGV_ACCERR for a write to a read-only page, SIGBUS from the fault handler", () => {
    const k = boot();
    const dev = pagesDev(k, "busdev", 1);
    const p = spawn("sig");
    assert.deepEqual(p.catchSignal(() => p.peek8(0x1000)), { signo: SIGSEGV, code: SEGV_MAPERR, addr: 0x1000 });
    const ro = p.mmap(0, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert.deepEqual(p.catchSignal(() => p.poke32(ro + 0x123, 1)), { signo: SIGSEGV, code: SEGV_ACCERR, addr: ro + 0x123 });
    const m = p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 0);
    assert.equal(p.peek8(m), 0xa0);
    assert.deepEqual(p.catchSignal(() => p.peek8(m + P + 7)), { signo: SIGBUS, code: BUS_ADRERR, addr: m + P + 7 }, "pgoff 1 is beyond the device");
    assert.ok(p.alive, "caught signals leave the process running");
    assert.equal(p.catchSignal(() => p.peek8(m)), undefined);
    assert.deepEqual(k.findings, []);
  });

  it("an uncaught fault kills the process: zombie, killedBy, exit code 128+signo, a segfault line; it can do nothing more", () => {
    const k = boot();
    const p = spawn("victim");
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 1);
    const page = pfnAt(p, a);
    const from = k.log.records().length;
    assert.throws(() => p.peek8(0x2345), (e: unknown) => e instanceof UserSignal && e.pid === p.pid && e.info.signo === SIGSEGV && e.info.code === SEGV_MAPERR && e.info.addr === 0x2345);
    assert.equal(p.alive, false);
    assert.equal(p.task.state, "zombie");
    assert.deepEqual(p.task.killedBy, { signo: SIGSEGV, code: SEGV_MAPERR, addr: 0x2345, error: 4 });
    assert.equal(p.task.exitCode, 128 + SIGSEGV);
    assert.match(logSince(k, from).join("\n"), new RegExp(`^victim\\[${p.pid}\\]: segfault at 2345 ip 0000555555555000 sp 00007fffffffe000 error 4$`, "m"));
    assert.equal(k.memmap.owner(page), Owner.Free, "its memory went with it");
    assert.throws(() => p.peek8(a), /has exited/);
    assert.throws(() => p.poke8(a, 1), /has exited/);
    assert.throws(() => p.mmap(0, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), /has exited/);
    assert.throws(() => p.fork(), /has exited/);
  });
});

describe("page tables", () => {
  it("x86_64: a 4-level walk (pgd/pud/pmd/pte) through PageTable frames, all freed at exit", () => {
    const k = boot();
    const free0 = k.pages.totalFreePages();
    const p = spawn("walk");
    const mm = mmOf(p);
    assert.equal(mm.pgtables.tablePages, 1, "just the pgd");
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert.equal(a, 0x7ffff7ff8000);
    p.poke8(a, 1);
    const walk = mm.pgtables.walk(a);
    assert.deepEqual(walk.map((l) => [l.level, l.index]), [["pgd", 255], ["pud", 511], ["pmd", 447], ["pte", 504]]);
    for (let i = 0; i < 3; i++) assert.equal(walk[i].entry, walk[i + 1].tablePfn, "each entry points at the next table");
    assert.equal(ptePfn(walk[3].entry!), pfnAt(p, a));
    const tables = walk.map((l) => l.tablePfn);
    assert.equal(new Set(tables).size, 4);
    for (const t of tables) assert.equal(k.memmap.owner(t), Owner.PageTable);
    assert.equal(mm.pgtables.tablePages, 4);
    p.poke8(0x7fffffffe000, 1); // the stack: the same pgd, pud and pmd tables, another pmd entry, so one more pte table
    const stackWalk = mm.pgtables.walk(0x7fffffffe000);
    assert.deepEqual(stackWalk.map((l) => [l.level, l.index]), [["pgd", 255], ["pud", 511], ["pmd", 511], ["pte", 510]]);
    assert.equal(stackWalk[2].tablePfn, tables[2], "the pmd table is shared");
    assert.notEqual(stackWalk[3].tablePfn, tables[3]);
    assert.equal(mm.pgtables.tablePages, 5);
    const all = [...tables, stackWalk[3].tablePfn];
    p.exit(0);
    for (const t of all) assert.equal(k.memmap.owner(t), Owner.Free);
    assert.equal(mm.pgtables.tablePages, 0);
    assert.equal(k.pages.totalFreePages(), free0, "every page the process had is back");
  });

  it("i386: two levels (pgd/pte); with PAE three (pgd/pmd/pte)", () => {
    for (const [pae, levels] of [[false, [["pgd", 735], ["pte", 1017]]], [true, [["pgd", 2], ["pmd", 447], ["pte", 505]]]] as const) {
      const k = boot({ arch: "i386", mem: "256M", pae });
      const p = spawn("walk32");
      const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      assert.equal(a, 0xb7ff9000);
      p.poke8(a, 1);
      const walk = mmOf(p).pgtables.walk(a);
      assert.deepEqual(walk.map((l) => [l.level, l.index]), levels);
      for (const l of walk) assert.equal(k.memmap.owner(l.tablePfn), Owner.PageTable);
      assert.equal(ptePfn(walk.at(-1)!.entry!), pfnAt(p, a));
      const tables = walk.map((l) => l.tablePfn);
      p.exit(0);
      for (const t of tables) assert.equal(k.memmap.owner(t), Owner.Free);
    }
  });
});

describe("the software TLB", () => {
  it("fills on access; munmap and mprotect flush it, so no access goes through a stale translation", () => {
    const k = boot();
    const p = spawn("tlb");
    const mm = mmOf(p);
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert.equal(mm.pgtables.tlbLookup(a / P), undefined);
    p.poke8(a, 1);
    p.poke8(a + P, 2);
    assert.equal(ptePfn(mm.pgtables.tlbLookup(a / P)!.pte), pfnAt(p, a));
    assert.equal(mm.pgtables.tlbSize, 2);
    assert.equal(p.mprotect(a, P, PROT_READ), 0);
    assert.equal(mm.pgtables.tlbLookup(a / P), undefined, "mprotect flushed the page");
    assert.deepEqual(p.catchSignal(() => p.poke8(a, 3)), { signo: SIGSEGV, code: SEGV_ACCERR, addr: a });
    assert.equal(p.peek8(a), 1);
    assert.ok(mm.pgtables.tlbLookup(a / P));
    assert.equal(p.munmap(a, 2 * P), 0);
    assert.equal(mm.pgtables.tlbLookup(a / P), undefined);
    assert.equal(mm.pgtables.tlbLookup(a / P + 1), undefined);
    assert.deepEqual(p.catchSignal(() => p.peek8(a + P)), { signo: SIGSEGV, code: SEGV_MAPERR, addr: a + P });
    assert.deepEqual(k.findings, []);
  });

  it("fork write-protects the parent's pages and flushes them: the parent's next write faults and copies", () => {
    const k = boot();
    const p = spawn("tlbfork");
    const mm = mmOf(p);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 5);
    const page = pfnAt(p, a);
    assert.equal(mm.pgtables.tlbLookup(a / P)!.pte & _PAGE_RW, _PAGE_RW);
    const c = p.fork();
    assert.equal(mm.pgtables.tlbLookup(a / P), undefined);
    const faults = k.mm.faults;
    p.poke8(a, 6);
    assert.equal(k.mm.faults, faults + 1);
    assert.notEqual(pfnAt(p, a), page, "the parent copied: the child still maps the old page");
    assert.equal(c.peek8(a), 5);
    assert.equal(p.peek8(a), 6);
  });

  it("PROT_NONE holds for the kernel's accesses too, and leaves no translation behind for the program", () => {
    const k = boot();
    let ret = -1;
    let action = (): number => 0;
    const dev = loadDev(k, "protnone", () => ({ owner: THIS_MODULE, unlocked_ioctl: () => { ret = action(); return 0; } }));
    const p = spawn("pn");
    const fd = p.open(dev.path, O_RDWR);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 0x42);
    assert.equal(p.mprotect(a, P, PROT_NONE), 0);
    const kbuf = kmalloc(8, GFP_KERNEL);
    action = () => copy_to_user(a, kbuf, 8);
    p.ioctl(fd, 0);
    assert.equal(ret, 8, "copy_to_user() copies nothing into a PROT_NONE page");
    action = () => copy_from_user(kbuf, a, 8);
    p.ioctl(fd, 0);
    assert.equal(ret, 8, "nor copy_from_user() out of one (its PTE is still present)");
    assert.equal(load8(kbuf), 0);
    assert.equal(mmOf(p).pgtables.tlbLookup(a / P), undefined);
    assert.deepEqual(p.catchSignal(() => p.peek8(a)), { signo: SIGSEGV, code: SEGV_ACCERR, addr: a });
  });
});

describe("remap_pfn_range", () => {
  /** A device whose mmap runs `plan` on the VMA. */
  function remapDev(k: Kernel, name: string) {
    const dev = { plan: (_vma: vm_area_struct): number => 0, vma: null as vm_area_struct | null };
    const d = loadDev(k, name, () => ({ owner: THIS_MODULE, mmap: (_f, vma) => { dev.vma = vma; return dev.plan(vma); } }));
    return Object.assign(dev, d);
  }

  it("maps reserved memory whole: special PTEs, VM_IO|VM_PFNMAP, no page references", () => {
    const k = boot();
    const img = k.reserved.get("kernel image")![0];
    const dev = remapDev(k, "remap");
    dev.plan = (vma) => remap_pfn_range(vma, vma.vm_start, img + vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot);
    const p = spawn("rp");
    const before = k.memmap.refcount(img + 1);
    const a = p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), P);
    assert.equal(pfnAt(p, a), img + 1);
    assert.equal(pfnAt(p, a + P), img + 2);
    assert.equal(pte(p, a) & _PAGE_SPECIAL, _PAGE_SPECIAL);
    assert.equal(dev.vma!.vm_flags & (VM_IO | VM_PFNMAP), VM_IO | VM_PFNMAP);
    assert.equal(k.memmap.refcount(img + 1), before);
    assert.equal(p.peek8(a + 3), k.phys.frame(img + 1)[3]);
    p.exit(0);
    assert.equal(k.mm.userMappedFrames, 0);
    assert.deepEqual(k.findings, []);
  });

  it("an unaligned address: -EINVAL and MM005", () => {
    const k = boot();
    const img = k.reserved.get("kernel image")![0];
    const dev = remapDev(k, "unaligned");
    dev.plan = (vma) => remap_pfn_range(vma, vma.vm_start + 1, img, P, vma.vm_page_prot);
    const p = spawn("rp");
    assert.equal(p.mmap(0, P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 0), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
    const f = only(k, "MM005");
    assert.match(f.report[0], /WARN_ON_ONCE\(!PAGE_ALIGNED\(addr\)\)/);
    assert.equal(f.report[1], "remap_pfn_range() returns -EINVAL: unaligned address (addr 0x7ffff7ff8001, size 0x1000)");
    assert.equal(f.location?.file, SELF);
    assert.equal(mmOf(p).vmas.length, 7, "no VMA was added");
  });

  it("part of a private writable (COW) mapping: -EINVAL", () => {
    const k = boot();
    const img = k.reserved.get("kernel image")![0];
    const dev = remapDev(k, "cowpart");
    dev.plan = (vma) => remap_pfn_range(vma, vma.vm_start, img, P, vma.vm_page_prot);
    const p = spawn("rp");
    const fd = p.open(dev.path, O_RDWR);
    assert.equal(p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
    assert.equal(only(k, "MM005").report[0], "remap_pfn_range() returns -EINVAL: a private writable (COW) mapping can only be remapped whole");
    // Whole, it works, and vm_pgoff becomes the pfn; a write copies the page.
    k.findings.length = 0;
    dev.plan = (vma) => remap_pfn_range(vma, vma.vm_start, img, vma.vm_end - vma.vm_start, vma.vm_page_prot);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    assert.equal(dev.vma!.vm_pgoff, img);
    const orig = k.phys.frame(img)[0];
    p.poke8(a, orig ^ 0xff);
    assert.notEqual(pfnAt(p, a), img);
    assert.equal(k.phys.frame(img)[0], orig, "the kernel image is not written");
    assert.deepEqual(k.findings, []);
  });

  it("ordinary RAM that is not PG_reserved: MM001 (the mapping still happens)", () => {
    const k = boot();
    const dev = remapDev(k, "ram");
    let page: Page | null = null;
    dev.plan = (vma) => remap_pfn_range(vma, vma.vm_start, page!.pfn, P, vma.vm_page_prot);
    page = alloc_page(GFP_KERNEL);
    const p = spawn("rp");
    const a = p.mmap(0, P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 0);
    assert.notEqual(a, MAP_FAILED);
    const f = only(k, "MM001");
    assert.equal(f.report[0], `remap_pfn_range() maps 1 page(s) of ordinary RAM that are not PG_reserved, first pfn:0x${page!.pfn.toString(16)}`);
    assert.equal(pfnAt(p, a), page!.pfn);
  });

  it("past the end of the page block or kmalloc object it starts in: MM002", () => {
    const k = boot();
    const dev = remapDev(k, "cross");
    let start = 0;
    dev.plan = (vma) => remap_pfn_range(vma, vma.vm_start, start, 3 * P, vma.vm_page_prot);
    const block = alloc_pages(GFP_KERNEL, 1)!;
    SetPageReserved(block);
    SetPageReserved(pfn_to_page(block.pfn + 1));
    start = block.pfn;
    const p = spawn("rp");
    assert.notEqual(p.mmap(0, 3 * P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 0), MAP_FAILED);
    assert.equal(only(k, "MM002").report[0], `remap_pfn_range() maps 3 pages from pfn:0x${block.pfn.toString(16)}, but the order-1 page block at pfn:0x${block.pfn.toString(16)} it starts in has only 2 from there: the remaining 1 page(s) belong to someone else.`);
    k.findings.length = 0;
    const obj = kmalloc(8192, GFP_KERNEL);
    const op = virt_to_page(obj);
    SetPageReserved(op);
    SetPageReserved(pfn_to_page(op.pfn + 1));
    start = op.pfn;
    assert.notEqual(p.mmap(0, 3 * P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 0), MAP_FAILED);
    assert.match(only(k, "MM002").report[0], new RegExp(`^remap_pfn_range\\(\\) maps 3 pages from pfn:0x${op.pfn.toString(16)}, but the kmalloc-8k object at ${k.px(obj)} it starts in has only 2 from there`));
  });

  it("device memory: MM007 without pgprot_noncached(), MM002 past the region's end", () => {
    const k = boot();
    const bar = k.io.addRegion("testbar", 2 * P);
    bar.bytes[5] = 0x5a;
    const dev = remapDev(k, "mmio");
    let prot = (vma: vm_area_struct) => vma.vm_page_prot;
    dev.plan = (vma) => remap_pfn_range(vma, vma.vm_start, bar.start / P + vma.vm_pgoff, vma.vm_end - vma.vm_start, prot(vma));
    const p = spawn("rp");
    const fd = p.open(dev.path, O_RDWR);
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const f = only(k, "MM007");
    assert.equal(f.report[0], `remap_pfn_range() maps device memory testbar (pfn:0x${(bar.start / P).toString(16)}) with a cacheable protection; use vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot) (or pgprot_writecombine() for a frame buffer).`);
    assert.equal(p.peek8(a + 5), 0x5a, "the program reads the device");
    p.poke8(a + P + 1, 0x77);
    assert.equal(bar.bytes[P + 1], 0x77);
    k.findings.length = 0;
    prot = (vma) => pgprot_noncached(vma.vm_page_prot);
    assert.notEqual(p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
    assert.deepEqual(k.findings, []);
    assert.notEqual(p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, P), MAP_FAILED);
    const g = only(k, "MM002");
    assert.equal(g.report[0], "remap_pfn_range() maps 8192 bytes at offset 0x1000 of testbar, which is 8192 bytes long.");
  });
});

describe("vm_insert_page, vmf_insert_pfn, vm_iomap_memory, zap_vma_ptes", () => {
  it("vm_insert_page takes a reference per page and makes the VMA VM_MIXEDMAP; munmap gives it back", () => {
    const k = boot();
    const pages: Page[] = [];
    let vmaSeen: vm_area_struct | null = null;
    const dev = loadDev(k, "insert", () => ({
      owner: THIS_MODULE,
      mmap: (_f, vma) => {
        vmaSeen = vma;
        for (let i = 0; i < 2; i++) { const r = vm_insert_page(vma, vma.vm_start + i * P, pages[i]); if (r) return r; }
        return 0;
      },
    }), { init: () => { pages.push(alloc_page(GFP_KERNEL)!, alloc_page(GFP_KERNEL)!); return 0; }, exit: () => pages.forEach((pg) => __free_page(pg)) });
    const p = spawn("ins");
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, p.open(dev.path, O_RDWR), 0);
    assert.equal(vmaSeen!.vm_flags & VM_MIXEDMAP, VM_MIXEDMAP);
    for (let i = 0; i < 2; i++) {
      assert.equal(pfnAt(p, a + i * P), pages[i].pfn);
      assert.equal(k.memmap.refcount(pages[i].pfn), 2);
      assert.equal(k.memmap.mapcount(pages[i].pfn), 0);
    }
    p.poke8(a + P, 0x3c);
    assert.equal(k.phys.frame(pages[1].pfn)[0], 0x3c);
    assert.equal(p.munmap(a, 2 * P), 0);
    for (const pg of pages) assert.deepEqual([k.memmap.refcount(pg.pfn), k.memmap.mapcount(pg.pfn)], [1, -1]);
    p.exit(0);
    assert.equal(k.modules.unload("insert"), 0);
    assert.deepEqual(k.findings, []);
  });

  it("vm_insert_page refuses slab pages and VM_PFNMAP VMAs: -EINVAL and MM006", () => {
    const k = boot();
    let mode: "slab" | "pfnmap" = "slab";
    const obj = kmalloc(64, GFP_KERNEL);
    const good = alloc_page(GFP_KERNEL)!;
    const dev = loadDev(k, "badinsert", () => ({
      owner: THIS_MODULE,
      mmap: (_f, vma) => {
        if (mode === "slab") return vm_insert_page(vma, vma.vm_start, virt_to_page(obj));
        vm_flags_set(vma, VM_PFNMAP);
        return vm_insert_page(vma, vma.vm_start, good);
      },
    }));
    const p = spawn("bi");
    const fd = p.open(dev.path, O_RDWR);
    assert.equal(p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
    assert.equal(only(k, "MM006").report[0], `vm_insert_page(): pfn:0x${virt_to_page(obj).pfn.toString(16)} is a slab page (-EINVAL from validate_page_before_insert)`);
    k.findings.length = 0;
    mode = "pfnmap";
    assert.equal(p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
    assert.equal(only(k, "MM006").report[0], "vm_insert_page(): the VMA is VM_PFNMAP (BUG_ON(vma->vm_flags & VM_PFNMAP))");
    assert.equal(k.memmap.refcount(good.pfn), 1, "no reference taken");
  });

  it("vmf_insert_pfn needs VM_PFNMAP or VM_MIXEDMAP: MM006 and SIGBUS without; a special PTE with", () => {
    const k = boot();
    const img = k.reserved.get("kernel image")![0];
    let setFlag = false;
    const ops: vm_operations_struct = { fault: (vmf) => vmf_insert_pfn(vmf.vma, vmf.address, img + vmf.pgoff) };
    const dev = loadDev(k, "inspfn", () => ({ owner: THIS_MODULE, mmap: (_f, vma) => { if (setFlag) vm_flags_set(vma, VM_PFNMAP | VM_IO); vma.vm_ops = ops; return 0; } }));
    const p = spawn("ip");
    const fd = p.open(dev.path, O_RDONLY);
    const a = p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 0);
    assert.deepEqual(p.catchSignal(() => p.peek8(a + 1)), { signo: SIGBUS, code: BUS_ADRERR, addr: a + 1 });
    assert.equal(only(k, "MM006").report[0], "vmf_insert_pfn(): the VMA has neither VM_PFNMAP nor VM_MIXEDMAP (BUG_ON in vmf_insert_pfn_prot)");
    k.findings.length = 0;
    setFlag = true;
    const b = p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    const rc = k.memmap.refcount(img + 1);
    assert.equal(p.peek8(b + P), k.phys.frame(img + 1)[0]);
    assert.equal(pfnAt(p, b + P), img + 1);
    assert.equal(pte(p, b + P) & _PAGE_SPECIAL, _PAGE_SPECIAL);
    assert.equal(k.memmap.refcount(img + 1), rc);
    assert.deepEqual(k.findings, []);
  });

  it("vm_iomap_memory checks the VMA's size and offset against the region", () => {
    const k = boot();
    const bar = k.io.addRegion("iomap", 2 * P);
    bar.bytes[P] = 0x61;
    const dev = loadDev(k, "iomapdev", () => ({
      owner: THIS_MODULE,
      mmap: (_f, vma) => { vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot); return vm_iomap_memory(vma, bar.start, 2 * P); },
    }));
    const p = spawn("iom");
    const fd = p.open(dev.path, O_RDWR);
    assert.equal(p.mmap(0, 3 * P, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
    assert.equal(p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, P), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
    assert.equal(p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 3 * P), MAP_FAILED);
    assert.equal(p.errno, EINVAL);
    const a = p.mmap(0, P, PROT_READ, MAP_SHARED, fd, P);
    assert.notEqual(a, MAP_FAILED);
    assert.equal(pfnAt(p, a), bar.start / P + 1);
    assert.equal(p.peek8(a), 0x61);
    assert.deepEqual(k.findings, []);
  });

  it("zap_vma_ptes removes a VM_PFNMAP mapping's PTEs (the next access faults); other VMAs are left alone", () => {
    const k = boot();
    const img = k.reserved.get("kernel image")![0];
    const vmas: vm_area_struct[] = [];
    let faults = 0;
    const ops: vm_operations_struct = { fault: () => { faults++; return VM_FAULT_SIGBUS; } };
    const dev = loadDev(k, "zapdev", () => ({
      owner: THIS_MODULE,
      mmap: (_f, vma) => { vmas.push(vma); vma.vm_ops = ops; return remap_pfn_range(vma, vma.vm_start, img, vma.vm_end - vma.vm_start, vma.vm_page_prot); },
      unlocked_ioctl: () => { zap_vma_ptes(vmas[0], vmas[0].vm_start + P, P); return 0; },
    }));
    const p = spawn("zap");
    const fd = p.open(dev.path, O_RDONLY);
    const a = p.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    p.peek8(a + P);
    assert.ok(mmOf(p).pgtables.tlbLookup((a + P) / P));
    assert.equal(p.ioctl(fd, 0), 0);
    assert.equal(pte(p, a + P), 0);
    assert.notEqual(pte(p, a), 0);
    assert.equal(mmOf(p).pgtables.tlbLookup((a + P) / P), undefined);
    assert.deepEqual(p.catchSignal(() => p.peek8(a + P)), { signo: SIGBUS, code: BUS_ADRERR, addr: a + P });
    assert.equal(faults, 1);
    // Not VM_PFNMAP: nothing happens.
    const anon = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(anon, 1);
    const anonVma = mmOf(p).vmaLookup(anon)!;
    zap_vma_ptes(anonVma, anon, P);
    assert.notEqual(pte(p, anon), 0);
  });
});

describe("get_user_pages", () => {
  /** A device whose ioctl runs `action` in the calling process's context. */
  function gupDev(k: Kernel) {
    const d = { action: (): number => 0, ret: 0 };
    const dev = loadDev(k, "gup", () => ({ owner: THIS_MODULE, unlocked_ioctl: () => { d.ret = d.action(); return 0; } }));
    return Object.assign(d, dev);
  }

  it("without mmap_read_lock: PG007; with it, a reference per page", () => {
    const k = boot();
    const d = gupDev(k);
    const p = spawn("g");
    const fd = p.open(d.path, O_RDWR);
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 1);
    const pages: Array<Page | null> = [null, null];
    d.action = () => get_user_pages(a, 1, 0, pages);
    p.ioctl(fd, 0);
    assert.equal(d.ret, 1);
    const f = only(k, "PG007");
    assert.equal(f.report[0], `WARNING: CPU: 0 PID: ${p.pid} at include/linux/mmap_lock.h: mmap_assert_locked`);
    assert.equal(f.location?.file, SELF);
    assert.equal(k.memmap.refcount(pages[0]!.pfn), 2);
    d.action = () => { put_page(pages[0]!); return 0; };
    p.ioctl(fd, 0);
    assert.equal(k.memmap.refcount(pages[0]!.pfn), 1);
    k.findings.length = 0;
    d.action = () => {
      mmap_read_lock(current.mm!);
      const n = get_user_pages(a, 2, 0, pages);
      mmap_read_unlock(current.mm!);
      for (const pg of pages) put_page(pg!);
      return n;
    };
    p.ioctl(fd, 0);
    assert.equal(d.ret, 2);
    assert.equal(pages[1]!.pfn, k.mm.zeroPfn, "an untouched page reads as the zero page");
    assert.deepEqual(k.findings, []);
  });

  it("FOLL_WRITE breaks COW first; VM_IO/VM_PFNMAP mappings give -EFAULT", () => {
    const k = boot();
    const d = gupDev(k);
    const img = k.reserved.get("kernel image")![0];
    const io = loadDev(k, "gupio", () => ({ owner: THIS_MODULE, mmap: (_f, vma) => remap_pfn_range(vma, vma.vm_start, img, P, vma.vm_page_prot) }));
    const p = spawn("g");
    const fd = p.open(d.path, O_RDWR);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 0x5e);
    const shared = pfnAt(p, a);
    const c = p.fork();
    const pages: Array<Page | null> = [null];
    d.action = () => {
      mmap_read_lock(current.mm!);
      const n = get_user_pages(a, 1, FOLL_WRITE, pages);
      mmap_read_unlock(current.mm!);
      return n;
    };
    p.ioctl(fd, 0);
    assert.equal(d.ret, 1);
    assert.notEqual(pages[0]!.pfn, shared, "the parent got its own copy before the kernel may write it");
    assert.equal(pfnAt(p, a), pages[0]!.pfn);
    assert.equal(pte(p, a) & _PAGE_RW, _PAGE_RW);
    assert.equal(k.memmap.refcount(pages[0]!.pfn), 2);
    assert.equal(pfnAt(c, a), shared);
    assert.equal(c.peek8(a), 0x5e);
    d.action = () => { set_page_dirty(pages[0]!); put_page(pages[0]!); return 0; };
    p.ioctl(fd, 0);
    const m = p.mmap(0, P, PROT_READ, MAP_SHARED, p.open(io.path, O_RDONLY), 0);
    d.action = () => {
      mmap_read_lock(current.mm!);
      const n = get_user_pages(m, 1, 0, pages);
      mmap_read_unlock(current.mm!);
      return n;
    };
    p.ioctl(fd, 0);
    assert.equal(d.ret, -EFAULT);
    const none = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(none, 1);
    assert.equal(p.mprotect(none, P, PROT_NONE), 0);
    d.action = () => {
      mmap_read_lock(current.mm!);
      const n = get_user_pages(none, 1, 0, pages);
      mmap_read_unlock(current.mm!);
      return n;
    };
    p.ioctl(fd, 0);
    assert.equal(d.ret, -EFAULT, "PROT_NONE is not readable");
    assert.deepEqual(k.findings, []);
  });

  it("pin_user_pages adds GUP_PIN_COUNTING_BIAS (1024); put_page() of a pinned page is PG007; so is a written page released clean", () => {
    const k = boot();
    const d = gupDev(k);
    const p = spawn("g");
    const fd = p.open(d.path, O_RDWR);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 1);
    const pfn = pfnAt(p, a);
    const pages: Array<Page | null> = [null];
    const locked = (fn: () => number) => () => { mmap_read_lock(current.mm!); try { return fn(); } finally { mmap_read_unlock(current.mm!); } };
    d.action = locked(() => pin_user_pages(a, 1, FOLL_WRITE, pages));
    p.ioctl(fd, 0);
    assert.equal(k.memmap.refcount(pfn), 1 + 1024);
    d.action = () => { unpin_user_page(pages[0]!); return 0; };
    p.ioctl(fd, 0);
    assert.equal(k.memmap.refcount(pfn), 1);
    assert.deepEqual(k.findings, []);

    d.action = locked(() => pin_user_pages(a, 1, 0, pages));
    p.ioctl(fd, 0);
    d.action = () => { put_page(pages[0]!); return 0; };
    p.ioctl(fd, 0);
    const f = only(k, "PG007");
    assert.equal(f.report[0], `WARNING: CPU: 0 PID: ${p.pid} at mm/gup.c: put_page of pfn:0x${pfn.toString(16)} (user address 0x${a.toString(16)})`);
    assert.match(f.message, /put_page\(\) of a page taken with pin_user_pages\(\): release it with unpin_user_page\(\)/);
    assert.equal(f.location?.file, SELF);
    assert.equal(k.memmap.refcount(pfn), 1, "the pin is undone all the same");
    k.findings.length = 0;

    d.action = locked(() => get_user_pages(a, 1, FOLL_WRITE, pages));
    p.ioctl(fd, 0);
    d.action = () => { memset(page_address(pages[0]!), 0x7e, 16); put_page(pages[0]!); return 0; };
    p.ioctl(fd, 0);
    const g = only(k, "PG007");
    assert.match(g.message, /a page written by the kernel was released without set_page_dirty\(\)/);
    assert.equal(g.report[0], `WARNING: CPU: 0 PID: ${p.pid} at mm/gup.c: pfn:0x${pfn.toString(16)} (user address 0x${a.toString(16)}) was written by the kernel and released clean by put_page()`);
    assert.equal(p.peek8(a + 15), 0x7e);
    k.findings.length = 0;
    d.action = locked(() => get_user_pages(a, 1, FOLL_WRITE, pages));
    p.ioctl(fd, 0);
    d.action = () => { memset(page_address(pages[0]!), 0x7f, 16); set_page_dirty(pages[0]!); put_page(pages[0]!); return 0; };
    p.ioctl(fd, 0);
    assert.deepEqual(k.findings, []);
    assert.equal(k.memmap.refcount(pfn), 1);
  });
});

describe("get_user_pages and exit", () => {
  it("a page still pinned when its process exits is freed by the last unpin_user_page(); a plain reference by put_page()", () => {
    const k = boot();
    const p = spawn("pinexit");
    const a = p.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke8(a, 1);
    p.poke8(a + P, 2);
    const pinned: Array<Page | null> = [null], got: Array<Page | null> = [null];
    k.withCurrent(p.task, () => {
      mmap_read_lock(current.mm!);
      assert.equal(pin_user_pages(a, 1, FOLL_WRITE, pinned), 1);
      assert.equal(get_user_pages(a + P, 1, FOLL_WRITE, got), 1);
      mmap_read_unlock(current.mm!);
    });
    const free = k.pages.totalFreePages() + mmOf(p).pgtables.tablePages;
    p.exit(0);
    assert.equal(k.pages.totalFreePages(), free, "the two pages outlive the process (its page tables do not)");
    assert.equal(k.memmap.refcount(pinned[0]!.pfn), 1024);
    assert.equal(k.memmap.refcount(got[0]!.pfn), 1);
    set_page_dirty(pinned[0]!);
    unpin_user_page(pinned[0]!);
    assert.equal(k.memmap.owner(pinned[0]!.pfn), Owner.Free);
    set_page_dirty(got[0]!);
    put_page(got[0]!);
    assert.equal(k.memmap.owner(got[0]!.pfn), Owner.Free);
    assert.equal(k.pages.totalFreePages(), free + 2);
    assert.deepEqual(k.findings, []);
  });
});

describe("uaccess", () => {
  function uDev(k: Kernel) {
    const d = { action: (): number => 0, ret: 0 };
    const dev = loadDev(k, "uacc", () => ({ owner: THIS_MODULE, unlocked_ioctl: () => { d.ret = d.action(); return 0; } }));
    return Object.assign(d, dev);
  }

  it("copy_to_user/copy_from_user return the bytes not copied; a bad address is no oops; the kernel buffer's tail is zeroed", () => {
    const k = boot();
    const d = uDev(k);
    const p = spawn("u");
    const fd = p.open(d.path, O_RDWR);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert.equal(a + P, VVAR, "[vvar] follows, read-only");
    const kbuf = kmalloc(64, GFP_KERNEL);
    for (let i = 0; i < 64; i++) k.mem.write(kbuf + i, Uint8Array.of(i + 1));
    d.action = () => copy_to_user(a + P - 24, kbuf, 64);
    p.ioctl(fd, 0);
    assert.equal(d.ret, 40, "24 bytes fit before the read-only [vvar]");
    assert.deepEqual([...p.read_bytes(a + P - 24, 24)], Array.from({ length: 24 }, (_, i) => i + 1));
    d.action = () => copy_to_user(0x10000, kbuf, 16);
    p.ioctl(fd, 0);
    assert.equal(d.ret, 16);
    p.write_bytes(a + P - 4, Uint8Array.of(9, 8, 7, 6));
    d.action = () => copy_from_user(kbuf, a + P - 4, 8);
    p.ioctl(fd, 0);
    assert.equal(d.ret, 0, "[vvar] is readable");
    d.action = () => copy_from_user(kbuf, 0x10000 - 4, 8);
    p.ioctl(fd, 0);
    assert.equal(d.ret, 8);
    assert.deepEqual([...Array.from({ length: 8 }, (_, i) => load8(kbuf + i))], [0, 0, 0, 0, 0, 0, 0, 0], "zeroed on failure");
    p.write_bytes(a, Uint8Array.of(1, 2, 3, 4));
    const b = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert.equal(p.munmap(b, P), 0);
    d.action = () => copy_from_user(kbuf, b + P - 2, 8); // two bytes of a hole, then a's first bytes: the first fault stops it
    p.ioctl(fd, 0);
    assert.equal(d.ret, 8);
    assert.deepEqual(k.findings, []);
    assert.ok(p.alive);
  });

  it("a kernel address as the user pointer: CTX002, nothing copied", () => {
    const k = boot();
    const d = uDev(k);
    const p = spawn("u");
    const fd = p.open(d.path, O_RDWR);
    const kbuf = kmalloc(32, GFP_KERNEL);
    d.action = () => copy_to_user(kbuf, kbuf, 8);
    p.ioctl(fd, 0);
    assert.equal(d.ret, 8);
    const f = only(k, "CTX002");
    assert.equal(f.report[0], `sparse: warning: incorrect type in argument (different address spaces): copy_to_user() was given ${k.px(kbuf)}, a kernel address, as its __user pointer`);
    assert.equal(f.location?.file, SELF);
  });

  it("get_user/put_user: 0 or -EFAULT", () => {
    const k = boot();
    const d = uDev(k);
    const p = spawn("u");
    const fd = p.open(d.path, O_RDWR);
    const a = p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p.poke32(a, 0xcafe);
    const x = ref<number | bigint>(-1);
    d.action = () => get_user(x, a);
    p.ioctl(fd, 0);
    assert.deepEqual([d.ret, x.value], [0, 0xcafe]);
    d.action = () => put_user(0x1234, a + 4);
    p.ioctl(fd, 0);
    assert.equal(d.ret, 0);
    assert.equal(p.peek32(a + 4), 0x1234);
    d.action = () => get_user(x, 0x10000);
    p.ioctl(fd, 0);
    assert.deepEqual([d.ret, x.value], [-EFAULT, 0]);
    d.action = () => put_user(1, VVAR);
    p.ioctl(fd, 0);
    assert.equal(d.ret, -EFAULT, "[vvar] is read-only");
    assert.deepEqual(k.findings, []);
  });
});

describe("modules", () => {
  it("module_param: int, hex, octal, bool, charp; unknown parameters are ignored with a warning", () => {
    const k = boot();
    const v: Record<string, unknown> = {};
    const from = k.log.records().length;
    const r = k.modules.load("params", () => {
      MODULE_LICENSE("GPL");
      v.i = module_param("i", "int", 1, 0o444);
      v.h = module_param("h", "uint", 0, 0o444);
      v.o = module_param("o", "int", 0, 0o444);
      v.b = module_param("b", "bool", false, 0o444);
      v.n = module_param("n", "bool", true, 0o444);
      v.s = module_param("s", "charp", "dflt", 0o444);
      v.untouched = module_param("untouched", "int", 42, 0o444);
    }, { i: "-42", h: "0x1F", o: "017", b: "Y", n: "0", s: "hello world", zzz: "1" });
    assert.equal(r, 0);
    assert.deepEqual(v, { i: -42, h: 31, o: 15, b: true, n: false, s: "hello world", untouched: 42 });
    assert.deepEqual(logSince(k, from), ["params: unknown parameter 'zzz' ignored"]);
    assert.equal(k.modules.loaded.get("params")!.params.get("h")!.value, 31);
  });

  it("module_param: a malformed or out-of-range value fails insmod with -EINVAL, at KERN_ERR, like parse_args()", () => {
    const k = boot();
    const from = k.log.records().length;
    const r = k.modules.load("params", () => {
      MODULE_LICENSE("GPL");
      module_param("bad", "int", 7, 0o444);
      module_param("neg", "uint", 3, 0o444);
      module_param("big", "int", 0, 0o444);
    }, { bad: "12abc", neg: "-1", big: "4294967296" });
    assert.equal(r, -22);
    assert.deepEqual(k.log.records().slice(from).map((x) => [x.level, x.text]), [
      [3, "params: `12abc' invalid for parameter `bad'"],
      [3, "params: `-1' invalid for parameter `neg'"],
      [3, "params: `4294967296' invalid for parameter `big'"],
    ]);
    assert.equal(k.modules.loaded.has("params"), false);
  });

  it("rmmod is -EBUSY while a file whose fops have .owner = THIS_MODULE is open, also through a mapping", () => {
    const k = boot();
    const dev = loadDev(k, "busy", () => ({ owner: THIS_MODULE, mmap: () => 0 }));
    const p = spawn("b");
    const fd = p.open(dev.path, O_RDWR);
    assert.equal(k.modules.loaded.get("busy")!.refcnt, 1);
    assert.equal(k.modules.unload("busy"), -EBUSY);
    const a = p.mmap(0, P, PROT_READ, MAP_SHARED, fd, 0);
    assert.equal(p.close(fd), 0);
    assert.equal(k.modules.unload("busy"), -EBUSY, "the VMA still holds the file");
    assert.equal(p.munmap(a, P), 0);
    assert.equal(k.modules.loaded.get("busy")!.refcnt, 0);
    assert.equal(k.modules.unload("busy"), 0);
    assert.equal(k.modules.loaded.has("busy"), false);
    assert.equal(p.open(dev.path, O_RDWR), -1, "nothing behind the node now");
    assert.equal(p.errno, ENXIO);
  });

  it("unload reports what the module still holds: kmalloc, vmalloc, alloc_pages, a get_page reference (MEM008), each at its line", () => {
    const k = boot();
    const lines: Record<string, number> = {};
    const addrs: Record<string, number> = {};
    const img = k.reserved.get("kernel image")![0];
    assert.equal(k.modules.load("leaky", () => {
      MODULE_LICENSE("GPL");
      module_init(() => {
        addrs.kmalloc = kmalloc(40, GFP_KERNEL); lines.kmalloc = lineHere();
        addrs.vmalloc = vmalloc(5000); lines.vmalloc = lineHere();
        addrs.pages = alloc_pages(GFP_KERNEL, 1)!.pfn; lines.pages = lineHere();
        get_page(pfn_to_page(img + 3)); lines.get_page = lineHere();
        return 0;
      });
    }), 0);
    assert.equal(k.findings.length, 0);
    assert.equal(k.modules.unload("leaky"), 0);
    assert.deepEqual(rulesFired(k), ["MEM008", "MEM008", "MEM008", "MEM008"]);
    const byFn = Object.fromEntries(k.findings.map((f) => [/taken by (\S+)\)/.exec(f.report.find((l) => l.includes("taken by"))!)![1], f]));
    assert.deepEqual(Object.keys(byFn).sort(), ["alloc_pages()", "get_page()", "kmalloc()", "vmalloc()"]);
    const expect = { "kmalloc()": lines.kmalloc, "vmalloc()": lines.vmalloc, "alloc_pages()": lines.pages, "get_page()": lines.get_page };
    for (const [fn, line] of Object.entries(expect)) {
      const f = byFn[fn];
      assert.match(f.report[0], /^unreferenced object 0x[0-9a-f]{16} \(size \d+\):$/, fn);
      assert.equal(f.location?.file, SELF, fn);
      assert.equal(f.location?.line, line, fn);
      assert.match(f.report.join("\n"), new RegExp(`backtrace \\(leaky: unloaded; taken by ${fn.replace(/[()]/g, "\\$&")}\\):`));
    }
    assert.equal(byFn["kmalloc()"].report[0], `unreferenced object 0x${k.px(addrs.kmalloc)} (size 40):`);
    assert.equal(byFn["vmalloc()"].report[0], `unreferenced object 0x${k.px(addrs.vmalloc)} (size 5000):`);
    assert.equal(byFn["alloc_pages()"].report[0], `unreferenced object 0x${k.px(k.pages.pageAddressOrZero(addrs.pages))} (size 8192):`);
    assert.equal(byFn["get_page()"].report[0], `unreferenced object 0x${k.px(k.pages.pageAddressOrZero(img + 3))} (size 4096):`);
  });

  it("i386: a kmap() never undone is PG003 at unload", () => {
    const k = boot({ arch: "i386", mem: "1G" });
    let line = 0, pfn = 0;
    assert.equal(k.modules.load("kmapleak", () => {
      MODULE_LICENSE("GPL");
      module_init(() => {
        const pg = alloc_page(GFP_HIGHUSER)!;
        pfn = pg.pfn;
        kmap(pg); line = lineHere();
        return 0;
      });
      module_exit(() => { /* forgets kunmap() and __free_page() */ });
    }), 0);
    assert.ok(k.highmem.isHighmem(pfn));
    assert.equal(k.modules.unload("kmapleak"), 0);
    assert.deepEqual(rulesFired(k).sort(), ["MEM008", "PG003"]);
    const f = k.findings.find((x) => x.rule === "PG003")!;
    assert.match(f.report[0], /^unreferenced object 0x[0-9a-f]{8} \(size 4096\):$/);
    assert.equal(f.location?.file, SELF);
    assert.equal(f.location?.line, line);
  });

  it("an init that fails: insmod returns its error and the module is not loaded", () => {
    const k = boot();
    let exitCalled = false;
    const r = k.modules.load("failing", () => {
      MODULE_LICENSE("GPL");
      module_init(() => -ENODEV);
      module_exit(() => { exitCalled = true; });
    });
    assert.equal(r, -ENODEV);
    assert.equal(k.modules.loaded.has("failing"), false);
    assert.equal(k.modules.unload("failing"), -2);
    assert.equal(exitCalled, false);
    assert.equal(k.modules.load("failing", () => { module_init(() => 0); }), 0, "it can be loaded again");
  });
});

describe("char devices", () => {
  it("register_chrdev hands out majors from 254 down; alloc_chrdev_region and cdev_add; a node with no cdev is ENXIO", () => {
    const k = boot();
    const opened: string[] = [];
    let majors: number[] = [];
    const dev = ref(0);
    const cdev = new Cdev();
    assert.equal(k.modules.load("chr", () => {
      MODULE_LICENSE("GPL");
      const fops = (n: string): file_operations => ({ owner: THIS_MODULE, open: (inode) => { opened.push(`${n} ${inode.i_rdev}`); return 0; } });
      module_init(() => {
        majors = [register_chrdev(0, "first", fops("first")), register_chrdev(0, "second", fops("second"))];
        const r = alloc_chrdev_region(dev, 3, 2, "third");
        if (r) return r;
        cdev_init(cdev, fops("third"));
        return cdev_add(cdev, dev.value, 1);
      });
    }), 0);
    assert.deepEqual(majors, [254, 253]);
    assert.equal(dev.value, MKDEV(252, 3));
    assert.match(cat("/proc/devices"), /\n252 third\n253 second\n254 first\n$/);
    mknod("/dev/first", 254, 7);
    mknod("/dev/third", 252, 3);
    mknod("/dev/third1", 252, 4);
    const p = spawn("c");
    assert.ok(p.open("/dev/first", O_RDWR) >= 0);
    assert.ok(p.open("/dev/third", O_RDWR) >= 0);
    assert.deepEqual(opened, [`first ${MKDEV(254, 7)}`, `third ${MKDEV(252, 3)}`]);
    assert.equal(p.open("/dev/third1", O_RDWR), -1, "the region has minor 4, but no cdev was added for it");
    assert.equal(p.errno, ENXIO);
    assert.equal(p.open("/dev/nonesuch", O_RDWR), -1);
  });

  it("misc_register: dynamic minors 127 then 126, and the /dev node appears by itself", () => {
    const k = boot();
    const m1: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "misc1", fops: {} };
    const m2: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "misc2", fops: {} };
    let opened = 0;
    assert.equal(k.modules.load("miscmod", () => {
      MODULE_LICENSE("GPL");
      m1.fops = { owner: THIS_MODULE, open: () => { opened++; return 0; } };
      m2.fops = { owner: THIS_MODULE };
      module_init(() => misc_register(m1) || misc_register(m2));
    }), 0);
    assert.deepEqual([m1.minor, m2.minor], [127, 126]);
    assert.equal(k.chrdev.nodes.get("/dev/misc1")!.i_rdev, MKDEV(10, 127));
    assert.equal(k.chrdev.nodes.get("/dev/misc2")!.i_rdev, MKDEV(10, 126));
    const p = spawn("m");
    assert.ok(p.open("/dev/misc1", O_RDWR) >= 0);
    assert.equal(opened, 1);
    assert.equal(k.modules.unload("miscmod"), -EBUSY);
  });
});

describe("a driver that crashes", () => {
  it("a TypeError in the fault handler: an oops at the driver's line, the process dies of SIGSEGV, the kernel goes on", () => {
    const k = boot();
    let line = 0;
    const ops: vm_operations_struct = {
      fault(vmf: vm_fault): number {
        const table: Record<number, Page> = {};
        line = lineHere() + 1;
        vmf.page = table[vmf.pgoff].pfn as unknown as Page; // TypeError: reading 'pfn' of undefined
        return 0;
      },
    };
    const dev = loadDev(k, "crashy", () => ({ owner: THIS_MODULE, mmap: (_f, vma) => { vma.vm_ops = ops; return 0; } }));
    const p = spawn("crash");
    const a = p.mmap(0, P, PROT_READ, MAP_SHARED, p.open(dev.path, O_RDONLY), 0);
    const from = k.log.records().length;
    assert.throws(() => p.peek8(a), (e: unknown) => e instanceof UserSignal && e.info.signo === SIGSEGV);
    const log = logSince(k, from);
    assert.match(log[0], /^BUG: the driver's fault\(\) threw TypeError: Cannot read properties of undefined \(reading 'pfn'\)$/);
    assert.ok(log.some((l) => /^RIP: 0010:\S*fault \(/.test(l) && l.endsWith(`mm.test.ts:${line})`)), log.join("\n"));
    assert.equal(p.alive, false);
    assert.equal(p.task.killedBy?.signo, SIGSEGV);
    assert.equal(mmOf(p).mmap_lock.readers, 0, "mmap_lock was released");
    // The kernel goes on: another process maps and touches memory, and the module unloads.
    const q = spawn("after");
    const b = q.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    q.poke8(b, 1);
    assert.equal(q.peek8(b), 1);
    q.exit(0);
    assert.equal(k.modules.unload("crashy"), 0);
    assert.equal(k.mm.userMappedFrames, 0);
  });
});
