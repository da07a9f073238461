// Two round trips through /dev/edu_nc on a non-coherent machine: write a
// message (it goes to the card by DMA), look at what the card received, seek
// back, read it (it comes back by DMA) and compare. The second round writes
// a different message over the first: the CPU's cache then holds the first
// one's lines for both buffers, and only the syncs keep them from being
// what the card or the program sees.

import { device, expect, interrupts, printf, spawn, O_RDWR, SEEK_SET } from "faultline/user";

export default function scenario(): void {
  const edu = device("edu") as unknown as { buffer: Uint8Array; transfers: number };
  const p = spawn("edu-nc-test");
  const fd = p.open("/dev/edu_nc", O_RDWR);
  expect(fd >= 0, `open /dev/edu_nc: errno ${p.errno}`);

  const show = (b: Uint8Array) => {
    const nul = b.indexOf(0);
    const s = new TextDecoder().decode(b.subarray(0, nul < 0 ? b.length : nul)).split("\n")[0];
    return nul === 0 ? "(zero bytes)" : `"${s}"`;
  };
  const messages = [
    "Round one: the CPU wrote these bytes into its cache.\n".repeat(12),
    "Round two: new bytes over the same buffers, the old lines still cached.\n".repeat(9),
  ];
  for (const text of messages) {
    const out = p.malloc(text.length);
    p.write_bytes(out, text);
    expect(p.lseek(fd, 0, SEEK_SET) === 0, "lseek to the start");
    printf("write(%d bytes) = %d\n", text.length, p.write(fd, out, text.length));
    printf("  the card's buffer starts with %s\n", show(edu.buffer));

    const back = p.malloc(text.length);
    p.write_bytes(back, new Uint8Array(text.length));
    expect(p.lseek(fd, 0, SEEK_SET) === 0, "lseek back");
    const n = p.read(fd, back, text.length);
    const got = p.read_bytes(back, Math.max(n, 0));
    const same = n === text.length && new TextDecoder().decode(got) === text;
    printf("read() = %d: %s\n", n, same ? "the bytes written" : `NOT the bytes written: it starts with ${show(got)}`);
  }
  printf("edu DMA transfers: %d\n", edu.transfers);
  printf("/proc/interrupts:\n%s", interrupts());
  p.close(fd);
}
