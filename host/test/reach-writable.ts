// Run as a process of its own by reach.test.ts (argv: sample folder, device
// names): it locks this process down as the driver host locks itself
// (lockdownHostRealm, freezeClassPrototypes) — which a mocha process shared
// with other tests must not do — plays the sample, and walks everything a
// driver or scenario holds, as reach.test.ts does, printing as JSON every
// prototype or shared built-in on the way that is still writable.

import * as path from "node:path";
import { runScenario } from "../../sim-core/src";
import { API_MODULES } from "../src/api-modules";
import { bundle, evaluate } from "../src/bundle";
import { KERNEL_CLASSES } from "../src/kernel-classes";
import { freezeClassPrototypes, lockdownHostRealm } from "../src/sandbox";

const [dir, ...devices] = process.argv.slice(2);
const sample = path.basename(dir);
const driver = bundle(path.join(dir, `${sample}.ts`)), scenario = bundle(path.join(dir, "scenario.ts"));
// UNLOCKED=1 leaves the lockdown out: the test's proof that the walk can find something.
if (!process.env.UNLOCKED) {
  lockdownHostRealm();
  freezeClassPrototypes([...API_MODULES.values(), ...KERNEL_CLASSES]);
}

/** Objects reached as prototypes (or the text codecs both realms share) that can still be changed. */
function writable(roots: Array<[string, unknown]>): { walked: number; prototypes: number; writable: string[] } {
  const seen = new Set<object>();
  const protos = new Map<object, string>();
  const out: string[] = [];
  const queue: Array<[unknown, string, boolean]> = roots.map(([n, v]) => [v, n, false]);
  while (queue.length && seen.size < 300_000) {
    const [v, at, isProto] = queue.shift()!;
    if ((typeof v !== "object" && typeof v !== "function") || v === null) continue;
    if (isProto && !protos.has(v)) protos.set(v, at);
    if (seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (v instanceof Map) for (const [mk, mv] of v) { queue.push([mk, `${at}.<key>`, false]); queue.push([mv, `${at}.get(…)`, false]); }
    if (v instanceof Set) for (const sv of v) queue.push([sv, `${at}.<entry>`, false]);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && "value" in d) queue.push([d.value, `${at}.${String(key)}`, false]);
    }
    queue.push([Object.getPrototypeOf(v), `${at}.__proto__`, true]);
  }
  for (const [p, where] of protos) if (!Object.isFrozen(p)) out.push(`${(p as { constructor?: { name?: string } }).constructor?.name ?? "?"}.prototype${process.env.REACH_PATHS ? ` at ${where}` : ""}`);
  for (const c of [TextEncoder, TextDecoder]) if (!Object.isFrozen(c) || !Object.isFrozen(c.prototype)) out.push(c.name);
  return { walked: seen.size, prototypes: protos.size, writable: [...new Set(out)] };
}

let result: ReturnType<typeof writable> | undefined;
const r = runScenario({
  module: sample, boot: { devices },
  loadDriver: () => { evaluate(driver); },
  scenario: () => { (evaluate(scenario).default as () => void)(); },
  scenarioEnded: (k) => {
    const roots: Array<[string, unknown]> = [];
    for (const t of k.tasks.all.values()) roots.push([`task ${t.comm}`, t]);
    (k.devices as unknown as { pdevs: unknown[] }).pdevs.forEach((p, i) => roots.push([`pdev${i}`, p]));
    result = writable(roots);
  },
});
process.stdout.write(JSON.stringify({ failure: r.failure, ...result }) + "\n");
