// The driver does its DMA at insmod time, in probe(). All the scenario has
// to do is look at the card afterwards: what landed in its DMA buffer, and
// the interrupt that said so.

import { device, expect, interrupts, printf } from "faultline/user";

export default function scenario(): void {
  const edu = device("edu") as unknown as { buffer: Uint8Array; transfers: number };
  const end = edu.buffer.indexOf(0);
  const got = new TextDecoder().decode(edu.buffer.subarray(0, end < 0 ? 64 : end));
  printf("edu DMA transfers: %d\n", edu.transfers);
  printf("the device received: \"%s\"\n", got);
  printf("/proc/interrupts:\n%s", interrupts());
  expect(edu.transfers === 1, "the card did one transfer");
}
