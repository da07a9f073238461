// A program sends two frames through /dev/nic_tx: a short one, which the
// driver pads to Ethernet's 60-byte minimum, and one of 6000 bytes, which
// spans two of the driver's pages. The scenario then looks at the wire: what
// the card sent, frame by frame, against what was written.

import { device, expect, interrupts, printf, spawn, O_WRONLY } from "faultline/user";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");

export default function scenario(): void {
  const nic = device("nic") as unknown as { transmitted: Uint8Array[]; txPackets: number };
  const p = spawn("nic-tx");
  const fd = p.open("/dev/nic_tx", O_WRONLY);
  expect(fd >= 0, `open /dev/nic_tx: errno ${p.errno}`);

  const line = "Scatter/gather: separate pages, consecutive bus addresses.\n";
  const frames = ["ping", line.repeat(Math.ceil(6000 / line.length)).slice(0, 6000)];
  for (const f of frames) {
    const buf = p.malloc(f.length);
    p.write_bytes(buf, f);
    printf("write(%d bytes) = %d\n", f.length, p.write(fd, buf, f.length));
  }
  p.close(fd);

  printf("the card sent %d frame%s:\n", nic.transmitted.length, nic.transmitted.length === 1 ? "" : "s");
  nic.transmitted.forEach((got, i) => {
    const want = new TextEncoder().encode(frames[i] ?? "");
    const same = got.length >= want.length && want.every((b, j) => got[j] === b);
    const pad = got.subarray(want.length);
    let what = same ? "the bytes written" : `NOT the bytes written (it starts ${hex(got.subarray(0, 8))})`;
    if (same && pad.length) what += `, then ${pad.length} bytes of padding: ${pad.every((b) => b === 0) ? "all zero" : `NOT zero: ${hex(pad.subarray(0, 16))} ...`}`;
    printf("  frame %d: %d bytes, %s\n", i + 1, got.length, what);
  });
  printf("/proc/interrupts:\n%s", interrupts());
}
