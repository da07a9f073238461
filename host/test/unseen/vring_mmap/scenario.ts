// Map the ring, post two requests, read the answers in place; a reset while
// mapped must be refused, and succeed once unmapped.
import { expect, expect_eq, printf, spawn, MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE } from "faultline/user";

const KICK = 0x7601, RESET = 0x7602;

export default function scenario(): void {
  const p = spawn("vring-user");
  const fd = p.open("/dev/vring", O_RDWR);
  expect(fd >= 0, "open");
  const ring = p.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  expect(ring > 0, `mmap: errno ${p.errno}`);
  for (const req of ["first request", "a second, longer request through the same ring"]) {
    p.poke32(ring, req.length);
    p.write_string(ring + 4, req);
    const n = p.ioctl(fd, KICK);
    expect_eq(n, req.length, "kick returns the length");
    expect_eq(new TextDecoder().decode(p.read_bytes(ring + 4096, n)), req, "the card's answer in the used half");
  }
  const r = p.ioctl(fd, RESET);
  printf("reset while mapped: %d (errno %d)\n", r, r < 0 ? p.errno : 0);
  const big = p.mmap(0, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
  expect_eq(big, -1, "a window larger than the ring is refused");
  expect_eq(p.munmap(ring, 8192), 0, "munmap");
  expect_eq(p.ioctl(fd, RESET), 0, "reset once unmapped");
  printf("vring: two round trips, reset after unmap\n");
  p.close(fd);
}
