// The "static" column of npm start's sample table: what `faultline check`
// finds in each driver against what its sample.json expects.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { collectTargets } from "../src/project";
import { staticRow } from "../src/samples";

const ROOT = path.resolve(__dirname, "../../..");

describe("npm start: the static column", () => {
  const targets = collectTargets(path.join(ROOT, "samples"));
  const byName = (n: string) => targets.find((t) => path.basename(t.file) === n)!;

  it("a correct driver is silent; a static twin shows its rule; a twin of a dynamic-only rule is silent", () => {
    assert.deepEqual(staticRow(byName("edu_dma.ts")), { shown: "- ok", ok: true, why: "samples/edu_dma/edu_dma.ts: check found -, expected nothing" });
    assert.equal(staticRow(byName("edu_dma_nosync.ts")).shown, "DMA001 ok");
    assert.equal(staticRow(byName("nic_rx_syncafter.ts")).shown, "- ok", "DMA009 is dynamic only");
  });

  it("every sample driver is as expected", () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    for (const t of targets) {
      if (seen.has(t.file)) continue;
      seen.add(t.file);
      const r = staticRow(t);
      if (!r.ok) bad.push(r.why);
    }
    assert.ok(seen.size >= 40, `${seen.size} drivers`);
    assert.deepEqual(bad, []);
  });
});
