// Five packets, read one at a time: entries are re-posted and reused.
import { device, expect, expect_eq, printf, run_pending, spawn, O_RDONLY } from "faultline/user";

export default function scenario(): void {
  const nic = device("nic") as unknown as { receive(b: string): boolean };
  const p = spawn("sgrx");
  const fd = p.open("/dev/sgrx", O_RDONLY);
  expect(fd >= 0, "open");
  const ub = p.malloc(4096);
  for (let i = 0; i < 5; i++) {
    const pkt = `sg packet ${i} `.padEnd(64 + 200 * i, "#");
    expect(nic.receive(pkt), "received");
    run_pending();
    const n = p.read(fd, ub, 4096);
    expect_eq(n, pkt.length, `read ${i}`);
    expect_eq(new TextDecoder().decode(p.read_bytes(ub, n)), pkt, "contents");
  }
  printf("5 packets through per-entry syncs\n");
  p.close(fd);
}
