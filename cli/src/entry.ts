// dist/faultline.js, the command's entry. `faultline run` spawns its driver
// host here, before the command line's bundle (dist/cli.js) is even compiled:
// the host's start (a Node start and its own code) then overlaps all of the
// command line's, which is what a run waits for first. The bundle runs from
// V8's code cache when scripts/build.mjs made one (host/src/code-cache.ts).
// This file carries only what the spawn needs (host/src/spare.ts); main.ts
// claims the host through EARLY_HOST. `faultline run` loads dist/cli-run.js, the
// same command line without what only the other commands load (180 kB to
// compile instead of 1 MB, on a core the host's start needs too).

import * as path from "node:path";
import { runCached } from "../../host/src/code-cache";
import { spawnHost } from "../../host/src/spare";
import { EARLY_HOST } from "./early-host";

if (process.argv[2] === "run" && process.argv.length > 3) {
  // --heap-mb is the one flag the host's start depends on; a value main.ts will refuse spawns nothing.
  const i = process.argv.findIndex((a) => a === "--heap-mb" || a.startsWith("--heap-mb="));
  const v = i < 0 ? undefined : process.argv[i].includes("=") ? process.argv[i].slice("--heap-mb=".length) : process.argv[i + 1];
  if (v === undefined || /^[1-9]\d*$/.test(v)) {
    try {
      (globalThis as Record<symbol, unknown>)[EARLY_HOST] = spawnHost({ heapMb: v === undefined ? undefined : Number(v) });
    } catch {
      /* main.ts tries again, and the run says why it cannot start */
    }
  }
}

runCached(path.join(__dirname, process.argv[2] === "run" ? "cli-run.js" : "cli.js"), module, require);
