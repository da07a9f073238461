// Stacks on demand (issue 14): a run records a token at each allocation,
// mapping and free and is played again to capture the stacks its reports
// print. What it prints must be byte for byte what a run capturing every
// stack prints: every sample's golden file, a report raised in a driver's
// error path, and one raised at rmmod.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { expectGolden } from "../../sim-core/test/golden";
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
  const both = (driver: string) => {
    const spec: FileRun = { driver: path.join(here, `${driver}.ts`), scenario: path.join(here, "scenario.ts") };
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
});
