// A name imported from a kernel header that the header does not have would
// bundle fine (esbuild leaves the API external) and then oops at run time as
// "(0, import_slab.kvmaloc) is not a function". A C compiler refuses it at
// build time ("implicit declaration of function 'kvmaloc'; did you mean
// 'kvmalloc'?"), and so does this: the bundle's uses of each API binding are
// checked against what the header exports, and reported in the source's own
// lines through the source map.

import { originalPositionFor, type TraceMap } from "@jridgewell/trace-mapping";

/** A use of a header's binding in esbuild's CommonJS output: `import_slab.kmalloc` or, for `import * as mm`, `mm.get_page`. */
const BINDING_RE = /\bvar ([A-Za-z_$][\w$]*) = (?:__toESM\()?require\("((?:linux|asm|faultline)\/[^"]+)"\)/g;

export interface MissingImport {
  header: string;
  name: string;
  /** The closest name the header does have, when one is close enough to be a typo. */
  suggestion?: string;
  /** Other headers that export this exact name. */
  elsewhere: string[];
  /** When the header has nothing close: a close name in another header, as [header, name]. */
  elsewhereSuggestion?: [string, string];
  file?: string;
  line?: number;
  column?: number;
}

/**
 * Every member of an API header the bundle uses that the header does not
 * export. `exportsOf` gives a header's export names (undefined: not an API header).
 */
export function missingApiImports(code: string, map: TraceMap | undefined, exportsOf: (header: string) => readonly string[] | undefined, headers: readonly string[]): MissingImport[] {
  const out: MissingImport[] = [];
  const seen = new Set<string>();
  for (const b of code.matchAll(BINDING_RE)) {
    const [, binding, header] = b;
    const names = exportsOf(header);
    if (!names) continue;
    const have = new Set(names);
    const use = new RegExp(`(?<![\\w$.])${binding.replace(/\$/g, "\\$")}\\.([A-Za-z_$][\\w$]*)`, "g");
    use.lastIndex = (b.index ?? 0) + b[0].length;
    for (let m = use.exec(code); m; m = use.exec(code)) {
      const name = m[1];
      if (have.has(name) || name === "default" || seen.has(`${header}\0${name}`)) continue;
      seen.add(`${header}\0${name}`);
      const where = map ? locate(code, m.index + binding.length + 1, map) : {};
      const suggestion = nearest(name, names);
      const elsewhere = headers.filter((h) => h !== header && exportsOf(h)?.includes(name));
      let elsewhereSuggestion: [string, string] | undefined;
      if (!suggestion && !elsewhere.length) {
        for (const h of headers) {
          const n = h === header ? undefined : nearest(name, exportsOf(h) ?? []);
          if (n) { elsewhereSuggestion = [h, n]; break; }
        }
      }
      out.push({ header, name, suggestion, elsewhere, elsewhereSuggestion, ...where });
    }
  }
  return out;
}

/** The compiler-style line for one missing import. */
export function describeMissingImport(m: MissingImport, displayFile: (f: string) => string): string {
  const where = m.file ? `${displayFile(m.file)}:${m.line}:${(m.column ?? 0) + 1}: ` : "";
  const hint = m.elsewhere.length ? `; it is declared in \`${m.elsewhere.join("`, `")}\``
    : m.suggestion ? `; did you mean \`${m.suggestion}\`?`
    : m.elsewhereSuggestion ? `; did you mean \`${m.elsewhereSuggestion[1]}\` from \`${m.elsewhereSuggestion[0]}\`?` : "";
  return `${where}error: \`${m.header}\` has no \`${m.name}\`${hint}`;
}

function locate(code: string, offset: number, map: TraceMap): { file?: string; line?: number; column?: number } {
  let line = 1;
  for (let i = code.indexOf("\n"); i >= 0 && i < offset; i = code.indexOf("\n", i + 1)) line++;
  const col = offset - (code.lastIndexOf("\n", offset - 1) + 1);
  const pos = originalPositionFor(map, { line, column: col });
  if (pos.source == null || pos.line == null) return {};
  return { file: pos.source, line: pos.line, column: pos.column ?? 0 };
}

/** The name closest to `name` by edit distance (transpositions count once), if close enough to be a slip. */
export function nearest(name: string, names: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  let best: string | undefined, bestD = limit + 1;
  for (const n of names) {
    if (Math.abs(n.length - name.length) > limit) continue;
    const d = distance(name.toLowerCase(), n.toLowerCase());
    if (d < bestD || (d === bestD && best !== undefined && n < best)) { best = n; bestD = d; }
  }
  return bestD <= limit ? best : undefined;
}

/** Optimal-string-alignment distance. */
function distance(a: string, b: string): number {
  const rows = a.length + 1, cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}
