// What a sample's golden file holds, from a run of one of its drivers: the
// program's output, how each process ended, the kernel log after boot, the
// fault sequence and the findings. Shared by the tests that compare runs
// with the goldens.

import * as path from "node:path";
import type { BootOptions, KernelEvent, RunResult } from "../../sim-core/src";

export const ROOT = path.resolve(__dirname, "../../..");
export const SAMPLES = path.join(ROOT, "samples");

export interface SampleConfig {
  boot?: BootOptions;
  params?: Record<string, string>;
  /** Buggy twins and the one rule each must trip. */
  twins?: Record<string, string>;
  /** Boot options for one driver of the sample, over `boot` (a twin that needs another machine). */
  bootFor?: Record<string, BootOptions>;
}

function hex(n: number): string { return n.toString(16); }

/** One line per fault-path event, in order. */
export function faultLine(e: KernelEvent): string | undefined {
  switch (e.type) {
    case "page_fault": return `fault   mm${e.mm} ${hex(e.addr)} ${e.write ? "write" : "read"}${e.present ? " (present)" : ""}`;
    case "pte_set": return `  pte   mm${e.mm} ${hex(e.addr)} -> pfn ${hex(e.pfn)} flags ${hex(e.flags)}`;
    case "cow": return `  cow   mm${e.mm} ${hex(e.addr)} pfn ${hex(e.from)} -> ${hex(e.to)}`;
    default: return undefined;
  }
}

export function report(r: RunResult, faults: string[]): string {
  const bootLines = r.kernel.log.records().findIndex((x) => x.text.startsWith("SLUB:")) + 1;
  const rel = (f: string) => path.relative(ROOT, f);
  return [
    `# insmod: ${r.insmod}   rmmod: ${r.rmmod}   completed: ${r.completed}${r.failure ? `   failure: ${r.failure}` : ""}`,
    "# output",
    r.stdout.trimEnd(),
    "# processes",
    ...r.processes.map((p) => `${p.comm}[${p.pid}] exit ${p.code}${p.signal ? ` killed by ${p.signal}` : ""}`),
    "# dmesg (after boot)",
    ...r.kernel.log.records().slice(bootLines).map((x) => x.text),
    "# faults",
    ...faults,
    "# findings",
    ...r.findings.flatMap((f) => [
      `${f.rule} ${f.location ? `${rel(f.location.file)}:${f.location.line}` : "-"} ${f.message}${f.count ? ` (${f.count} times)` : ""}`,
      // The line to change, when the finding knows it (Finding.fix): golden, so a twin's fix cannot drift.
      ...(f.fix ? [`  fix: ${f.fix.fn}${f.fix.location ? ` ${rel(f.fix.location.file)}:${f.fix.location.line}` : ""}: ${f.fix.why}`] : []),
    ]),
    "",
  ].join("\n");
}
