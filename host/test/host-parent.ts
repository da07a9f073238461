// A stand-in for the command line or the debug adapter, for the lifetime
// tests: it starts a host on a driver and says so on stdout ("started
// <phase>"), then waits to be killed. argv: driver, scenario, "debug" or
// "normal". The test kills this process and checks that the host it
// started goes too.

import { startHost } from "../src/host";
import { DEFAULT_LIMITS } from "../src/protocol";

const [driver, scenario, mode] = process.argv.slice(2);
const s = startHost({
  driver, scenario, debug: mode === "debug",
  limits: { ...DEFAULT_LIMITS, cpuMs: 20_000 },
  onMessage: (m) => { if (m.type === "phase" && m.phase === "driver") process.stdout.write("started driver\n"); },
});
if (mode === "debug") void s.debugReady?.then(() => s.start());
void s.done.then(() => process.stdout.write("host ended\n"));
