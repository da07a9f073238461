// A program writes four records to /dev/edu_pool, one write() each; every
// record travels to the card in a block from the driver's dma_pool. Then the
// scenario reads the log out of the card's buffer.

import { device, expect, interrupts, printf, spawn, O_WRONLY } from "faultline/user";

export default function scenario(): void {
  const edu = device("edu") as unknown as { buffer: Uint8Array; transfers: number };
  const p = spawn("edu-pool-test");
  const fd = p.open("/dev/edu_pool", O_WRONLY);
  expect(fd >= 0, `open /dev/edu_pool: errno ${p.errno}`);

  const records = [
    "boot: card found\n",
    "pool: one 256-byte block per record, carved from one coherent page\n",
    "irq: the handler gives each block back with dma_pool_free()\n",
    "done: four records, one block, taken and given back four times\n",
  ];
  const buf = p.malloc(256);
  for (const r of records) {
    p.write_bytes(buf, r);
    printf("write(%d bytes) = %d\n", r.length, p.write(fd, buf, r.length));
  }
  p.close(fd);

  const end = edu.buffer.indexOf(0);
  const log = new TextDecoder().decode(edu.buffer.subarray(0, end < 0 ? 512 : end));
  printf("the card's log:\n%s", log);
  printf("%s\n", log === records.join("") ? "every record, in order" : "NOT the records written");
  printf("edu DMA transfers: %d\n", edu.transfers);
  printf("/proc/interrupts:\n%s", interrupts());
}
