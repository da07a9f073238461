// Write across a page boundary, duplicate a page, read both copies back.
import { expect, expect_eq, printf, spawn, O_RDWR, SEEK_SET } from "faultline/user";

export default function scenario(): void {
  const p = spawn("hs");
  const fd = p.open("/dev/hstore", O_RDWR);
  expect(fd >= 0, "open /dev/hstore");
  const text = "high memory has no permanent kernel address; ".repeat(120);
  const ub = p.malloc(text.length);
  p.write_bytes(ub, text);
  expect_eq(p.lseek(fd, 1000, SEEK_SET), 1000, "seek");
  expect_eq(p.write(fd, ub, text.length), text.length, "write spans pages");
  expect_eq(p.ioctl(fd, 0x40046801, (3 << 8) | 1), 0, "dup page 1 to page 3");
  const back = p.malloc(4096);
  expect_eq(p.lseek(fd, 3 * 4096, SEEK_SET), 3 * 4096, "seek page 3");
  expect_eq(p.read(fd, back, 4096), 4096, "read page 3");
  const want = text.slice(4096 - 1000);
  expect_eq(new TextDecoder().decode(p.read_bytes(back, want.length)), want, "page 3 is a copy of page 1");
  expect_eq(p.peek8(back + want.length), 0, "and zero past what was written");
  printf("hstore: copy verified\n");
  p.close(fd);
}
