// A stand-in for the command line or the debug adapter, for the lifetime
// tests: it starts a host on a driver and says so on stdout ("started
// <phase>"), then waits to be killed. argv: driver, scenario, "debug" or
// "normal", and "spare" to run it in a spare host (started and ready first).
// The test kills this process and checks that the host it started goes too.

import { spawnHost, startHost, type HostProcess } from "../src/host";
import { DEFAULT_LIMITS } from "../src/protocol";

const [driver, scenario, mode, spareMode] = process.argv.slice(2);
const limits = { ...DEFAULT_LIMITS, cpuMs: 20_000 };

function start(spare?: HostProcess): void {
const s = startHost({
  driver, scenario, debug: mode === "debug",
  limits,
  onMessage: (m) => { if (m.type === "phase" && m.phase === "driver") process.stdout.write("started driver\n"); },
}, { spare });
if (mode === "debug") void s.debugReady?.then(() => s.start());
void s.done.then(() => process.stdout.write("host ended\n"));
}

if (spareMode === "spare") {
  const spare = spawnHost({ debug: mode === "debug", heapMb: limits.heapMb });
  const poll = setInterval(() => { if (spare.ready) { clearInterval(poll); start(spare); } }, 5);
} else start();
