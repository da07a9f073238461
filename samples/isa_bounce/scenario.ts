// The driver runs its self-test at probe: a buffer above 16 MiB sent to the
// card and fetched back, each way through a swiotlb bounce slot. The scenario
// shows what the card holds and which bus addresses it actually drove.

import { device, interrupts, printf } from "faultline/user";

export default function scenario(): void {
  const isa = device("isa") as unknown as { buffer: Uint8Array; driven: number[] };
  const end = isa.buffer.indexOf(0);
  const head = isa.buffer.subarray(0, end < 0 ? 64 : end);
  // Bytes a card fetched from the wrong address are rarely text: show those in hex.
  const printable = head.every((b) => b === 10 || (b >= 32 && b < 127));
  if (printable) printf("the card's buffer holds: \"%s\"\n", new TextDecoder().decode(head));
  else printf("the card's buffer holds bytes that are not the message: %s\n", [...head.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join(" "));
  printf("bus addresses the card drove: %s\n", isa.driven.map((a) => "0x" + a.toString(16)).join(", ") || "none");
  printf("all below 16 MiB: %s\n", isa.driven.every((a) => a + 1024 <= 16 << 20) ? "yes" : "no");
  printf("/proc/interrupts:\n%s", interrupts());
}
