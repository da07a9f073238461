// The parent's line reader: whatever the chunking, it yields the lines that
// were sent, in order; a line longer than the bound is dropped (and said
// so), not held; the lines after it still arrive.

import { strict as assert } from "node:assert";
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { readLines } from "../src/host";

async function feed(chunks: string[], max: number): Promise<{ lines: string[]; tooLong: number[] }> {
  const s = new PassThrough();
  const lines: string[] = [], tooLong: number[] = [];
  readLines(s, (l) => lines.push(l), max, (n) => tooLong.push(n));
  for (const c of chunks) s.write(c);
  s.end();
  await new Promise((r) => s.on("end", r));
  return { lines, tooLong };
}

/** Cuts text into chunks at the given points. */
function chunk(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const c of at) { out.push(text.slice(from, c)); from = c; }
  out.push(text.slice(from));
  return out.filter((c) => c.length);
}

describe("the parent's line reader", () => {
  it("yields exactly the complete lines sent, however they are chunked", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.string({ maxLength: 40 }).map((s) => s.replace(/\n/g, "")), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      async (lines, cuts) => {
        const text = lines.map((l) => l + "\n").join("");
        const got = await feed(chunk(text, cuts), Infinity);
        assert.deepEqual(got.lines, lines);
      },
    ));
  });

  it("drops a line longer than the bound, says how long it was, and goes on with the next", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 30 })), { maxLength: 15 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      async (spec, cuts) => {
        const max = 10;
        const lines = spec.map(([long, n], i) => (long ? "L".repeat(max + 1 + n) : `${i}`.padEnd(Math.min(n, max), "s")));
        const got = await feed(chunk(lines.map((l) => l + "\n").join(""), cuts), max);
        assert.deepEqual(got.lines, lines.filter((l) => l.length <= max));
        assert.deepEqual(got.tooLong, lines.filter((l) => l.length > max).map((l) => l.length));
      },
    ));
  });

  it("keeps a partial line until its newline, and nothing of an unfinished one at the end", async () => {
    assert.deepEqual((await feed(["ab", "c\nde", "f\ng"], Infinity)).lines, ["abc", "def"]);
  });
});
