// GFP flags with the bit values of include/linux/gfp_types.h, so that a
// failure report reads "mode:0xcc0(GFP_KERNEL)" as it does on a real kernel.

import { ZoneId, type ArchProfile } from "../arch/profile";

/** __GFP_DMA (0x01): allocate from ZONE_DMA (the low 16 MiB on x86, for ISA DMA). */
export const __GFP_DMA = 0x01;
/** __GFP_HIGHMEM (0x02): the page may come from highmem and need kmap() to be touched (i386). */
export const __GFP_HIGHMEM = 0x02;
/** __GFP_DMA32 (0x04): allocate from ZONE_DMA32 (below 4 GiB). */
export const __GFP_DMA32 = 0x04;
/** __GFP_MOVABLE (0x08): the page can be migrated by compaction. */
export const __GFP_MOVABLE = 0x08;
/** __GFP_RECLAIMABLE (0x10): slab pages a shrinker can reclaim. */
export const __GFP_RECLAIMABLE = 0x10;
/** __GFP_HIGH (0x20): high priority; may dip into the emergency reserves. */
export const __GFP_HIGH = 0x20;
/** __GFP_IO (0x40): reclaim may start physical I/O. */
export const __GFP_IO = 0x40;
/** __GFP_FS (0x80): reclaim may call into the filesystem. */
export const __GFP_FS = 0x80;
/** __GFP_ZERO (0x100): return zeroed memory (what kzalloc() adds). */
export const __GFP_ZERO = 0x100;
/** __GFP_DIRECT_RECLAIM (0x400): the caller may enter direct reclaim, i.e. sleep (CTX001 in atomic context). */
export const __GFP_DIRECT_RECLAIM = 0x400;
/** __GFP_KSWAPD_RECLAIM (0x800): wake kswapd when memory is low; does not sleep itself. */
export const __GFP_KSWAPD_RECLAIM = 0x800;
/** __GFP_WRITE (0x1000): the page is expected to be dirtied (spread across nodes). */
export const __GFP_WRITE = 0x1000;
/** __GFP_NOWARN (0x2000): no allocation-failure warning in the log. */
export const __GFP_NOWARN = 0x2000;
/** __GFP_RETRY_MAYFAIL (0x4000): retry hard, but may still fail rather than OOM-kill. */
export const __GFP_RETRY_MAYFAIL = 0x4000;
/** __GFP_NOFAIL (0x8000): never fail; loop forever instead (deprecated for new users). */
export const __GFP_NOFAIL = 0x8000;
/** __GFP_NORETRY (0x10000): give up after one light reclaim attempt. */
export const __GFP_NORETRY = 0x10000;
/** __GFP_MEMALLOC (0x20000): may use all reserves (for freeing memory only). */
export const __GFP_MEMALLOC = 0x20000;
/** __GFP_COMP (0x40000): a higher-order allocation becomes a compound page (head + tails). */
export const __GFP_COMP = 0x40000;
/** __GFP_NOMEMALLOC (0x80000): never use the emergency reserves. */
export const __GFP_NOMEMALLOC = 0x80000;
/** __GFP_HARDWALL (0x100000): obey the task's cpuset memory policy. */
export const __GFP_HARDWALL = 0x100000;
/** __GFP_THISNODE (0x200000): allocate on the requested NUMA node only. */
export const __GFP_THISNODE = 0x200000;
/** __GFP_ACCOUNT (0x400000): charge the allocation to the task's memory cgroup. */
export const __GFP_ACCOUNT = 0x400000;

/** __GFP_RECLAIM: __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM. */
export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
/** GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM = 0x820): never sleeps; for interrupt handlers and under spinlocks; may fail, so check the result. */
export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
/** GFP_KERNEL (0xcc0): normal kernel allocation; may sleep, so not in atomic context (CTX001). */
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
/** GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT): GFP_KERNEL charged to the memory cgroup; may sleep (CTX001). */
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
/** GFP_NOWAIT (__GFP_KSWAPD_RECLAIM | __GFP_NOWARN): never sleeps and no reserves; fails readily. */
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
/** GFP_NOIO (__GFP_RECLAIM): may sleep but reclaim starts no I/O (block-layer paths); CTX001 in atomic context. */
export const GFP_NOIO = __GFP_RECLAIM;
/** GFP_NOFS (__GFP_RECLAIM | __GFP_IO): may sleep but reclaim does not call into filesystems; CTX001 in atomic context. */
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
/** GFP_USER (GFP_KERNEL | __GFP_HARDWALL): memory for user space or that user space reaches directly; may sleep. */
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
/** GFP_DMA (__GFP_DMA): ZONE_DMA memory for ISA-era devices; OR it with GFP_KERNEL or GFP_ATOMIC. */
export const GFP_DMA = __GFP_DMA;
/** GFP_DMA32 (__GFP_DMA32): memory below 4 GiB; OR it with GFP_KERNEL or GFP_ATOMIC. */
export const GFP_DMA32 = __GFP_DMA32;
/** GFP_HIGHUSER (GFP_USER | __GFP_HIGHMEM): user pages that may be in highmem; kmap() before the kernel touches them. */
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
/** GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE): migratable user pages (page cache, anonymous memory). */
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
