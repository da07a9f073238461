// Three echoes of growing size.
import { expect, expect_eq, printf, spawn, O_RDWR } from "faultline/user";

export default function scenario(): void {
  const p = spawn("echo-test");
  const fd = p.open("/dev/echo", O_RDWR);
  expect(fd >= 0, "open");
  for (const n of [16, 300, 2048]) {
    const msg = "echo!".repeat(Math.ceil(n / 5)).slice(0, n);
    const ub = p.malloc(n);
    p.write_bytes(ub, msg);
    expect_eq(p.write(fd, ub, n), n, "write");
    const back = p.malloc(n);
    const r = p.read(fd, back, n);
    printf("echo of %d bytes: read() = %d\n", n, r);
    if (r === n) expect_eq(new TextDecoder().decode(p.read_bytes(back, n)), msg, "echoed");
  }
  p.close(fd);
}
