import * as path from "node:path";
import { runFiles } from "../src/run";

const SAMPLES = path.resolve(__dirname, "../../../samples");

describe("host smoke", () => {
  it("runs simple", () => {
    const r = runFiles({ driver: path.join(SAMPLES, "simple/simple.ts"), scenario: path.join(SAMPLES, "simple/scenario.ts") });
    console.log(r.stdout);
    console.log(r.kernel.log.records().slice(-40).map((x) => x.text).join("\n"));
    console.log(r.failure, r.processes, r.findings.map((f) => f.rule + " " + f.message));
  });
});
