// Packets arrive from the wire (device("nic").receive()) and a program reads
// them from /dev/nic_rx. First a burst of three — as many as the ring has
// buffers posted — then one at a time, so the ring wraps and every buffer
// the handler re-posts gets used.

import { device, expect, expect_eq, interrupts, printf, run_pending, spawn, O_RDONLY } from "faultline/user";

export default function scenario(): void {
  const nic = device("nic") as unknown as { receive(b: Uint8Array | string): boolean; rxPackets: number; rxDropped: number };
  const p = spawn("nic-test");
  const fd = p.open("/dev/nic_rx", O_RDONLY);
  expect(fd >= 0, `open /dev/nic_rx: errno ${p.errno}`);
  const buf = p.malloc(512);

  const packets = ["packet 1: hello", "packet 2: from the wire", "packet 3: into a ring", "packet 4: after a refill",
    "packet 5: the ring wraps", "packet 6: and again", "packet 7: last one"];
  const got: string[] = [];
  const readOne = () => {
    const n = p.read(fd, buf, 512);
    expect(n > 0, `read: ${n}`);
    got.push(new TextDecoder().decode(p.read_bytes(buf, n)));
    printf("read %2d bytes: %s\n", n, got[got.length - 1]);
  };

  for (const s of packets.slice(0, 3)) expect(nic.receive(s), `the card takes "${s}"`);
  run_pending(); // the interrupt: the handler queues all three and re-posts three buffers
  for (let i = 0; i < 3; i++) readOne();
  for (const s of packets.slice(3)) {
    expect(nic.receive(s), `the card takes "${s}"`);
    readOne();
  }
  expect_eq(got.join("|"), packets.join("|"), "every packet read back, in order");
  printf("card: %d received, %d dropped\n", nic.rxPackets, nic.rxDropped);
  printf("/proc/interrupts:\n%s", interrupts());
  p.close(fd);
}
