// The parent's line reader (host/src/host.ts readLines), the one every host
// message goes through, against the plainest reader of the same bytes in the
// same run: the chunks joined into one string, split("\n"). Both get the
// input as a pipe delivers it, in 64 KiB chunks; the reader's cost must stay a small
// multiple of the split's, also for one line of tens of MiB spread over
// hundreds of chunks (a reader that rescans its growing buffer on every chunk
// is quadratic there: issue 12 saw 78-85 s for a 48 MiB message).
//
//   node out/bench/lines.js [--quick] [--json FILE]
//
// Needs out/host compiled (npx tsc -b host): the reader is loaded from there
// rather than compiled into this project, which references sim-core only.

import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

type ReadLines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void, max?: number, onTooLong?: (length: number) => void) => void;

/** readLines() over split("\n") of the same input, at most. */
export const TARGET_LINES_RATIO = 3;
/** The reader's time for an input twice as long over its time for the input, at most (linear: 2). */
export const TARGET_LINES_SCALING = 3;

const CHUNK = 64 * 1024;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** A stream as readLines() uses it: data events only, delivered synchronously so the timing is the reader's alone. */
function feed(read: ReadLines, chunks: readonly string[], max: number): number {
  let onData: ((c: string) => void) | undefined;
  const stream = { setEncoding() { return stream; }, on(ev: string, cb: (c: string) => void) { if (ev === "data") onData = cb; return stream; } };
  let seen = 0;
  read(stream as unknown as NodeJS.ReadableStream, (l) => { seen += l.length + 1; }, max, (n) => { seen += n + 1; });
  for (const c of chunks) onData!(c);
  return seen;
}

/** The plainest reader of the same chunks: all of them joined, then split once (no limit, no streaming). */
function split(chunks: readonly string[]): number {
  let seen = 0;
  const lines = chunks.join("").split("\n");
  lines.pop(); // what follows the last newline: nothing, in these inputs
  for (const l of lines) seen += l.length + 1;
  return seen;
}

function chunked(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += CHUNK) out.push(s.slice(i, i + CHUNK));
  return out;
}

/** Host messages as they are: a JSON object a line, about 200 characters. */
function messages(totalChars: number): string {
  const one = JSON.stringify({ type: "log", record: { seq: 0, tsNs: 1234567890, level: 6, text: "hostile: a line of the kernel log, as a driver's pr_info() prints it, with a number 12345" } });
  return `${one}\n`.repeat(Math.ceil(totalChars / (one.length + 1)));
}

/** One message of n characters, the failure a 48 MiB Error message makes. */
function oneLine(n: number): string {
  return `${"x".repeat(n)}\n`;
}

export interface LinesCase { name: string; chars: number; readerMs: number; splitMs: number; ratio: number; doubledMs: number; scaling: number }

function measure(read: ReadLines, name: string, make: (n: number) => string, n: number, max: number, rounds: number): LinesCase {
  const input = make(n), doubled = make(2 * n);
  const chunks = chunked(input), chunks2 = chunked(doubled);
  const reader: number[] = [], ref: number[] = [], twice: number[] = [];
  feed(read, chunks, max); split(chunks); // warm-up: compiled code on both sides
  for (let r = 0; r < rounds; r++) {
    // Interleaved: a slow moment of a shared machine falls on both sides.
    let t = performance.now();
    const a = feed(read, chunks, max);
    reader.push(performance.now() - t);
    t = performance.now();
    const b = split(chunks);
    ref.push(performance.now() - t);
    t = performance.now();
    feed(read, chunks2, max);
    twice.push(performance.now() - t);
    if (a !== b) throw new Error(`${name}: the reader saw ${a} characters, the split ${b}`);
  }
  const readerMs = median(reader), splitMs = median(ref), doubledMs = median(twice);
  return { name, chars: input.length, readerMs, splitMs, ratio: readerMs / splitMs, doubledMs, scaling: doubledMs / readerMs };
}

export function benchLines(quick: boolean): LinesCase[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readLines } = require(path.join(__dirname, "..", "host", "src", "host.js")) as { readLines: ReadLines };
  const { MAX_MESSAGE_BYTES } = require(path.join(__dirname, "..", "host", "src", "protocol.js")) as { MAX_MESSAGE_BYTES: number };
  const rounds = quick ? 3 : 7, MiB = 1 << 20, size = quick ? 8 * MiB : 48 * MiB;
  return [
    measure(readLines, "messages (~200 chars a line)", messages, size, MAX_MESSAGE_BYTES, rounds),
    measure(readLines, "one line, kept", oneLine, size, Infinity, rounds),
    measure(readLines, "one line, dropped past the limit", oneLine, size, MAX_MESSAGE_BYTES, rounds),
  ];
}

export function printLines(cases: readonly LinesCase[]): void {
  const f = (x: number) => x.toFixed(1);
  console.log("Line reader (host/src/host.ts readLines, 64 KiB chunks) vs join + split(\"\\n\") of the same chunks");
  console.log(["case".padEnd(34), "MiB".padStart(5), "reader ms".padStart(10), "split ms".padStart(9), "ratio".padStart(6), "2x ms".padStart(8), "scaling".padStart(8)].join("  "));
  for (const c of cases) {
    console.log([c.name.padEnd(34), f(c.chars / (1 << 20)).padStart(5), f(c.readerMs).padStart(10), f(c.splitMs).padStart(9), f(c.ratio).padStart(6), f(c.doubledMs).padStart(8), f(c.scaling).padStart(8)].join("  "));
  }
  // Scaling is judged where the reader takes long enough to time (20 ms): a few milliseconds can double with one GC pause.
  // The kept long line is always among them, and it is where a rescanning reader turns quadratic.
  const timed = cases.filter((c) => c.readerMs >= 20 || c.name === "one line, kept");
  const worst = Math.max(...cases.map((c) => c.ratio)), worstScaling = Math.max(...timed.map((c) => c.scaling));
  console.log(`target: reader / split <= ${TARGET_LINES_RATIO}x: worst ${f(worst)}x ${worst <= TARGET_LINES_RATIO ? "ok" : "MISSED"}`);
  console.log(`target: time(2x input) / time(input) <= ${TARGET_LINES_SCALING} (cases of 20 ms or more): worst ${f(worstScaling)} ${worstScaling <= TARGET_LINES_SCALING ? "ok" : "MISSED"}\n`);
}

if (require.main === module) {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "string" } } });
  const cases = benchLines(!!values.quick);
  printLines(cases);
  if (values.json) writeFileSync(values.json, JSON.stringify({ lines: cases }, null, 2));
}
