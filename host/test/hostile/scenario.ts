// The one scenario every hostile driver runs against. Drivers that register
// /dev/hostile (a misc device) get it opened, read and mmap()ed; the others
// only see the process start and end. It prints where it is, so a test can
// tell how far a run got.

import { MAP_FAILED, MAP_SHARED, O_RDWR, PROT_READ, printf, spawn } from "faultline/user";

export default function scenario(): void {
  printf("scenario: start\n");
  const p = spawn("hostile-test");
  const fd = p.open("/dev/hostile", O_RDWR);
  if (fd >= 0) {
    const buf = p.malloc(64);
    printf("scenario: read returned %d\n", p.read(fd, buf, 64));
    const addr = p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0);
    printf("scenario: mmap %s\n", addr === MAP_FAILED ? `failed, errno ${p.errno}` : "succeeded");
    if (addr !== MAP_FAILED) p.munmap(addr, 4096);
    p.close(fd);
  }
  p.exit(0);
  printf("scenario: end\n");
}
