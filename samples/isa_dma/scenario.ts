// A program writes a block of samples to /dev/isa_dma (the 8237 moves them
// from the driver's buffer to the card), the scenario looks at the card's
// buffer, then the program seeks back and reads them (the controller moves
// them from the card into the buffer). Whatever read() returns must be what
// write() reported as sent.

import { device, expect, interrupts, printf, spawn, O_RDWR, SEEK_SET } from "faultline/user";

export default function scenario(): void {
  const card = device("isa") as unknown as { buffer: Uint8Array; driven: number[] };
  const p = spawn("isa-dma-test");
  const fd = p.open("/dev/isa_dma", O_RDWR);
  expect(fd >= 0, `open /dev/isa_dma: errno ${p.errno}`);

  const text = "8-bit PCM by third-party DMA: the 8237 moves it, not the card.\n".repeat(16);
  const out = p.malloc(text.length);
  p.write_bytes(out, text);
  const w = p.write(fd, out, text.length);
  printf("write(%d bytes) = %d%s\n", text.length, w, w < 0 ? ` (errno ${p.errno})` : "");
  const nul = card.buffer.indexOf(0);
  const head = new TextDecoder().decode(card.buffer.subarray(0, nul < 0 ? 64 : nul)).split("\n")[0];
  printf("the card's buffer starts with: \"%s\"\n", head);
  printf("bus-master transfers by the card itself: %d\n", card.driven.length);

  expect(p.lseek(fd, 0, SEEK_SET) === 0, "lseek back to the start");
  const back = p.malloc(text.length);
  const n = p.read(fd, back, text.length);
  const got = n > 0 ? new TextDecoder().decode(p.read_bytes(back, n)) : "";
  printf("read() = %d: %s\n", n, n > 0 && got === text ? "the bytes written" : n > 0 ? "NOT the bytes written" : "nothing");
  const sent = w > 0 ? text.slice(0, w) : "";
  expect(got === sent.slice(0, Math.max(n, 0)), "read() returns the bytes write() sent");
  printf("/proc/interrupts:\n%s", interrupts());
  p.close(fd);
}
