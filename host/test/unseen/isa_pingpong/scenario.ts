// Four periods recorded; the card's sample memory changes between reads.
import { device, expect, printf, spawn, O_RDONLY } from "faultline/user";

export default function scenario(): void {
  const card = device("isa") as unknown as { buffer: Uint8Array };
  const p = spawn("arecord");
  const fd = p.open("/dev/pingpong", O_RDONLY);
  expect(fd >= 0, "open");
  const ub = p.malloc(512);
  card.buffer.fill(0x41, 0, 512);
  for (let i = 0; i < 4; i++) {
    const n = p.read(fd, ub, 512);
    if (n !== 512) { printf("period %d: read() = %d, errno %d\n", i, n, p.errno); continue; }
    const got = p.read_bytes(ub, 512);
    printf("period %d: %d bytes, first %#x\n", i, got.length, got[0]);
    expect(got.every((b) => b === got[0]), "a period is uniform");
    card.buffer.fill(0x42 + i, 0, 512);
  }
  p.close(fd);
}
