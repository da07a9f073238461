/**
 * Inline expectations in fixture files: a comment line of carets and a rule id
 * under a line of code (`//   ^^^^^ DMA001`) says a finding of that rule starts
 * on that line, with its range covering the first caret's column.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StaticFinding } from "../src";

export interface Marker { readonly rule: string; readonly line: number; readonly column: number }

const MARKER = /^(\s*\/\/\s*)(\^+)\s+([A-Z]+\d{3})\s*$/;

export function markersOf(text: string): Marker[] {
  const lines = text.split("\n");
  const out: Marker[] = [];
  let lastCode = -1;
  lines.forEach((l, i) => {
    const m = MARKER.exec(l);
    if (m) {
      out.push({ rule: m[3]!, line: lastCode, column: m[1]!.length });
      return;
    }
    lastCode = i;
  });
  return out;
}

export function covers(f: StaticFinding, m: Marker): boolean {
  if (f.rule !== m.rule || f.range.start.line !== m.line) return false;
  const end = f.range.end.line === m.line ? f.range.end.character : Infinity;
  return m.column >= f.range.start.character && m.column < end;
}

export const ROOT = path.resolve(__dirname, "../../..");
export const FIXTURES = path.join(ROOT, "analysis/test/fixtures");

export function fixtureFiles(): string[] {
  return fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".ts")).sort().map((f) => path.join(FIXTURES, f));
}

/** Applies a fix's edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: readonly { range: StaticFinding["range"]; newText: string }[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  const off = (p: { line: number; character: number }) => (starts[p.line] ?? text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

/** Every .ts file of every sample folder (drivers, twins, scenarios), in a fixed order, with its text. */
export function sampleFiles(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const dir = path.join(ROOT, "samples");
  for (const d of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, d);
    if (!fs.statSync(p).isDirectory()) continue;
    for (const f of fs.readdirSync(p).sort()) if (f.endsWith(".ts")) out.push({ file: path.join(p, f), text: fs.readFileSync(path.join(p, f), "utf8") });
  }
  return out;
}
