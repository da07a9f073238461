// Map the driver's four-page buffer, read the kernel's message through the
// mapping, write through it and see the write with read(), then ask for one
// page more than the buffer has.

import { cat, errname, expect, expect_eq, printf, spawn, MAP_FAILED, MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE, SEEK_SET } from "faultline/user";

const PAGE = 4096;
const NODE = "/dev/mydriver";
const NPAGES = 4;

export default function scenario(): void {
  const p = spawn("mydriver-test");
  const fd = p.open(NODE, O_RDWR);
  expect(fd >= 0, `open ${NODE}: errno ${p.errno}`);

  const len = NPAGES * PAGE;
  const addr = p.mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  expect(addr !== MAP_FAILED, `mmap of the whole buffer: errno ${p.errno}`);
  printf("mapped %d bytes at %lx\n", len, addr);
  for (let i = 0; i < NPAGES; i++) printf("  page %d: %s", i, p.read_string(addr + i * PAGE, 80));
  printf("%s", cat(`/proc/${p.pid}/maps`));

  // The kernel sees a store through the mapping at once: it is the same memory.
  const msg = "hello from user space, through the mapping\n";
  p.write_string(addr + PAGE, msg);
  const buf = p.malloc(128);
  expect_eq(p.lseek(fd, PAGE, SEEK_SET), PAGE, "lseek to page 1");
  const n = p.read(fd, buf, msg.length);
  printf("read() at offset %d: %d bytes: %s", PAGE, n, p.read_string(buf, n));
  expect_eq(p.munmap(addr, len), 0, "munmap");

  // One page more than the buffer: the driver must refuse it.
  const big = p.mmap(0, len + PAGE, PROT_READ, MAP_SHARED, fd, 0);
  if (big === MAP_FAILED) printf("mmap of %d pages: failed, errno %d (%s)\n", NPAGES + 1, p.errno, errname(p.errno) ?? "?");
  else {
    printf("mmap of %d pages: succeeded at %lx\n", NPAGES + 1, big);
    printf("%s", cat(`/proc/${p.pid}/maps`));
    const past = p.read_bytes(big + len, 16);
    printf("  page %d (not the driver's): %s\n", NPAGES, Array.from(past, (b) => b.toString(16).padStart(2, "0")).join(" "));
    p.munmap(big, len + PAGE);
  }
  p.close(fd);
}
