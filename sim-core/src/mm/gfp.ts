// GFP flags with the bit values of include/linux/gfp_types.h, so that a
// failure report reads "mode:0xcc0(GFP_KERNEL)" as it does on a real kernel.

import { ZoneId, type ArchProfile } from "../arch/profile";

export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_RECLAIMABLE = 0x10;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_WRITE = 0x1000;
export const __GFP_NOWARN = 0x2000;
export const __GFP_RETRY_MAYFAIL = 0x4000;
export const __GFP_NOFAIL = 0x8000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_MEMALLOC = 0x20000;
export const __GFP_COMP = 0x40000;
export const __GFP_NOMEMALLOC = 0x80000;
export const __GFP_HARDWALL = 0x100000;
export const __GFP_THISNODE = 0x200000;
export const __GFP_ACCOUNT = 0x400000;

export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;

/** include/trace/events/mmflags.h __def_gfpflag_names: composites first (most bits first), then single bits. */
const NAMES: ReadonlyArray<[string, number]> = [
  ["GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE],
  ["GFP_HIGHUSER", GFP_HIGHUSER],
  ["GFP_USER", GFP_USER],
  ["GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT],
  ["GFP_KERNEL", GFP_KERNEL],
  ["GFP_NOFS", GFP_NOFS],
  ["GFP_ATOMIC", GFP_ATOMIC],
  ["GFP_NOIO", GFP_NOIO],
  ["GFP_NOWAIT", GFP_NOWAIT],
  ["GFP_DMA", GFP_DMA],
  ["GFP_DMA32", GFP_DMA32],
  ["__GFP_RECLAIM", __GFP_RECLAIM],
  ["__GFP_DMA", __GFP_DMA], ["__GFP_HIGHMEM", __GFP_HIGHMEM], ["__GFP_DMA32", __GFP_DMA32],
  ["__GFP_MOVABLE", __GFP_MOVABLE], ["__GFP_RECLAIMABLE", __GFP_RECLAIMABLE], ["__GFP_HIGH", __GFP_HIGH],
  ["__GFP_IO", __GFP_IO], ["__GFP_FS", __GFP_FS], ["__GFP_ZERO", __GFP_ZERO],
  ["__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM], ["__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM],
  ["__GFP_WRITE", __GFP_WRITE], ["__GFP_NOWARN", __GFP_NOWARN], ["__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL],
  ["__GFP_NOFAIL", __GFP_NOFAIL], ["__GFP_NORETRY", __GFP_NORETRY], ["__GFP_MEMALLOC", __GFP_MEMALLOC],
  ["__GFP_COMP", __GFP_COMP], ["__GFP_NOMEMALLOC", __GFP_NOMEMALLOC], ["__GFP_HARDWALL", __GFP_HARDWALL],
  ["__GFP_THISNODE", __GFP_THISNODE], ["__GFP_ACCOUNT", __GFP_ACCOUNT],
];

/**
 * %pGg, as lib/vsprintf.c format_flags() prints it: every name whose bits are
 * all still set, in table order ("GFP_KERNEL|GFP_DMA|__GFP_ZERO"), then any
 * unnamed rest in hex; nothing at all for 0.
 */
export function gfpNames(gfp: number): string {
  const parts: string[] = [];
  let rest = gfp;
  for (const [name, v] of NAMES) {
    if (!rest) break;
    if ((rest & v) !== v) continue;
    parts.push(name);
    rest &= ~v;
  }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join("|");
}

/** "0xcc0(GFP_KERNEL)", as warn_alloc() prints a mode. */
export function gfpMode(gfp: number): string {
  return `0x${gfp.toString(16)}(${gfpNames(gfp)})`;
}

/**
 * gfp_zone() and the zonelist: the zones an allocation may use, preferred
 * first, falling back towards ZONE_DMA. i386 has no ZONE_DMA32, so
 * __GFP_DMA32 means ZONE_NORMAL there, as with CONFIG_ZONE_DMA32=n.
 */
export function zonelist(gfp: number, profile: ArchProfile): ZoneId[] {
  let top: ZoneId;
  if (gfp & __GFP_DMA) top = ZoneId.DMA;
  else if (gfp & __GFP_DMA32) top = profile.arch === "x86_64" ? ZoneId.DMA32 : ZoneId.NORMAL;
  else if (gfp & __GFP_HIGHMEM && profile.arch === "i386") top = ZoneId.HIGHMEM;
  else top = ZoneId.NORMAL;
  const order = [ZoneId.HIGHMEM, ZoneId.NORMAL, ZoneId.DMA32, ZoneId.DMA];
  return order.slice(order.indexOf(top));
}

/**
 * ```c
 * static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
 * ```
 * True when the flags allow the allocator to sleep (__GFP_DIRECT_RECLAIM: GFP_KERNEL yes, GFP_ATOMIC no).
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function gfpAllowsBlocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}
