// Addresses are plain numbers (ARCHITECTURE invariant 6). A 64-bit kernel
// address such as 0xffff888000000000 is kept as its signed 64-bit value, which
// is exact in a double because every canonical x86-64 address lies within ±2^47.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

const TWO64 = 1n << 64n;

/** The signed value of an unsigned 64-bit literal, e.g. sx64(0xffff888000000000n). */
export function sx64(u: bigint): number {
  return Number(BigInt.asIntN(64, u));
}

/** The unsigned 64-bit value of an address (or any 64-bit quantity). */
export function u64(n: number | bigint): bigint {
  const b = typeof n === "bigint" ? n : BigInt(Math.trunc(n));
  return b < 0n ? b + TWO64 : b;
}

/** Zero-padded lowercase hex of the address, no prefix. */
export function hexAddr(n: number | bigint, digits: number): string {
  return u64(n).toString(16).padStart(digits, "0");
}

/** Page frame number of a physical address (Linux PFN_DOWN). */
export function pfnDown(pa: number): number {
  return Math.floor(pa / PAGE_SIZE);
}

/** Linux PFN_UP. */
export function pfnUp(pa: number): number {
  return Math.ceil(pa / PAGE_SIZE);
}

/** Virtual page number; floor keeps negative (upper-half) addresses distinct. */
export function vpn(addr: number): number {
  return Math.floor(addr / PAGE_SIZE);
}

export function pageOffset(addr: number): number {
  return addr - vpn(addr) * PAGE_SIZE;
}

export function alignDown(x: number, a: number): number {
  return Math.floor(x / a) * a;
}

export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

export function isAligned(x: number, a: number): boolean {
  return x % a === 0;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Parses "256M", "4G", "16GiB", "65536K" or a byte count. */
export function parseSize(s: string): number {
  const m = /^\s*(\d+)\s*([kmgt]?)(i?b)?\s*$/i.exec(s);
  if (!m) throw new RangeError(`not a memory size: "${s}" (expected e.g. 256M, 4G, 16GiB)`);
  const unit = m[2].toLowerCase();
  const mult = unit === "k" ? KiB : unit === "m" ? MiB : unit === "g" ? GiB : unit === "t" ? 1024 * GiB : 1;
  return Number(m[1]) * mult;
}

/** "16 GiB", "896 MiB", "640 KiB" when exact, else bytes. */
export function formatSize(bytes: number): string {
  for (const [u, n] of [["GiB", GiB], ["MiB", MiB], ["KiB", KiB]] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n} ${u}`;
  }
  return `${bytes} B`;
}
