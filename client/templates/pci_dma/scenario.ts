// A round trip through the edu card: write a message to /dev/mydriver (it goes
// to the card's buffer by DMA), seek back, read it (it comes back by DMA),
// compare, and look at the interrupts the card raised on the way.

import { device, expect, expect_eq, interrupts, printf, spawn, O_RDWR, SEEK_SET } from "faultline/user";

export default function scenario(): void {
  const p = spawn("mydriver-test");
  const fd = p.open("/dev/mydriver", O_RDWR);
  expect(fd >= 0, `open /dev/mydriver: errno ${p.errno}`);

  const text = "Bus-mastering DMA: these bytes went to the edu card and came back.\n".repeat(10);
  const out = p.malloc(text.length);
  p.write_bytes(out, text);
  expect_eq(p.write(fd, out, text.length), text.length, "write() sends the whole message");

  const edu = device("edu") as unknown as { buffer: Uint8Array; transfers: number };
  printf("card buffer starts with: %s", new TextDecoder().decode(edu.buffer.subarray(0, text.indexOf("\n") + 1)));

  const back = p.malloc(text.length);
  p.write_bytes(back, new Uint8Array(text.length));
  expect_eq(p.lseek(fd, 0, SEEK_SET), 0, "lseek back to the start");
  const n = p.read(fd, back, text.length);
  expect_eq(n, text.length, "read() returns the whole message");
  const got = new TextDecoder().decode(p.read_bytes(back, n));
  printf("read back %d bytes: %s\n", n, got === text ? "identical" : "DIFFERENT");
  printf("edu DMA transfers: %d\n", edu.transfers);
  printf("/proc/interrupts:\n%s", interrupts());
  expect(got === text, "the bytes read back are the bytes written");
  p.close(fd);
}
