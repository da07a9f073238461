// Map the whole area, then its last page alone; a window past the end is refused.
import { expect, expect_eq, printf, spawn, MAP_SHARED, O_RDONLY, PROT_READ } from "faultline/user";

export default function scenario(): void {
  const p = spawn("statmon");
  const fd = p.open("/dev/statarea", O_RDONLY);
  expect(fd >= 0, "open");
  const all = p.mmap(0, 4 * 4096, PROT_READ, MAP_SHARED, fd, 0);
  expect(all > 0, `mmap: errno ${p.errno}`);
  for (let pg = 0; pg < 4; pg++) expect_eq(p.peek32(all + pg * 4096), 0x57a7 + pg * 1024, `page ${pg}`);
  const last = p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 3 * 4096);
  expect_eq(p.peek32(last), 0x57a7 + 3 * 1024, "the last page alone");
  expect_eq(p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, 3 * 4096), -1, "past the end");
  expect_eq(p.munmap(all, 4 * 4096), 0, "munmap");
  expect_eq(p.munmap(last, 4096), 0, "munmap");
  printf("status area read through two mappings\n");
  p.close(fd);
}
