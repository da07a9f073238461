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
