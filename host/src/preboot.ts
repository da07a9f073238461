// The kernel booted ahead of the run. A host waits for its request (a spare,
// or a cold host whose parent is still bundling the driver); most runs boot the
// default profile, so the host boots it while it waits. A run whose boot
// options are exactly those takes that kernel: its boot log is handed over
// record by record, as a boot now would have printed it (the simulation is
// deterministic), and from then on the kernel logs to the run. Any other
// profile boots afresh, as before; the spare kernel is dropped unused.

import { Kernel, type BootOptions, type LogRecord } from "../../sim-core/src";

export type PrebootOptions = Omit<BootOptions, "onLog">;

interface Spare {
  readonly key: string;
  readonly kernel: Kernel;
  readonly records: LogRecord[];
  sink?: (r: LogRecord) => void;
}

let spare: Spare | undefined;

/** Boot options as a key: the same key, the same kernel. Keys in order; undefined is absent, as in JSON. */
export function bootKey(o: PrebootOptions): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (typeof v !== "object" || v === null) return v;
    return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => [k, canon((v as Record<string, unknown>)[k])]));
  };
  return JSON.stringify(canon(o));
}

/** Boots a kernel with these options now, for the next takePreboot() with equal options. */
export function preboot(o: PrebootOptions): void {
  const records: LogRecord[] = [];
  let s: Spare | undefined;
  const kernel = Kernel.boot({ ...o, onLog: (r) => { if (s?.sink) s.sink(r); else records.push(r); } });
  spare = s = { key: bootKey(o), kernel, records };
}

/**
 * The kernel preboot() booted, when it was booted with options equal to `o`;
 * its boot log goes to `onLog` now, and what it logs later goes there too.
 * Undefined when there is none or it does not fit (it is dropped either way: one run, one kernel).
 */
export function takePreboot(o: PrebootOptions, onLog: (r: LogRecord) => void): Kernel | undefined {
  const s = spare;
  spare = undefined;
  if (!s || s.key !== bootKey(o)) return undefined;
  for (const r of s.records) onLog(r);
  s.records.length = 0;
  s.sink = onLog;
  return s.kernel;
}
