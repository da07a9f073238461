// Stacks on demand (issue 14): a run records a token at each allocation,
// mapping and free and is played again to capture the stacks its reports
// print. What it prints must be byte for byte what a run capturing every
// stack prints: every sample's golden file, reports raised in a driver's
// error path (KASAN in init's, dma-debug in probe's) and at rmmod (a leak,
// a bad page).

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { expectGolden } from "../../sim-core/test/golden";
import { runInHost } from "../src/host";
import { runFiles, type FileRun } from "../src/run";
import { SAMPLES, faultLine, report, type SampleConfig } from "./sample-report";

/** A recorded stack printed in a report: only a replay can have captured it. */
const PRINTS_RECORDED_STACK = /Mapped at:\n [^(]|(?:Allocated|Freed) by task \d+:\n [^(]|allocated by task \d+:\n [^(]/;

function run(spec: FileRun): { text: string; replays: number; findings: string[] } {
  const faults: string[] = [];
  const r = runFiles({ ...spec, onEvent: (e) => { const l = faultLine(e); if (l) faults.push(l); } });
  assert.equal(r.stacks?.fallback, undefined, r.stacks?.fallback);
  return { text: report(r, faults), replays: r.stacks?.replays ?? -1, findings: r.findings.map((f) => f.rule) };
}

const dirs = fs.existsSync(SAMPLES) ? fs.readdirSync(SAMPLES).filter((d) => fs.existsSync(path.join(SAMPLES, d, "scenario.ts"))) : [];

describe("stacks on demand: every sample's golden, unchanged", () => {
  for (const dir of dirs) {
    const base = path.join(SAMPLES, dir);
    const config: SampleConfig = fs.existsSync(path.join(base, "sample.json")) ? JSON.parse(fs.readFileSync(path.join(base, "sample.json"), "utf8")) : {};
    const drivers = fs.readdirSync(base).filter((f) => f.endsWith(".ts") && f !== "scenario.ts").map((f) => f.replace(/\.ts$/, ""));
    for (const drv of drivers) {
      it(`${dir}/${drv}`, () => {
        const r = run({
          driver: path.join(base, `${drv}.ts`), scenario: path.join(base, "scenario.ts"), module: dir,
          boot: { ...config.boot, ...config.bootFor?.[drv] }, params: config.params, stacks: "on-demand",
        });
        expectGolden(path.join("..", "..", "..", "samples", dir, `${drv}.golden.txt`), r.text);
        // A clean run pays for no stack; a report that prints a recorded one was replayed to get it.
        if (!r.findings.length) assert.equal(r.replays, 0, "a run without findings needed no replay");
        if (PRINTS_RECORDED_STACK.test(r.text)) assert.ok(r.replays >= 1, "the report prints a recorded stack, so the run was replayed");
      });
    }
  }
});

describe("stacks on demand: reports far from the record", () => {
  const here = path.join(__dirname, "..", "..", "..", "host", "test", "stacks");
  const both = (driver: string, boot?: FileRun["boot"]) => {
    const spec: FileRun = { driver: path.join(here, `${driver}.ts`), scenario: path.join(here, "scenario.ts"), boot };
    return { eager: run({ ...spec, stacks: "capture" }), lazy: run({ ...spec, stacks: "on-demand" }) };
  };

  it("a double free in init's error path: Allocated by / Freed by as when captured", () => {
    const { eager, lazy } = both("errpath");
    assert.match(eager.text, /BUG: KASAN: double-free in errpath_init \(host\/test\/stacks\/errpath\.ts:\d+\)/);
    assert.match(eager.text, /Allocated by task \d+:\n ring_alloc \(host\/test\/stacks\/errpath\.ts:\d+\)\n errpath_init /);
    assert.match(eager.text, /Freed by task \d+:\n errpath_init \(host\/test\/stacks\/errpath\.ts:\d+\)/);
    assert.equal(lazy.text, eager.text);
    assert.ok(lazy.replays >= 1);
  });

  it("a leak found at rmmod: the allocation's stack, recorded during init, as when captured", () => {
    const { eager, lazy } = both("rmmod_leak");
    assert.match(eager.text, /MEM008/);
    assert.match(eager.text, /\n {3} fill \(host\/test\/stacks\/rmmod_leak\.ts:\d+\)\n {3} rmmod_leak_init /);
    assert.equal(lazy.text, eager.text);
    assert.ok(lazy.replays >= 1);
  });

  it("a dma-debug report in probe's error path: Mapped at, recorded in a helper, as when captured", () => {
    const { eager, lazy } = both("dma_errpath", { devices: ["edu"] });
    assert.match(eager.text, /DMA-API: dmaerr 0000:[0-9a-f:.]+: device driver frees DMA memory with different size/);
    assert.match(eager.text, /Mapped at:\n rx_map \(host\/test\/stacks\/dma_errpath\.ts:\d+\)\n dmaerr_probe /);
    assert.deepEqual(eager.findings, ["DMA004"]);
    assert.equal(lazy.text, eager.text);
    assert.ok(lazy.replays >= 1);
  });

  it("a bad page freed at rmmod: the fix names the SetPageReserved() recorded at init, as when captured", () => {
    const { eager, lazy } = both("badpage_rmmod");
    assert.match(eager.text, /BUG: Bad page state in process \S+  pfn:[0-9a-f]+\n[^]*\nCall Trace:\n badpage_exit \(/);
    assert.match(eager.text, /fix: badpage_exit host\/test\/stacks\/badpage_rmmod\.ts:\d+: .*SetPageReserved\(\) at reserve_buffer \(host\/test\/stacks\/badpage_rmmod\.ts:\d+\)/);
    assert.equal(lazy.text, eager.text);
    assert.ok(lazy.replays >= 1);
  });
});

describe("stacks on demand through the driver host", () => {
  // What a user sees is the stream of messages, in order: the replay's must continue the first play's exactly.
  const stream = async (driver: string, scenario: string, module: string | undefined, boot: FileRun["boot"], stacks: "capture" | "on-demand") => {
    const seen: string[] = [];
    const r = await runInHost({ driver, scenario, module, boot, stacks, onMessage: (m) => seen.push(m.type === "phase" ? `phase ${m.phase}` : JSON.stringify(m)) });
    return { seen: seen.join("\n"), log: r.log.map((x) => x.text).join("\n"), replays: r.stackReplays ?? 0 };
  };
  const cases: Array<[string, string, string, string | undefined, FileRun["boot"]]> = [
    ["edu_dma_leak (DMA020 at rmmod, Mapped at)", path.join(SAMPLES, "edu_dma", "edu_dma_leak.ts"), path.join(SAMPLES, "edu_dma", "scenario.ts"), "edu_dma", { devices: ["edu"] }],
    ["errpath (a double free in init's error path)", path.join(__dirname, "..", "..", "..", "host", "test", "stacks", "errpath.ts"), path.join(__dirname, "..", "..", "..", "host", "test", "stacks", "scenario.ts"), undefined, undefined],
  ];
  for (const [name, driver, scenario, module, boot] of cases) {
    it(`${name}: the same messages in the same order as when every stack is captured`, async () => {
      const eager = await stream(driver, scenario, module, boot, "capture");
      const lazy = await stream(driver, scenario, module, boot, "on-demand");
      assert.match(eager.log, /Mapped at:\n |Allocated by task \d+:\n /);
      assert.equal(lazy.seen, eager.seen);
      assert.equal(lazy.log, eager.log);
      assert.ok(lazy.replays >= 1, "the report's stack came from a replay");
      assert.equal(eager.replays, 0);
    });
  }
});
