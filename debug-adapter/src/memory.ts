// memoryReference strings (protocol.ts documents the scheme): which address
// space, which process, which address.

import type { MemorySpace } from "./protocol";

export interface MemoryAddress { space: MemorySpace; pid: number; addr: number }

export function parseMemoryReference(ref: string, offset = 0): MemoryAddress | undefined {
  const m = /^(?:(phys|kva):)?(0x[0-9a-fA-F]+|\d+)$/.exec(ref.trim()) ?? undefined;
  if (m) return { space: (m[1] as MemorySpace | undefined) ?? "kva", pid: 0, addr: Number(m[2]) + offset };
  const u = /^uva:(\d+):(0x[0-9a-fA-F]+|\d+)$/.exec(ref.trim());
  if (u) return { space: "uva", pid: Number(u[1]), addr: Number(u[2]) + offset };
  return undefined;
}
