import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

// cli/src/esbuild-cached.ts, as the command line's bundles load esbuild: the package itself (one instance, the one
// require("esbuild") then returns), working, without `crypto` loaded on the way (a cold run's saving).
describe("esbuild for the command line's bundles (esbuild-cached)", () => {
  it("is the package's own module, bundles, and leaves crypto unloaded", () => {
    const shim = path.join(__dirname, "../src/esbuild-cached.js");
    const script = `
      const crypto = () => process.moduleLoadList.includes("NativeModule crypto");
      const e = require(${JSON.stringify(shim)});
      const before = crypto();
      e.build({ stdin: { contents: "export const answer: number = 42;", loader: "ts" }, write: false, format: "cjs", logLevel: "silent" }).then((r) => {
        process.stdout.write(JSON.stringify({ version: e.version, same: require("esbuild") === e, before, after: crypto(), out: r.outputFiles[0].text }));
        e.stop();
      });`;
    const r = spawnSync(process.execPath, ["-"], { input: script, encoding: "utf8", env: {}, cwd: path.join(__dirname, "../../..") });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { version: string; same: boolean; before: boolean; after: boolean; out: string };
    assert.equal(got.version, (require("esbuild/package.json") as { version: string }).version);
    assert.equal(got.same, true, "require('esbuild') after the shim is a second instance");
    assert.equal(got.before, false, "crypto loaded with esbuild");
    assert.equal(got.after, false, "crypto loaded by a build");
    assert.match(got.out, /answer = 42/);
  });
});
