// Nothing a driver or a scenario is handed leads back to the kernel: walk
// every property (own, enumerable or not, and down prototype chains) from the
// objects drivers receive — tasks and their files, address spaces and VMAs,
// PCI devices and their models — while real samples run, and look for the
// kernel or any of its subsystems (the DMA checker, the allocators, the log).

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { runScenario, type Kernel } from "../../sim-core/src";
import { bundle, evaluate } from "../src/bundle";

const ROOT = path.resolve(__dirname, "../../..");

/** The kernel and every object it holds directly: reaching any of them is reaching its state. */
function forbidden(k: Kernel): Map<object, string> {
  const out = new Map<object, string>([[k, "the Kernel"]]);
  for (const key of Reflect.ownKeys(k)) {
    const v = (k as unknown as Record<string | symbol, unknown>)[key];
    if (v && typeof v === "object" && !ArrayBuffer.isView(v)) out.set(v, `k.${String(key)}`);
  }
  // The allocator's own records: a driver holds kmem_cache handles, never the caches, their slabs or their tracks.
  for (const c of k.slab.caches) {
    out.set(c, `the slab cache ${c.name}`);
    for (const s of c.slabs) { out.set(s, `a slab of ${c.name}`); out.set(s.meta, `the object records of a slab of ${c.name}`); }
  }
  return out;
}

/** Breadth-first over property values (getters are not called), Map and Set entries, and prototypes. */
let walked: Set<object> = new Set();

function findPath(roots: Array<[string, unknown]>, bad: Map<object, string>, limit = 300_000): string | undefined {
  const seen = new Set<object>();
  const queue: Array<[unknown, string]> = roots.map(([n, v]) => [v, n]);
  while (queue.length && seen.size < limit) {
    const [v, at] = queue.shift()!;
    if ((typeof v !== "object" && typeof v !== "function") || v === null || seen.has(v)) continue;
    seen.add(v);
    if (bad.has(v)) return `${at} is ${bad.get(v)}`;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (v instanceof Map) for (const [mk, mv] of v) { queue.push([mk, `${at}.<key>`]); queue.push([mv, `${at}.get(…)`]); }
    if (v instanceof Set) for (const sv of v) queue.push([sv, `${at}.<entry>`]);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && "value" in d) queue.push([d.value, `${at}.${String(key)}`]);
    }
    queue.push([Object.getPrototypeOf(v), `${at}.__proto__`]);
  }
  walked = seen;
  return undefined;
}

function rootsOf(k: Kernel): Array<[string, unknown]> {
  const roots: Array<[string, unknown]> = [];
  for (const t of k.tasks.all.values()) roots.push([`task ${t.comm}`, t]);
  const pdevs = (k.devices as unknown as { pdevs: unknown[] }).pdevs;
  pdevs.forEach((p, i) => roots.push([`pdev${i}`, p]));
  return roots;
}

describe("the kernel is out of reach of what drivers and scenarios hold", function () {
  this.timeout(60_000);
  for (const [sample, devices] of [["simple", []], ["edu_dma", ["edu"]], ["nic_rx", ["nic"]], ["scullp", []]] as const) {
    it(`${sample}: no path from tasks, files, VMAs, PCI devices or device models to the kernel`, () => {
      const dir = path.join(ROOT, "samples", sample);
      const driver = bundle(path.join(dir, `${sample}.ts`)), scenario = bundle(path.join(dir, "scenario.ts"));
      let found: string | undefined, rootCount = 0;
      const r = runScenario({
        module: sample, boot: { devices: [...devices] },
        loadDriver: () => { evaluate(driver); },
        scenario: () => { (evaluate(scenario).default as () => void)(); },
        scenarioEnded: (k) => {
          const roots = rootsOf(k);
          rootCount = roots.length;
          found = findPath(roots, forbidden(k));
        },
      });
      assert.equal(r.failure, undefined);
      assert.ok(rootCount >= 2, `walked from ${rootCount} roots`);
      // It went where drivers' objects are: VMAs, open files, and (with a device) the PCI device's struct device.
      const has = (key: string) => [...walked].some((o) => Object.prototype.hasOwnProperty.call(o, key));
      assert.ok(has("vm_start") && has("f_op"), `the walk (${walked.size} objects) missed the VMAs or the files`);
      if (devices.length) assert.ok(has("dma_mask"), "the walk missed the struct device");
      assert.equal(found, undefined, found);
    });
  }

  // Reaching is one half; the other is what can be changed on the way. Run in a process of its own, locked as the host is.
  for (const [sample, devices] of [["simple", []], ["edu_dma", ["edu"]], ["scullp", []]] as const) {
    it(`${sample}: every prototype on the way from what drivers hold is frozen, and so are the shared text codecs`, () => {
      const out = execFileSync(process.execPath, [path.join(__dirname, "reach-writable.js"), path.join(ROOT, "samples", sample), ...devices], { encoding: "utf8" });
      const r = JSON.parse(out) as { failure?: string; walked: number; prototypes: number; writable: string[] };
      assert.equal(r.failure, undefined);
      assert.ok(r.prototypes >= 5, `the walk met only ${r.prototypes} prototypes`);
      assert.deepEqual(r.writable, []);
    });
  }

  it("the writability walk finds writable prototypes when the host is not locked (it can fail)", () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, "reach-writable.js"), path.join(ROOT, "samples", "simple")], { encoding: "utf8", env: { ...process.env, UNLOCKED: "1" } });
    const r = JSON.parse(out) as { writable: string[] };
    for (const p of ["Task.prototype", "MmStruct.prototype", "Object.prototype", "TextDecoder"]) assert.ok(r.writable.includes(p), `${p} in ${r.writable.join(", ")}`);
  });

  it("finds a path when there is one (the walk can fail)", () => {
    const k = { dma: { debug: { enabled: true } } };
    const bad = new Map<object, string>([[k.dma.debug, "k.dma.debug"]]);
    assert.equal(findPath([["pdev", { dev: { owner: k } }]], bad), "pdev.dev.owner.dma.debug is k.dma.debug");
  });
});
