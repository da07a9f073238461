// FrameBags (the DMA checker's page and cache-line indexes) against a Map of
// arrays, the structure it replaces: same entries in the same order per key,
// same size, same "other entry already there", across chunks and sweeps.

import assert from "node:assert/strict";
import fc from "fast-check";

import type { DmaEntry } from "../src/dma/debug";
import { FrameBags } from "../src/dma/frame-bags";

describe("FrameBags", () => {
  it("behaves as a Map of arrays under random adds and deletes", () => {
    const ents = Array.from({ length: 6 }, (_, i) => ({ id: i }) as unknown as DmaEntry);
    // Keys spread over many chunks (512 keys each), so that empty chunks are swept.
    const key = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 200 }).map((n) => n * 512 + 7), fc.constant(2 ** 40 + 3));
    const op = fc.record({ add: fc.boolean(), k: key, e: fc.integer({ min: 0, max: 5 }) });
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const b = new FrameBags(), ref = new Map<number, DmaEntry[]>();
      for (const { add, k, e } of ops) {
        const list = ref.get(k) ?? [];
        if (add) {
          if (list.includes(ents[e])) continue; // an entry is indexed once per key
          assert.equal(b.add(k, ents[e]), list[0]);
          ref.set(k, [...list, ents[e]]);
        } else {
          b.del(k, ents[e]);
          const rest = list.filter((x) => x !== ents[e]);
          if (rest.length) ref.set(k, rest); else ref.delete(k);
        }
        assert.equal(b.size, ref.size);
        assert.deepEqual(b.get(k) ? [...b.get(k)!] : undefined, ref.get(k));
        assert.equal(b.has(k), ref.has(k));
      }
      for (const [k, list] of ref) assert.deepEqual([...b.get(k)!], list);
    }), { numRuns: 200 });
  });
});
