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

/** *(u8 *)addr, *(u16 *)addr, *(u32 *)addr, little-endian. */
export const load8 = load(1, "load8"), load16 = load(2, "load16"), load32 = load(4, "load32");
export const store8 = store(1, "store8"), store16 = store(2, "store16"), store32 = store(4, "store32");

/** *(u64 *)addr as a bigint. */
export function load64(addr: number): bigint {
  const k = currentKernel();
  return BigInt(k.mem.load(intArg("load64", 1, addr), 8, undefined, "load64"));
}

export function store64(addr: number, value: bigint | number): void {
  const k = currentKernel();
  k.mem.store(intArg("store64", 1, addr), 8, value, undefined, "store64");
}

/** A copy of len bytes at addr. */
export function load_bytes(addr: number, len: number): Uint8Array {
  const k = currentKernel();
  return k.mem.read(intArg("load_bytes", 1, addr), intArg("load_bytes", 2, len), undefined, "load_bytes");
}

export function store_bytes(addr: number, bytes: Uint8Array | readonly number[]): void {
  const k = currentKernel();
  k.mem.write(intArg("store_bytes", 1, addr), Uint8Array.from(bytes), undefined, "store_bytes");
}

/** The NUL-terminated string at addr (at most max bytes), decoded as UTF-8. */
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
