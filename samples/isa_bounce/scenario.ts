// The driver runs its self-test at probe: a buffer above 16 MiB sent to the
// card and fetched back, each way through a swiotlb bounce slot. The scenario
// shows what the card holds and which bus addresses it actually drove.

import { device, interrupts, printf } from "faultline/user";

export default function scenario(): void {
  const isa = device("isa") as unknown as { buffer: Uint8Array; driven: number[] };
  const end = isa.buffer.indexOf(0);
  printf("the card's buffer holds: \"%s\"\n", new TextDecoder().decode(isa.buffer.subarray(0, end < 0 ? 64 : end)));
  printf("bus addresses the card drove: %s\n", isa.driven.map((a) => "0x" + a.toString(16)).join(", ") || "none");
  printf("all below 16 MiB: %s\n", isa.driven.every((a) => a + 1024 <= 16 << 20) ? "yes" : "no");
  printf("/proc/interrupts:\n%s", interrupts());
}
