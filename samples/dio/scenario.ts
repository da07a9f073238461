// A program doing direct I/O through /dev/dio: a message of a few pages goes
// in with write() and comes back with read() into a second buffer that starts
// in the middle of a page on purpose, so the driver sees a first page it must
// enter at an offset and a last page it must leave early.

import { expect, expect_eq, printf, spawn, O_RDWR, SEEK_SET } from "faultline/user";

const PAGE_SIZE = 4096;

/** About two and a half pages of text, one numbered line after another. */
function message(): string {
  let s = "";
  for (let i = 1; s.length < 10000; i++) s += `line ${String(i).padStart(3, "0")}: direct I/O moves these bytes without a bounce buffer\n`;
  return s;
}

export default function scenario(): void {
  const p = spawn("dio-test");
  const fd = p.open("/dev/dio", O_RDWR);
  expect(fd >= 0, `open /dev/dio: errno ${p.errno}`);

  const text = message();
  const out = p.malloc(text.length);
  p.write_bytes(out, text);
  printf("write buffer at %lx (offset %d in its page), %d bytes\n", out, out % PAGE_SIZE, text.length);
  expect_eq(p.write(fd, out, text.length), text.length, "write() moves the whole message");

  // A second buffer, cleared, whose start sits 3000 bytes into a page.
  const area = p.malloc(text.length + 2 * PAGE_SIZE);
  const back = Math.ceil(area / PAGE_SIZE) * PAGE_SIZE + 3000;
  p.write_bytes(back, new Uint8Array(text.length));
  printf("read buffer at %lx (offset %d in its page)\n", back, back % PAGE_SIZE);

  expect_eq(p.lseek(fd, 0, SEEK_SET), 0, "lseek back to the start");
  const n = p.read(fd, back, text.length);
  expect_eq(n, text.length, "read() returns the whole message");

  const got = new TextDecoder().decode(p.read_bytes(back, n));
  printf("read back %d bytes: %s\n", n, got === text ? "identical" : "DIFFERENT");
  const lines = got.trimEnd().split("\n");
  printf("first line: %s\nlast line:  %s\n", lines[0], lines[lines.length - 1]);
  expect(got === text, "the bytes read back are the bytes written");
  p.close(fd);
}
