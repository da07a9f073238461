// A monitoring program reads /dev/tickstat a few times (each read waits for
// the next sample), changes the period, resets the history, and makes the
// calls a careless caller would: a buffer too small for one line, a period
// out of range, an ioctl that is not the device's.

import { expect, printf, spawn, O_RDONLY } from "faultline/user";
import { _IO } from "linux/ioctl";

const TICKSTAT_RESET = _IO("t", 0), TICKSTAT_PERIOD = _IO("t", 1);

export default function scenario(): void {
  const p = spawn("tickmon");
  const fd = p.open("/dev/tickstat", O_RDONLY);
  expect(fd >= 0, `open: errno ${p.errno}`);
  const buf = p.malloc(512);
  const show = (what: string) => {
    const n = p.read(fd, buf, 512);
    printf("%s: read() = %d%s\n", what, n, n < 0 ? ` (errno ${p.errno})` : "");
    if (n > 0) printf("%s", new TextDecoder().decode(p.read_bytes(buf, n)));
  };
  show("first sample");
  show("second sample");
  printf("read() into 8 bytes = %d (errno %d)\n", p.read(fd, buf, 8), p.errno);
  printf("TICKSTAT_PERIOD 0 = %d (errno %d)\n", p.ioctl(fd, TICKSTAT_PERIOD, 0), p.errno);
  printf("TICKSTAT_PERIOD 2 = %d\n", p.ioctl(fd, TICKSTAT_PERIOD, 2));
  show("after the period change");
  printf("TICKSTAT_RESET = %d\n", p.ioctl(fd, TICKSTAT_RESET, 0));
  show("after the reset");
  printf("ioctl(0x5401) = %d (errno %d)\n", p.ioctl(fd, 0x5401, 0), p.errno);
  p.close(fd);
  p.exit(0);
}
