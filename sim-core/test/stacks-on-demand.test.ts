// Stacks on demand in-process (issue 14): the same KASAN and bad-page
// reports as sim-core/test/golden.test.ts, played once capturing every stack
// and once with tokens and replays, must print the same bytes; and the
// tokens must stay uncaptured where no report reads them.

import { strict as assert } from "node:assert";
import fc from "fast-check";
import { Kernel, bindKernel, withStacksOnDemand, type BootOptions } from "../src";
import { store8 } from "../src/api/faultline/ptr";
import { GFP_KERNEL, __free_pages, alloc_pages } from "../src/api/linux/gfp";
import { kfree, kmalloc } from "../src/api/linux/slab";
import { StackTracker, type CapturedStack } from "../src/kernel/stack";

/** Boots, plays `body`, returns the kernel log it printed. */
function play(opts: BootOptions, body: () => void, configure: (k: Kernel) => void = () => {}): { kernel: Kernel; value: string } {
  const k = Kernel.boot({ arch: "x86_64", mem: "256M", ...opts });
  configure(k);
  bindKernel(k);
  try {
    const before = k.log.records().length;
    body();
    return { kernel: k, value: k.log.records().slice(before).map((r) => r.text).join("\n") + "\n" };
  } finally {
    bindKernel(undefined);
  }
}

/** The harness's own frames (this test's callbacks) differ in line between the two plays; the rest must not. */
const harnessLines = (log: string) => log.replace(/^( Context\.<anonymous> \(.*?):\d+\)$/gm, "$1:<line>)");

function slabOutOfBounds(): void { const p = kmalloc(13, GFP_KERNEL); store8(p + 13, 1); kfree(p); }
function doubleFree(): void { const p = kmalloc(200, GFP_KERNEL); kfree(p); kfree(p); }
function useAfterFree(): void { const p = kmalloc(64, GFP_KERNEL); kfree(p); store8(p + 8, 1); }
function pagesDoubleFree(): void { const pg = alloc_pages(GFP_KERNEL, 1)!; __free_pages(pg, 1); __free_pages(pg, 1); }
function quiet(): void { for (let i = 0; i < 100; i++) kfree(kmalloc(32 + i, GFP_KERNEL)); }

describe("stacks on demand (in-process)", () => {
  const cases: Array<[string, BootOptions, () => void, RegExp]> = [
    ["KASAN slab-out-of-bounds", {}, slabOutOfBounds, /Allocated by task 1:\n slabOutOfBounds \(/],
    ["KASAN double-free (i386)", { arch: "i386", mem: "64M" }, doubleFree, /Freed by task 1:\n doubleFree \(/],
    ["KASAN use-after-free", {}, useAfterFree, /Allocated by task 1:\n useAfterFree \([^]*?\n\nFreed by task 1:\n useAfterFree \(/],
    ["double __free_pages", {}, pagesDoubleFree, /page last allocated by task 1:\n pagesDoubleFree \(/],
  ];
  for (const [name, opts, body, recorded] of cases) {
    it(`${name}: the same bytes as with every stack captured`, () => {
      // One callback for both plays, so the harness's frames are the same functions in both.
      const attempt = (configure: (k: Kernel) => void) => play(opts, body, configure);
      const eager = attempt(() => {}).value;
      assert.match(eager, recorded, "the report prints the stack recorded at the allocation or free");
      const lazy = withStacksOnDemand(attempt);
      assert.equal(harnessLines(lazy.value), harnessLines(eager));
      assert.ok(lazy.stacks.replays >= 1 && lazy.stacks.captured >= 1, `replayed ${lazy.stacks.replays}x, captured ${lazy.stacks.captured}`);
      assert.equal(lazy.stacks.fallback, undefined);
    });
  }

  it("a run whose reports read no recorded stack is played once and captures none", () => {
    let k: Kernel | undefined;
    const lazy = withStacksOnDemand((configure) => { const r = play({}, quiet, configure); k = r.kernel; return r; });
    assert.equal(lazy.stacks.replays, 0);
    assert.equal(lazy.stacks.captured, 0);
    assert.ok(k!.stacks.seq >= 200, `every kmalloc and kfree took a token (${k!.stacks.seq})`);
  });

  it("record() captures exactly the wanted tokens, whatever captures and watchers come between", () => {
    // An op is a record(), a capture() (always captured, and it takes a token too), or a watcher set or
    // cleared around the calls (FixSites during a teardown: record() then captures everything).
    const op = fc.constantFrom("record", "record", "record", "capture", "watch", "unwatch");
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.uniqueArray(fc.integer({ min: 1, max: 70 }), { maxLength: 12 }), (ops, wanted) => {
      const t = new StackTracker();
      t.mode = "on-demand";
      t.wanted = new Set(wanted);
      let watching = false;
      for (const o of ops) {
        if (o === "watch") { t.onCapture = () => {}; watching = true; continue; }
        if (o === "unwatch") { t.onCapture = undefined; watching = false; continue; }
        const s: CapturedStack = o === "record" ? t.record()! : t.capture()!;
        assert.equal(s.seq, t.seq, "tokens are numbered in call order");
        const expected: boolean = o === "capture" || watching || wanted.includes(s.seq);
        assert.equal(s.recorded, expected, `${o} #${s.seq} (watching: ${watching}) captured: ${s.recorded}`);
      }
    }));
  });
});
