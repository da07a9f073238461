// The driver host's bundle runs from V8's code cache when there is a good one
// (code-cache.ts), and runs all the same when there is none, when it was made
// from another build, or when V8 rejects it (another Node, other V8 flags, a
// damaged file). Each case in a process of its own, as the host starts.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildIdOf, cacheFileOf } from "../src/code-cache";

const LOADER = path.join(__dirname, "..", "src", "code-cache.js");

/** Runs `bundle` through runCached in a fresh Node; what it computed and how it was compiled. */
function load(bundle: string, opts: { write?: boolean; flags?: string[] } = {}): { cache: string; value: unknown; main: boolean } {
  const script = `const { runCached } = require(${JSON.stringify(LOADER)});
const r = runCached(${JSON.stringify(bundle)}, module, require, ${opts.write === true});
process.stdout.write(JSON.stringify({ cache: r.cache, value: module.exports.value, main: module.exports.main }));`;
  // A file, as dist/host-entry.js is: the entry is the main module (with -e there is none).
  const entry = path.join(path.dirname(bundle), "entry.js");
  fs.writeFileSync(entry, script);
  return JSON.parse(execFileSync(process.execPath, [...(opts.flags ?? []), entry], { encoding: "utf8", env: {} }));
}

describe("the host bundle's code cache", function () {
  this.timeout(30_000);
  let dir: string, bundle: string;
  const ID = "0123456789abcdef";

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-code-cache-"));
    bundle = path.join(dir, "host.js");
    // Enough functions that a cache is worth having; `require.main === module` as the host's last line checks it.
    const fns = Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x * ${i} + ${i}; }`).join("\n");
    fs.writeFileSync(bundle, `"use strict";/*faultline-build:${ID}*/\n${fns}\nlet s = 0; for (let i = 0; i < 200; i++) s += eval("f" + i)(2);\nmodule.exports.value = s;\nmodule.exports.main = require.main === module;\n`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const expected = Array.from({ length: 200 }, (_, i) => 2 * i + i).reduce((a, b) => a + b, 0);

  it("reads the build id from the bundle's banner", () => {
    assert.equal(buildIdOf(fs.readFileSync(bundle, "utf8")), ID);
    assert.equal(buildIdOf("\"use strict\";\nvar x;"), undefined);
  });

  it("without a cache: compiles, runs, and runs as the main module", () => {
    assert.deepEqual(load(bundle), { cache: "none", value: expected, main: true });
  });

  it("a warm-up run writes the cache; the next start uses it", () => {
    assert.deepEqual(load(bundle, { write: true }), { cache: "none", value: expected, main: true });
    const raw = fs.readFileSync(cacheFileOf(bundle));
    assert.equal(raw.toString("latin1", 0, 38), `faultline-code-cache ${ID}\n`);
    assert.deepEqual(load(bundle), { cache: "accepted", value: expected, main: true });
  });

  it("V8 rejects a cache made under other V8 flags (the heap cap): the bundle still runs", () => {
    load(bundle, { write: true, flags: ["--max-old-space-size=512"] });
    assert.equal(load(bundle, { flags: ["--max-old-space-size=512"] }).cache, "accepted");
    assert.deepEqual(load(bundle, { flags: ["--max-old-space-size=600"] }), { cache: "rejected", value: expected, main: true });
  });

  it("a damaged cache is rejected and the bundle still runs", () => {
    load(bundle, { write: true });
    const file = cacheFileOf(bundle);
    const raw = fs.readFileSync(file);
    for (let i = 38; i < raw.length; i += 7) raw[i] ^= 0x5a;
    fs.writeFileSync(file, raw);
    assert.deepEqual(load(bundle), { cache: "rejected", value: expected, main: true });
    fs.writeFileSync(file, raw.subarray(0, 40));
    assert.deepEqual(load(bundle), { cache: "rejected", value: expected, main: true });
  });

  it("with --enable-source-maps: compiled by Node's loader, whose stacks are mapped; still the main module", () => {
    load(bundle, { write: true });
    assert.deepEqual(load(bundle, { flags: ["--enable-source-maps"] }), { cache: "source-maps", value: expected, main: true });
  });

  it("a cache of another build is not offered to V8 (its check is the source's length only)", () => {
    load(bundle, { write: true });
    // The same length, other code: V8 would take the old code for it.
    const text = fs.readFileSync(bundle, "utf8").replace(ID, "fedcba9876543210").replace("x * 1 +", "x * 9 +");
    fs.writeFileSync(bundle, text);
    assert.deepEqual(load(bundle), { cache: "stale", value: expected + 2 * 8, main: true });
  });
});
