// The adapter's pure parts, without a host: breakpoint placement from the
// source maps, hit conditions, filter conditions, memory references and the
// step-back timeline.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import fc from "fast-check";
import { bundle } from "../../host/src/bundle";
import { originalOf, resolveBreakpoint, scriptBundle } from "../src/breakpoints";
import { parseMemoryReference } from "../src/memory";
import { evalCondition, hitConditionMet } from "../src/runtime";
import { Timeline } from "../src/timeline";
import { ROOT } from "./client";

describe("debug adapter: pure parts", () => {
  const SIMPLE = path.join(ROOT, "samples/simple/simple.ts");
  const script = scriptBundle(bundle(SIMPLE));

  it("every TS line with code binds to itself, and maps back to itself", () => {
    const lines = [...script.codeLines.values()][0];
    assert.ok(lines.size > 30);
    for (const l of lines) {
      const r = resolveBreakpoint([script], SIMPLE, l);
      assert.ok(r.ok, `line ${l}`);
      assert.equal(r.line, l);
      assert.equal(originalOf(script, r.lineNumber, r.columnNumber)?.line, l, `bundle position of line ${l} maps back`);
    }
  });

  it("a line without code moves down to the next line that has code; far below the end nothing binds", () => {
    const r = resolveBreakpoint([script], SIMPLE, 47); // a doc comment above simple_vma_fault
    assert.ok(r.ok && r.line === 49, JSON.stringify(r.ok ? r.line : r.message));
    const none = resolveBreakpoint([script], SIMPLE, 10_000);
    assert.equal(none.ok, false);
    const elsewhere = resolveBreakpoint([script], path.join(ROOT, "samples/scullp/scullp.ts"), 5);
    assert.ok(!elsewhere.ok && /not part of this run/.test(elsewhere.message));
  });

  it("hit conditions as DAP clients write them", () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => hitConditionMet("2", n)), [false, true, false, false]);
    assert.deepEqual([1, 2, 3, 4].map((n) => hitConditionMet(">=3", n)), [false, false, true, true]);
    assert.deepEqual([1, 2, 3, 4].map((n) => hitConditionMet("%2", n)), [false, true, false, true]);
    assert.deepEqual([1, 2].map((n) => hitConditionMet("nonsense", n)), [true, true]);
  });

  it("filter conditions see the event's fields and nothing else", () => {
    assert.equal(evalCondition("write && address >= 0x7f0000000000", { write: true, address: 0x7f0000001000 }), true);
    assert.equal(evalCondition("rule === 'DMA001'", { rule: "DMA011" }), false);
    assert.throws(() => evalCondition("no_such_field > 1", { rule: "x" }), /not defined/);
  });

  it("memory references round-trip for every space and address", () => {
    fc.assert(fc.property(fc.constantFrom("phys", "kva", "uva"), fc.nat(1 << 20), fc.integer({ min: 0, max: 2 ** 47 }), fc.nat(4096), (space, pid, addr, off) => {
      const ref = space === "uva" ? `uva:${pid}:0x${addr.toString(16)}` : `${space}:0x${addr.toString(16)}`;
      const m = parseMemoryReference(ref, off)!;
      assert.equal(m.space, space);
      assert.equal(m.addr, addr + off);
      if (space === "uva") assert.equal(m.pid, pid);
    }));
    assert.equal(parseMemoryReference("0x1000")?.space, "kva");
    assert.equal(parseMemoryReference("bogus"), undefined);
  });

  it("the timeline finds the previous stop and the previous breakpoint", () => {
    const t = new Timeline();
    t.stopped({ reason: "entry" });
    t.resumed({ kind: "continue" });
    t.stopped({ reason: "breakpoint" });
    t.resumed({ kind: "next" });
    t.stopped({ reason: "step" });
    t.resumed({ kind: "next" });
    t.stopped({ reason: "step" });
    assert.equal(t.current, 3);
    assert.equal(t.previous(), 2);
    assert.equal(t.previousBreak(), 1);
    t.reset(2, t.actions);
    assert.deepEqual(t.actions.map((a) => a.kind), ["continue", "next"]);
    t.stopped({ reason: "step" });
    assert.equal(t.current, 2);
    assert.equal(t.previousBreak(), 1);
  });
});
