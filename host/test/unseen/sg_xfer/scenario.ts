// 2500 bytes written through three entries and read back; the card holds them in between.
import { device, expect, expect_eq, printf, spawn, O_RDWR } from "faultline/user";

export default function scenario(): void {
  const card = device("edu") as unknown as { buffer: Uint8Array };
  const p = spawn("sgcp");
  const fd = p.open("/dev/sgxfer", O_RDWR);
  expect(fd >= 0, "open");
  const src = p.malloc(4096), dst = p.malloc(4096);
  const data = new Uint8Array(2500).map((_, i) => (i * 13 + 1) & 0xff);
  p.write_bytes(src, data);
  expect_eq(p.write(fd, src, 2500), 2500, "write");
  expect(card.buffer.slice(0, 2500).every((b, i) => b === data[i]), "the card holds the bytes");
  expect_eq(p.read(fd, dst, 2500), 2500, "read");
  expect(p.read_bytes(dst, 2500).every((b, i) => b === data[i]), "read back what was written");
  printf("2500 bytes out and back through a 3-entry scatterlist\n");
  p.close(fd);
}
