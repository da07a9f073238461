// A read into a buffer that straddles a page boundary.
import { device, expect, expect_eq, printf, spawn, O_RDONLY } from "faultline/user";

export default function scenario(): void {
  const card = device("edu") as unknown as { buffer: Uint8Array };
  for (let i = 0; i < 4096; i++) card.buffer[i] = (i * 7) & 0xff;
  const p = spawn("dio-reader");
  const fd = p.open("/dev/dmadio", O_RDONLY);
  expect(fd >= 0, "open");
  const area = p.malloc(3 * 4096);
  const buf = Math.ceil(area / 4096) * 4096 + 3000;
  p.write_bytes(buf, new Uint8Array(3000));
  expect_eq(p.read(fd, buf, 3000), 3000, "read");
  const got = p.read_bytes(buf, 3000);
  expect(got.every((b, i) => b === ((i * 7) & 0xff)), "the card's bytes in the user buffer");
  printf("3000 bytes by DMA into two user pages at %x\n", buf);
  p.close(fd);
}
