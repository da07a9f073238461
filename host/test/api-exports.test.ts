// The command line checks a bundle's imports against a list of the API's
// export names generated at build time (host/src/api-exports.ts), so that it
// need not load sim-core. The list must say exactly what the modules export:
// a name missing from it would refuse a valid driver, an extra name would let
// a typo through to an oops at run time.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import { DRIVER_MODULES } from "../../sim-core/src";
import { API_EXPORTS, API_HEADERS } from "../src/api-exports";
import { API_MODULES } from "../src/api-modules";

describe("the generated list of the kernel API's export names", () => {
  it("has sim-core's headers, in DRIVER_MODULES's order (error messages list them so)", () => {
    assert.deepEqual([...API_HEADERS], [...DRIVER_MODULES]);
    assert.deepEqual(Object.keys(API_EXPORTS), [...DRIVER_MODULES]);
    assert.deepEqual([...API_MODULES.keys()].sort(), [...DRIVER_MODULES].sort());
  });

  for (const header of DRIVER_MODULES) {
    it(`${header}: the names its module exports, no more and no fewer`, () => {
      const real = Object.keys(API_MODULES.get(header)!).sort();
      assert.deepEqual([...API_EXPORTS[header]], real, `host/src/api-exports.ts is out of date for ${header}: run node scripts/api-exports.mjs (npm run build does)`);
    });
  }

  it("is what the generator writes from the sources as they are now", async function () {
    this.timeout(30_000);
    const root = path.resolve(__dirname, "../../..");
    const { apiExportsText, API_EXPORTS_FILE } = await (new Function("p", "return import(p)") as (p: string) => Promise<{ apiExportsText(): Promise<string>; API_EXPORTS_FILE: string }>)(path.join(root, "scripts", "api-exports.mjs"));
    const fs = await import("node:fs");
    assert.equal(fs.readFileSync(API_EXPORTS_FILE, "utf8"), await apiExportsText());
  });
});
