// `cat /dev/jitimer` and `cat /dev/jitasklet`, as LDD3 shows /proc/jitimer:
// the reader sleeps while the timer (every tdelay jiffies) or the tasklet
// (at the next softirq) fills the table; the inirq column is 1 for every
// line a callback wrote, and pid/command name the task it interrupted.

import { expect, printf, spawn, O_RDONLY } from "faultline/user";

function cat(path: string): string {
  const p = spawn("cat");
  const fd = p.open(path, O_RDONLY);
  expect(fd >= 0, `open ${path}: errno ${p.errno}`);
  const buf = p.malloc(2048);
  const n = p.read(fd, buf, 2048);
  expect(n > 0, `read ${path}: ${n} (errno ${p.errno})`);
  const again = p.read(fd, buf + n, 2048 - n);
  expect(again === 0, "one table per open");
  p.close(fd);
  const text = new TextDecoder().decode(p.read_bytes(buf, n));
  p.exit(0);
  return text;
}

export default function scenario(): void {
  printf("$ cat /dev/jitimer\n%s", cat("/dev/jitimer"));
  printf("$ cat /dev/jitasklet\n%s", cat("/dev/jitasklet"));
}
