// memoryReference strings (protocol.ts documents the scheme): which address
// space, which process, which address.

import type { MemorySpace } from "./protocol";

export interface MemoryAddress { space: MemorySpace; pid: number; addr: number }

/** A 64-bit address as sim-core holds it: the upper half (kernel addresses on x86_64) as negative numbers. */
function address(text: string): number {
  return Number(BigInt.asIntN(64, BigInt(text)));
}

export function parseMemoryReference(ref: string, offset = 0): MemoryAddress | undefined {
  const m = /^(?:(phys|kva):)?(0x[0-9a-fA-F]{1,16}|\d+)$/.exec(ref.trim()) ?? undefined;
  if (m) return { space: (m[1] as MemorySpace | undefined) ?? "kva", pid: 0, addr: address(m[2]) + offset };
  const u = /^uva:(\d+):(0x[0-9a-fA-F]{1,16}|\d+)$/.exec(ref.trim());
  if (u) return { space: "uva", pid: Number(u[1]), addr: Number(u[2]) + offset };
  return undefined;
}
