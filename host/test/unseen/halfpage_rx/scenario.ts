// Frames arrive two at a time; each slot's page takes turns on its halves.
import { device, expect, expect_eq, printf, run_pending, spawn, O_RDONLY } from "faultline/user";

export default function scenario(): void {
  const wire = device("nic") as unknown as { receive(b: string): boolean };
  const proc = spawn("rxcat");
  const fd = proc.open("/dev/hprx", O_RDONLY);
  expect(fd >= 0, "open /dev/hprx");
  const ubuf = proc.malloc(4096);
  const sent: string[] = [];
  for (let round = 0; round < 5; round++) {
    for (let k = 0; k < 2; k++) {
      const f = `frame ${round}.${k} ` + "x".repeat(100 + 300 * round);
      sent.push(f);
      expect(wire.receive(f), "the card accepts the frame");
    }
    run_pending();
    for (let k = 0; k < 2; k++) {
      const n = proc.read(fd, ubuf, 4096);
      expect(n > 0, `read returned ${n}`);
      expect_eq(new TextDecoder().decode(proc.read_bytes(ubuf, n)), sent[round * 2 + k], "frame contents");
    }
  }
  printf("%d frames through half pages\n", sent.length);
  proc.close(fd);
}
