// Two sessions tick side by side; a count through ioctl; both read their totals.
import { expect, expect_eq, printf, spawn, O_RDONLY } from "faultline/user";

export default function scenario(): void {
  const a = spawn("sess-a"), b = spawn("sess-b");
  const fa = a.open("/dev/sessions", O_RDONLY), fb = b.open("/dev/sessions", O_RDONLY);
  expect(fa >= 0 && fb >= 0, "open twice");
  const ua = a.malloc(64), ub = b.malloc(64), cnt = a.malloc(4);
  const na = a.read(fa, ua, 64);
  printf("%s", a.read_string(ua, na));
  expect_eq(a.ioctl(fa, 0x80045301, cnt), 0, "count ioctl");
  printf("sessions ticking: %d\n", a.peek32(cnt));
  const nb = b.read(fb, ub, 64);
  printf("%s", b.read_string(ub, nb));
  a.close(fa);
  b.close(fb);
}
