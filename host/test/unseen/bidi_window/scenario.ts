// Three transactions of different lengths through the same windows.
import { expect, expect_eq, printf, spawn, O_RDWR } from "faultline/user";

export default function scenario(): void {
  const p = spawn("bidi-user");
  const fd = p.open("/dev/bidi", O_RDWR);
  expect(fd >= 0, "open");
  const msg = p.malloc(4 + 1024);
  for (const text of ["ping", "a longer request that spans more cache lines than the first".repeat(4), "pong"]) {
    p.poke32(msg, text.length);
    p.write_string(msg + 4, text);
    const n = p.ioctl(fd, 0xc0086201, msg);
    const back = n > 0 ? new TextDecoder().decode(p.read_bytes(msg + 4, n)) : "";
    printf("transact(%d bytes) = %d: %s\n", text.length, n, back === text ? "echoed" : "NOT echoed");
  }
  expect_eq(p.close(fd), 0, "close");
}
