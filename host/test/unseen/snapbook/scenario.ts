// Two snapshots side by side, one unmapped early; a fork shares the other.
import { expect, expect_eq, printf, spawn, MAP_SHARED, O_RDONLY, PROT_READ } from "faultline/user";

export default function scenario(): void {
  const p = spawn("snapview");
  const fd = p.open("/dev/snapbook", O_RDONLY);
  expect(fd >= 0, "open");
  const a = p.mmap(0, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
  const b = p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0);
  expect(a > 0 && b > 0, `mmap: errno ${p.errno}`);
  for (let i = 0; i < 3; i++) expect_eq([p.peek32(a + i * 4096), p.peek32(a + i * 4096 + 4)].join(), `1,${i}`, "snapshot 1");
  expect_eq(p.munmap(a, 3 * 4096), 0, "unmap the first");
  const child = p.fork();
  expect_eq(child.peek32(b + 4096 + 4), 1, "the child sees snapshot 2's second page");
  child.exit(0);
  expect_eq(p.peek32(b), 2, "snapshot 2 still there");
  expect_eq(p.mmap(0, 9 * 4096, PROT_READ, MAP_SHARED, fd, 0), -1, "too many pages");
  p.munmap(b, 2 * 4096);
  printf("snapshots mapped, shared and released\n");
  p.close(fd);
}
