// Run by bench/host.ts in a process of its own: a driver's first line with a
// spare host already started and ready (what the editor and `faultline test`
// use, issue 14). Each round spawns a spare (host/src/spare.ts spawnHost),
// waits for its "ready" and a little more (so its start-up is not on the
// clock), then times startHost(spec, { spare }) to the driver's first
// pr_info: bundling the driver and the scenario, the request, the host's
// boot, the driver's first statement. Two kinds of round, alternating: the
// fixture as it is (its bundles come from the cache, as when a run is started
// again unchanged) and a copy of the driver edited just before (bundled
// afresh, as after an edit; the scenario still cached). Prints
// {"spareMs": [...], "editedMs": [...]} on stdout.
//
//   node out/bench/host-spare.js <rounds>
//
// The host is out/'s (out/host/src/child.js, compiled by tsc), not dist/host.js:
// the two differ in how long the host takes to load, which a spare has done
// before its request, not in what follows the request.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const DRIVER = path.join(ROOT, "bench", "host", "first_line", "first_line.ts");
const SCENARIO = path.join(ROOT, "bench", "host", "first_line", "scenario.ts");
const FIRST_LINE_RE = /^first_line: first line at (\d+) ms$/;
/** After "ready": the spare's own start-up (its JIT, the exit of its first turn) is done by then. */
const SETTLE_MS = 100;

interface Spare { readonly ready: boolean; readonly usable: boolean }
interface HostApi {
  spawnHost(o: { cwd?: string }): Spare;
  startHost(spec: { driver: string; scenario: string; cwd?: string }, o: { spare: Spare }): { done: Promise<{ log: Array<{ text: string }>; failures: Array<{ message: string }> }> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(api: HostApi, driver = DRIVER): Promise<number> {
  const spare = api.spawnHost({ cwd: ROOT });
  const until = performance.now() + 10_000;
  while (!spare.ready) {
    if (!spare.usable || performance.now() > until) throw new Error("the spare host did not come up");
    await sleep(2);
  }
  await sleep(SETTLE_MS);
  const t0 = Date.now();
  const r = await api.startHost({ driver, scenario: SCENARIO, cwd: ROOT }, { spare }).done;
  if (r.failures.length) throw new Error(`the fixture's run failed: ${r.failures.map((f) => f.message).join("; ")}`);
  const m = r.log.map((x) => FIRST_LINE_RE.exec(x.text)).find((x) => x);
  if (!m) throw new Error(`no "first line at" line in the kernel log of the fixture's run`);
  return Number(m[1]) - t0;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require(path.join(__dirname, "..", "host", "src", "host.js")) as HostApi;
  // Warm-up: this process's first bundle starts esbuild's service; the editor's and faultline test's have it running.
  await once(api);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-bench-spare-"));
  const text = fs.readFileSync(DRIVER, "utf8");
  const spareMs: number[] = [], editedMs: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      spareMs.push(await once(api));
      // An edit the bundle shows (a different string), saved now: no cache can serve it.
      const edited = path.join(dir, "first_line.ts");
      fs.writeFileSync(edited, text.replace("first line at", "first line at") + `\nexport const round = ${i};\n`);
      editedMs.push(await once(api, edited));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ spareMs, editedMs }) + "\n");
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
