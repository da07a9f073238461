// Shared test set-up: a booted kernel bound for the driver API, and small
// accessors for what tests assert on.

import { Kernel, bindKernel, type BootOptions, type Finding, type RuleId } from "../src";

let booted: Kernel | undefined;

/** Boots a kernel and binds it for the driver API; unbound again after each test. */
export function boot(opts: BootOptions = {}): Kernel {
  booted = Kernel.boot({ arch: "x86_64", mem: "256M", ...opts });
  bindKernel(booted);
  return booted;
}

afterEach(() => {
  bindKernel(undefined);
  booted = undefined;
});

export function rulesFired(k: Kernel): RuleId[] {
  return k.findings.map((f) => f.rule);
}

export function only(k: Kernel, rule: RuleId): Finding {
  if (k.findings.length !== 1 || k.findings[0].rule !== rule) {
    throw new Error(`expected exactly one ${rule} finding, got: ${k.findings.map((f) => `${f.rule} ${f.message}`).join("; ") || "none"}`);
  }
  return k.findings[0];
}

/** The log after boot, without timestamps. */
export function logSinceBoot(k: Kernel, bootLines: number): string[] {
  return k.log.records().slice(bootLines).map((r) => r.text);
}

/** Frame i of the current stack (0 is frameAt itself), as stack traces name it: the .ts file, through source maps. */
function frameAt(i: number): { file: string; line: number } {
  const lines = (new Error().stack ?? "").split("\n").slice(1);
  const m = /\(?([^()\s]+):(\d+):\d+\)?$/.exec(lines[i] ?? "");
  if (!m) throw new Error("cannot parse the stack: " + lines.join("\n"));
  return { file: m[1], line: Number(m[2]) };
}

/** The file of the caller: called at a test module's top level, that test file. */
export function callerFile(): string { return frameAt(2).file; }

/** The line the caller is on. */
export function lineHere(): number { return frameAt(2).line; }

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** %px of a (signed) JS address on a 64-bit profile, computed without the simulator. */
export function hex16(addr: number): string {
  return BigInt.asUintN(64, BigInt(addr)).toString(16).padStart(16, "0");
}

/** %px on i386. */
export function hex8(addr: number): string {
  return (addr >>> 0).toString(16).padStart(8, "0");
}
