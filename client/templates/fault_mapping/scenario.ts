// Map the device, touch each page (each first touch is a page fault served by
// mydriver_vma_fault), fork so the child's copy of the VMA is opened, then
// unmap; and ask for more pages than the device has.

import { cat, expect, expect_eq, printf, spawn, MAP_FAILED, MAP_SHARED, O_RDWR, PROT_READ } from "faultline/user";

const PAGE = 4096;
const NODE = "/dev/mydriver";
const NPAGES = 4;

export default function scenario(): void {
  const p = spawn("mydriver-test");
  const fd = p.open(NODE, O_RDWR);
  expect(fd >= 0, `open ${NODE}: errno ${p.errno}`);

  const addr = p.mmap(0, NPAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
  expect(addr !== MAP_FAILED, `mmap: errno ${p.errno}`);
  for (let i = 0; i < NPAGES; i++) printf("page %d: %s", i, p.read_string(addr + i * PAGE, 64));
  printf("%s", cat(`/proc/${p.pid}/maps`));

  const child = p.fork();
  expect_eq(child.read_string(addr, 64), p.read_string(addr, 64), "the child sees the same pages");
  child.exit(0);
  expect_eq(p.munmap(addr, NPAGES * PAGE), 0, "munmap");

  const big = p.mmap(0, (NPAGES + 1) * PAGE, PROT_READ, MAP_SHARED, fd, 0);
  printf("mmap of %d pages: %s\n", NPAGES + 1, big === MAP_FAILED ? `refused, errno ${p.errno}` : "accepted (it should not be)");
  expect(big === MAP_FAILED, "a mapping larger than the device is refused");
  p.close(fd);
}
