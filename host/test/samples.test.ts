// Every sample, run against its scenario, compared with its golden file:
// the program's output, how each process ended, the kernel log after boot,
// the fault sequence, the /proc/<pid>/maps snapshots the scenario printed and
// the findings. The correct driver of a sample must be silent; each buggy
// twin must trip exactly the rule its sample.json names.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { expectGolden } from "../../sim-core/test/golden";
import { runFiles } from "../src/run";
import { SAMPLES, faultLine, report, type SampleConfig } from "./sample-report";

const dirs = fs.existsSync(SAMPLES) ? fs.readdirSync(SAMPLES).filter((d) => fs.existsSync(path.join(SAMPLES, d, "scenario.ts"))) : [];

describe("samples", () => {
  for (const dir of dirs) {
    const base = path.join(SAMPLES, dir);
    const config: SampleConfig = fs.existsSync(path.join(base, "sample.json")) ? JSON.parse(fs.readFileSync(path.join(base, "sample.json"), "utf8")) : {};
    const drivers = fs.readdirSync(base).filter((f) => f.endsWith(".ts") && f !== "scenario.ts").map((f) => f.replace(/\.ts$/, ""));
    describe(dir, () => {
      it("has its driver, a README and a buggy twin for every twin named", () => {
        assert.ok(drivers.includes(dir), `samples/${dir}/${dir}.ts is missing`);
        assert.ok(fs.existsSync(path.join(base, "README.md")), `samples/${dir}/README.md is missing`);
        for (const twin of Object.keys(config.twins ?? {})) assert.ok(drivers.includes(twin), `twin ${twin}.ts is missing`);
        assert.ok(Object.keys(config.twins ?? {}).length > 0, "a sample needs at least one buggy twin");
      });
      for (const drv of drivers) {
        it(`${drv}: matches ${dir}/${drv}.golden.txt`, () => {
          const faults: string[] = [];
          const r = runFiles({
            driver: path.join(base, `${drv}.ts`), scenario: path.join(base, "scenario.ts"), module: dir,
            boot: { ...config.boot, ...config.bootFor?.[drv] }, params: config.params,
            onEvent: (e) => { const l = faultLine(e); if (l) faults.push(l); },
          });
          const rules = [...new Set(r.findings.map((f) => f.rule))];
          const twinRule = config.twins?.[drv];
          if (twinRule) assert.deepEqual(rules, [twinRule], `${drv} should trip ${twinRule} only; got ${rules.join(", ") || "nothing"}`);
          else assert.deepEqual(r.findings.map((f) => `${f.rule} ${f.message}`), [], `${drv} is the correct driver and must be silent`);
          assert.equal(r.failure, undefined, r.failure);
          expectGolden(path.join("..", "..", "..", "samples", dir, `${drv}.golden.txt`), report(r, faults));
        });
      }
    });
  }
});
