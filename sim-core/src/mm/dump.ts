// dump_page() as mm/debug.c prints it, for Bad page state and KASAN reports.

import { ZONE_NAMES } from "../arch/profile";
import { hexAddr } from "../util/addr";
import type { MemMap } from "./memmap";
import { flagNames } from "./page-flags";

export function dumpPage(memmap: MemMap, pfn: number, reason: string | undefined): string[] {
  const p = memmap.profile;
  const flags = memmap.flags(pfn);
  const zone = memmap.zoneOf(pfn);
  const names = [...flagNames(flags), `zone=${zone}`].join("|");
  const lines = [
    `page:${hexAddr(memmap.structPageAddress(pfn), p.ptrDigits)} refcount:${memmap.refcount(pfn)} mapcount:${memmap.mapcount(pfn) + 1} mapping:${"0".repeat(p.ptrDigits)} index:0x0 pfn:0x${pfn.toString(16)}`,
    `flags: 0x${flags.toString(16)}(${names})`,
    `page_type: ${ZONE_NAMES[zone]} zone`,
  ];
  if (reason) lines.push(`page dumped because: ${reason}`);
  return lines;
}
