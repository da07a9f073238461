// A user-space driver's view: BAR 0 mapped (the edu identification register
// and the liveness check through it), the logical and the vmalloc region
// faulted in, written and read back, a window too long refused, one mapping
// kept across a fork and released after the close.
import { expect, expect_eq, printf, spawn, MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE } from "faultline/user";

export default function scenario(): void {
  const p = spawn("uio-user");
  const fd = p.open("/dev/uio0", O_RDWR);
  expect(fd >= 0, "open");
  const rw = PROT_READ | PROT_WRITE;
  const bar = p.mmap(0, 4096, rw, MAP_SHARED, fd, 0);
  const shm = p.mmap(0, 2 * 4096, rw, MAP_SHARED, fd, 1 * 4096);
  const ring = p.mmap(0, 2 * 4096, rw, MAP_SHARED, fd, 2 * 4096);
  expect(bar > 0 && shm > 0 && ring > 0, `mmap: errno ${p.errno}`);
  expect_eq(p.peek32(bar) >>> 0, 0x010000ed, "edu identification");
  p.poke32(bar + 4, 0x12345678);
  expect_eq(p.peek32(bar + 4) >>> 0, ~0x12345678 >>> 0, "liveness check inverts");
  expect_eq(p.peek32(shm + 4096) >>> 0, 0x53484d31, "the logical region's second page");
  expect_eq(p.peek32(ring + 4096) >>> 0, 0x52494e47, "the vmalloc region's second page");
  p.poke32(shm, 7);
  p.poke32(ring, 9);
  expect_eq(p.peek32(shm), 7, "shm write");
  expect_eq(p.peek32(ring), 9, "ring write");
  expect_eq(p.mmap(0, 3 * 4096, rw, MAP_SHARED, fd, 1 * 4096), -1, "longer than the region");
  expect_eq(p.mmap(0, 4096, rw, MAP_SHARED, fd, 3 * 4096), -1, "an empty map index");
  const child = p.fork();
  expect_eq(child.peek32(shm), 7, "the child shares shm");
  child.exit(0);
  p.munmap(bar, 4096);
  p.munmap(ring, 2 * 4096);
  p.close(fd);
  expect_eq(p.peek32(shm), 7, "shm outlives the close");
  p.munmap(shm, 2 * 4096);
  printf("three UIO regions mapped, used and released\n");
}
