// A host that dies after it has sent its summary has not finished the run:
// the parent reports it (a crash in the host's own rejection hook, or a
// kill by its watchdog after the end, used to pass for a clean run).

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startHost } from "../src/host";

const ROOT = path.resolve(__dirname, "../../..");
const HOSTILE = path.join(ROOT, "host", "test", "hostile");

/** A "node" that answers --version and otherwise runs fake-host.js with the given behaviour. */
function fakeNode(how: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-fake-node-"));
  const bin = path.join(dir, "node");
  fs.writeFileSync(bin, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo v20.20.2; exit 0; fi\nexec "${process.execPath}" "${path.join(__dirname, "fake-host.js")}" ${how}\n`, { mode: 0o755 });
  return bin;
}

async function runWith(how: string) {
  return startHost({ driver: path.join(HOSTILE, "benign.ts"), scenario: path.join(HOSTILE, "scenario.ts"), node: fakeNode(how), cwd: ROOT }).done;
}

describe("a host that dies after its summary", () => {
  it("exiting with code 3 is a host-exit failure, said to be after the run had ended", async () => {
    const r = await runWith("exit3");
    assert.ok(r.summary, "the summary arrived");
    assert.deepEqual(r.failures.map((f) => f.kind), ["host-exit"]);
    assert.match(r.failures[0].message, /^the host exited with code 3 after the run had ended: it crashed after its summary, so the run cannot be called clean/);
  });

  it("killed by a signal is a host-exit failure too", async () => {
    const r = await runWith("kill");
    assert.deepEqual(r.failures.map((f) => f.kind), ["host-exit"]);
    assert.match(r.failures[0].message, /^the host was killed by SIGKILL after the run had ended/);
  });

  it("exiting 0 after its summary is no failure (the test can tell the two apart)", async () => {
    const r = await runWith("clean");
    assert.deepEqual(r.failures, []);
    assert.equal(r.exit.code, 0);
  });
});
