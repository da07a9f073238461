// The driver host boots the default profile's kernel while it waits for its
// request (preboot.ts). A run that takes that kernel must print and end
// exactly as a run that boots its own: the same boot log, record for record,
// the same findings, output and process ends. In this process for any
// profile (the default and others), and through the host for the default
// one against a request whose options differ only in spelling (so it boots
// afresh).

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_SEED, runScenario, type BootOptions, type Kernel, type LogRecord } from "../../sim-core/src";
import { bundle, evaluate, mapFrame, sourcesOf } from "../src/bundle";
import { runInHost, type HostRunResult } from "../src/host";
import { bootKey, preboot, takePreboot, type PrebootOptions } from "../src/preboot";
import { SAMPLES, type SampleConfig } from "./sample-report";

interface Played { log: string; findings: string; stdout: string; processes: string; failure?: string; insmod: number; rmmod: number }

/** One run of a sample's driver in this process; `kernelFor` hands it a kernel (a preboot's), else it boots its own. */
function play(dir: string, drv: string, boot: PrebootOptions, kernelFor?: (onLog: (r: LogRecord) => void) => Kernel | undefined): Played {
  const base = path.join(SAMPLES, dir);
  const driver = bundle(path.join(base, `${drv}.ts`)), scenario = bundle(path.join(base, "scenario.ts"));
  const log: LogRecord[] = [];
  const onLog = (r: LogRecord) => { log.push(r); };
  const kernel = kernelFor?.(onLog);
  if (kernelFor) assert.ok(kernel, "the preboot's kernel was not handed over");
  const r = runScenario({
    module: dir, boot: { ...boot, onLog }, kernel,
    setup: (k) => {
      k.stacks.mapFrame = (f) => mapFrame([driver, scenario], f);
      const sources = new Set([driver, scenario].flatMap(sourcesOf));
      k.stacks.filter = (file) => sources.has(file);
    },
    loadDriver: () => { evaluate(driver); },
    scenario: () => { (evaluate(scenario).default as () => void)(); },
  });
  return {
    log: log.map((x) => JSON.stringify(x)).join("\n"),
    findings: JSON.stringify(r.findings.map((f) => [f.rule, f.message, f.report, f.location])),
    stdout: r.stdout, processes: JSON.stringify(r.processes), failure: r.failure, insmod: r.insmod, rmmod: r.rmmod,
  };
}

function config(dir: string): SampleConfig {
  const f = path.join(SAMPLES, dir, "sample.json");
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : {};
}

const LIMIT = { logLimit: { lines: 20_000, bytes: 4 << 20 } };

describe("preboot: the kernel booted ahead is the kernel a boot now gives", () => {
  // The default profile, a twin that trips a rule, devices on the bus, another architecture and memory size.
  const cases: Array<[string, string, PrebootOptions]> = [
    ["simple", "simple", { ...LIMIT }],
    ["simple", "simple_noref", { ...LIMIT }],
    ["edu_dma", "edu_dma_nosync", { ...config("edu_dma").boot, ...LIMIT }],
    ["nic_tx", "nic_tx", { ...config("nic_tx").boot, ...LIMIT }],
    ["scullp", "scullp", { arch: "i386", mem: "1G", seed: 7, ...LIMIT }],
  ];
  for (const [dir, drv, boot] of cases) {
    it(`${dir}/${drv} on ${bootKey(boot)}: the same log, findings, output and ends`, () => {
      const fresh = play(dir, drv, boot);
      preboot(boot);
      const ahead = play(dir, drv, boot, (onLog) => takePreboot(boot, onLog));
      assert.ok(fresh.log.split("\n").length > 20, "the run printed its boot log");
      assert.deepEqual(ahead, fresh);
    });
  }

  it("is handed over only for equal options, once", () => {
    const logs: LogRecord[] = [];
    preboot({ ...LIMIT });
    assert.equal(takePreboot({ ...LIMIT, seed: 1 }, (r) => logs.push(r)), undefined, "another seed boots afresh");
    assert.equal(takePreboot({ ...LIMIT }, (r) => logs.push(r)), undefined, "a mismatch drops the kernel: one run, one kernel");
    assert.equal(logs.length, 0);
    preboot({ ...LIMIT });
    assert.ok(takePreboot({ logLimit: { bytes: 4 << 20, lines: 20_000 }, arch: undefined }, (r) => logs.push(r)), "key order and undefined do not matter");
    assert.ok(logs.length > 20, "its boot log was handed over");
    assert.equal(takePreboot({ ...LIMIT }, () => undefined), undefined, "taken once");
  });
});

describe("preboot through the driver host", function () {
  this.timeout(60_000);
  const strip = (r: HostRunResult) => ({
    log: r.log, stdout: r.stdout, findings: r.findings, maps: r.maps, failures: r.failures,
    summary: r.summary && { ...r.summary, prebooted: undefined },
  });
  for (const [dir, drv] of [["simple", "simple_noref"], ["scull", "scull"]]) {
    it(`${dir}/${drv}: a run on the prebooted kernel reports what a freshly booted one does`, async () => {
      const base = path.join(SAMPLES, dir);
      const spec = { driver: path.join(base, `${drv}.ts`), scenario: path.join(base, "scenario.ts"), module: dir };
      const ahead = await runInHost({ ...spec, boot: {} });
      // The same machine spelt out: not the preboot's key, so this host boots its own.
      const fresh = await runInHost({ ...spec, boot: { seed: DEFAULT_SEED, arch: "x86_64" } satisfies Omit<BootOptions, "onLog"> });
      assert.equal(ahead.summary?.prebooted, true, "the default profile's run took the prebooted kernel");
      assert.equal(fresh.summary?.prebooted, undefined, "a run whose options differ boots its own");
      assert.ok(ahead.log.length > 20);
      assert.deepEqual(strip(ahead), strip(fresh));
    });
  }
});
