// What LDD3 does with simple by hand: map physical memory both ways, look at
// the maps, fork, grow the mapping with mremap, unmap part of it.

import {
  cat, expect, expect_eq, major_of, mknod, printf, spawn, MAP_FAILED, MAP_SHARED, MREMAP_MAYMOVE, O_RDWR, PROT_READ,
} from "faultline/user";

/** The kernel image lives at 1 MiB: reserved memory, which is what may be remapped. */
const KERNEL_TEXT = 0x100000;

export default function scenario(): void {
  const major = major_of("simple");
  expect(major > 0, "simple registered a major");
  mknod("/dev/simpler", major, 0);
  mknod("/dev/simplen", major, 1);
  const p = spawn("simple-test");

  for (const node of ["/dev/simpler", "/dev/simplen"]) {
    const fd = p.open(node, O_RDWR);
    expect(fd >= 0, `open ${node}`);
    const addr = p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, KERNEL_TEXT);
    expect(addr !== MAP_FAILED, `mmap ${node}: errno ${p.errno}`);
    printf("%s: mapped at %lx, first word %08x\n", node, addr, p.peek32(addr));
    printf("%s", cat(`/proc/${p.pid}/maps`));

    const child = p.fork();
    expect_eq(child.peek32(addr), p.peek32(addr), "the child sees the same memory");
    child.exit(0);

    let cur = addr, pages = 2;
    const grown = p.mremap(addr, 2 * 4096, 4 * 4096, MREMAP_MAYMOVE);
    if (grown === MAP_FAILED) printf("%s: mremap to 4 pages failed, errno %d\n", node, p.errno);
    else {
      cur = grown;
      pages = 4;
      printf("%s: mremap to 4 pages: now at %lx, fourth page starts with %08x\n", node, cur, p.peek32(cur + 3 * 4096));
    }

    expect_eq(p.munmap(cur + 4096, 4096), 0, "munmap of the second page");
    printf("%s", cat(`/proc/${p.pid}/maps`));
    p.munmap(cur, pages * 4096);
    p.close(fd);
  }
}
