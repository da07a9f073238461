// What C writes as `*p`: typed loads and stores at kernel addresses. The one
// module without a Linux name, because TypeScript has no pointers. Every
// access is checked like any other (KASAN, the MMU, the I/O address space).

import { currentKernel, intArg } from "../current";

function load(width: 1 | 2 | 4, name: string) {
  return (addr: number): number => {
    const k = currentKernel();
    return Number(k.mem.load(intArg(name, 1, addr), width, undefined, name));
  };
}

function store(width: 1 | 2 | 4, name: string) {
  return (addr: number, value: number): void => {
    const k = currentKernel();
    k.mem.store(intArg(name, 1, addr), width, intArg(name, 2, value), undefined, name);
  };
}

/**
 * ```c
 * u8 load8(const void *addr)  // *(u8 *)addr; load16, load32 likewise
 * ```
 * (u8 *)addr, *(u16 *)addr, *(u32 *)addr, little-endian.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM005 (NULL or wild pointer access); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer).
 */
export const load8 = load(1, "load8"), /** `u16 load16(const void *addr)` — *(u16 *)addr, little-endian. Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer). */ load16 = load(2, "load16"), /** `u32 load32(const void *addr)` — *(u32 *)addr, little-endian. Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer). */ load32 = load(4, "load32");
/**
 * ```c
 * void store8(void *addr, u8 v)  // *(u8 *)addr = v; store16, store32 likewise
 * ```
 * store8/store16/store32: *(u8 *)addr = v, *(u16 *)addr = v, *(u32 *)addr = v, little-endian. The address must lie in a live object of RAM (writel() for device registers).
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM005 (NULL or wild pointer access); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer).
 */
export const store8 = store(1, "store8"), /** `void store16(void *addr, u16 v)` — *(u16 *)addr = v, little-endian. Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer). */ store16 = store(2, "store16"), /** `void store32(void *addr, u32 v)` — *(u32 *)addr = v, little-endian. Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer). */ store32 = store(4, "store32");

/**
 * ```c
 * u64 load64(const void *addr)  // *(u64 *)addr
 * ```
 * (u64 *)addr as a bigint.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM005 (NULL or wild pointer access); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer).
 */
export function load64(addr: number): bigint {
  const k = currentKernel();
  return BigInt(k.mem.load(intArg("load64", 1, addr), 8, undefined, "load64"));
}

/**
 * ```c
 * void store64(void *addr, u64 v)  // *(u64 *)addr = v
 * ```
 * *(u64 *)addr = value (a bigint or a safe integer), little-endian.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); MEM005 (NULL or wild pointer access); MEM006 (I/O and RAM address spaces mixed); DMA001 (CPU access to a device-owned buffer).
 */
export function store64(addr: number, value: bigint | number): void {
  const k = currentKernel();
  k.mem.store(intArg("store64", 1, addr), 8, value, undefined, "store64");
}

/**
 * ```c
 * memcpy(out, addr, len)
 * ```
 * A copy of len bytes at addr.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); DMA001 (CPU access to a device-owned buffer).
 */
export function load_bytes(addr: number, len: number): Uint8Array {
  const k = currentKernel();
  return k.mem.read(intArg("load_bytes", 1, addr), intArg("load_bytes", 2, len), undefined, "load_bytes");
}

/**
 * ```c
 * memcpy(addr, bytes, sizeof(bytes))
 * ```
 * Writes the bytes at addr (a C array store or memcpy()); every byte must lie in a live object.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free); DMA001 (CPU access to a device-owned buffer).
 */
export function store_bytes(addr: number, bytes: Uint8Array | readonly number[]): void {
  const k = currentKernel();
  k.mem.write(intArg("store_bytes", 1, addr), Uint8Array.from(bytes), undefined, "store_bytes");
}

/**
 * ```c
 *  // a char * read as a string
 * ```
 * The NUL-terminated string at addr (at most max bytes), decoded as UTF-8.
 *
 * Rules: MEM001 (out-of-bounds access); MEM002 (use after free).
 */
export function load_string(addr: number, max = 4096): string {
  const k = currentKernel();
  const stack = undefined, a = intArg("load_string", 1, addr);
  const bytes: number[] = [];
  for (let i = 0; i < max; i++) {
    const b = Number(k.mem.load(a + i, 1, stack, "load_string"));
    if (b === 0) break;
    bytes.push(b);
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}
