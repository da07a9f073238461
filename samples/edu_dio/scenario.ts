// A program doing direct I/O through /dev/edu_dio: a message goes to the
// card with write() from a buffer that straddles a page boundary, and comes
// back with read() into another buffer that starts late in its page, so
// both transfers cover two user pages, the first entered at an offset.

import { device, expect, expect_eq, printf, spawn, O_RDWR, SEEK_SET } from "faultline/user";

const PAGE_SIZE = 4096;

function message(): string {
  let s = "";
  for (let i = 1; s.length < 3000; i++) s += `line ${String(i).padStart(2, "0")}: the card reads and writes the user's own pages\n`;
  return s.slice(0, 3000);
}

export default function scenario(): void {
  const p = spawn("dio-dma");
  const fd = p.open("/dev/edu_dio", O_RDWR);
  expect(fd >= 0, `open /dev/edu_dio: errno ${p.errno}`);
  const text = message();

  const area = p.malloc(text.length + 3 * PAGE_SIZE);
  const out = Math.ceil(area / PAGE_SIZE) * PAGE_SIZE + 2500;
  p.write_bytes(out, text);
  printf("write buffer at %lx (offset %d in its page), %d bytes\n", out, out % PAGE_SIZE, text.length);
  expect_eq(p.write(fd, out, text.length), text.length, "write() moves the whole message");
  const edu = device("edu") as unknown as { buffer: Uint8Array; transfers: number };
  printf("the card's buffer starts: \"%s\"\n", new TextDecoder().decode(edu.buffer.subarray(0, 40)));

  const area2 = p.malloc(text.length + 3 * PAGE_SIZE);
  const back = Math.ceil(area2 / PAGE_SIZE) * PAGE_SIZE + 3000;
  p.write_bytes(back, new Uint8Array(text.length));
  printf("read buffer at %lx (offset %d in its page)\n", back, back % PAGE_SIZE);
  expect_eq(p.lseek(fd, 0, SEEK_SET), 0, "lseek back to the start");
  const n = p.read(fd, back, text.length);
  expect_eq(n, text.length, "read() returns the whole message");
  const got = new TextDecoder().decode(p.read_bytes(back, n));
  printf("read back %d bytes: %s; the card did %d DMA transfers\n", n, got === text ? "identical" : "DIFFERENT", edu.transfers);
  expect(got === text, "the bytes read back are the bytes written");

  expect_eq(p.lseek(fd, 4096, SEEK_SET), 4096, "lseek to the end of the card's buffer");
  printf("write at the end of the card's buffer = %d (errno %d)\n", p.write(fd, out, 16), p.errno);
  p.close(fd);
}
