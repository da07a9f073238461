// enum pageflags, in the order of include/linux/page-flags.h (v5.x), so that
// dump_page() prints the same names and the flags word reads the same.

export const enum PG {
  locked = 0, referenced, uptodate, dirty, lru, active, workingset, waiters, error, slab,
  owner_priv_1, arch_1, reserved, private, private_2, writeback, head, mappedtodisk,
  reclaim, swapbacked, unevictable, mlocked,
}

/** The simulator's own bit: a tail page of a compound page (Linux keeps this in compound_head's bit 0). */
export const PG_TAIL = 30;

export const PAGE_FLAG_NAMES = [
  "locked", "referenced", "uptodate", "dirty", "lru", "active", "workingset", "waiters", "error", "slab",
  "owner_priv_1", "arch_1", "reserved", "private", "private_2", "writeback", "head", "mappedtodisk",
  "reclaim", "swapbacked", "unevictable", "mlocked",
] as const;

/** Flags that must be clear when a page goes back to the allocator (PAGE_FLAGS_CHECK_AT_FREE). */
export const PAGE_FLAGS_CHECK_AT_FREE =
  (1 << PG.lru) | (1 << PG.locked) | (1 << PG.private) | (1 << PG.private_2) | (1 << PG.writeback) |
  (1 << PG.reserved) | (1 << PG.slab) | (1 << PG.active) | (1 << PG.unevictable) | (1 << PG.mlocked);

export function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < PAGE_FLAG_NAMES.length; b++) if (flags & (1 << b)) out.push(PAGE_FLAG_NAMES[b]);
  return out;
}
