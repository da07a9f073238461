// The hostile scenario for fault handlers: maps /dev/hostile and reads its
// first byte, so the driver's fault handler runs.

import { MAP_FAILED, MAP_SHARED, O_RDWR, PROT_READ, printf, spawn } from "faultline/user";

export default function scenario(): void {
  printf("scenario: start\n");
  const p = spawn("hostile-test");
  const fd = p.open("/dev/hostile", O_RDWR);
  const addr = fd < 0 ? MAP_FAILED : p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0);
  printf("scenario: mmap %s\n", addr === MAP_FAILED ? `failed, errno ${p.errno}` : "succeeded");
  if (addr !== MAP_FAILED) printf("scenario: first byte %d\n", p.peek8(addr));
  p.exit(0);
  printf("scenario: end\n");
}
