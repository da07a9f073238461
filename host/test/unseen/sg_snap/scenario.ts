// Two snapshots, the card's buffer changed between them. The first must hold
// the card's bytes; the second's mismatches are printed, not asserted: on a
// non-coherent card a driver that reads without syncing sees stale cache
// lines there, and the checker's report is what that twin is about.
import { device, expect, expect_eq, printf, spawn, O_RDONLY } from "faultline/user";

export default function scenario(): void {
  const card = device("edu") as unknown as { buffer: Uint8Array };
  const p = spawn("snapper");
  const buf = p.malloc(4096);
  for (const seed of [3, 11]) {
    for (let i = 0; i < 4096; i++) card.buffer[i] = (i * seed) & 0xff;
    const fd = p.open("/dev/sgsnap", O_RDONLY);
    expect(fd >= 0, "open");
    expect_eq(p.read(fd, buf, 4096), 4096, "read");
    const got = p.read_bytes(buf, 4096);
    const stale = got.filter((b, i) => b !== ((i * seed) & 0xff)).length;
    if (seed === 3) expect(stale === 0, "the first snapshot holds the card's bytes");
    printf("snapshot %d: %d of 4096 bytes differ from the card's\n", seed, stale);
    p.close(fd);
  }
}
