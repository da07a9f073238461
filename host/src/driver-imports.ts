// A driver is kernel code: it may import kernel headers, not the user
// program's API (faultline/user: processes, syscalls, the program's output).
// A driver importing it could print forged program output or start
// processes of its own, so it is a bundle error naming the import, in the
// driver's own line, and the driver's realm does not serve the module either.

import { displayPath, mapFrame, type Bundle } from "./sourcemap";

/** API modules that belong to user space: a scenario's, never a driver's. */
export const USER_ONLY_MODULES: readonly string[] = Object.freeze(["faultline/user"]);

const REQUIRE_RE = /\brequire\("([^"]+)"\)/g;

/** One line per user-space import of a driver bundle ("drv.ts:3:1: error: …"); empty when there is none. */
export function userImportsOfDriver(b: Bundle): string[] {
  const out: string[] = [];
  const code = b.code;
  for (const m of code.matchAll(REQUIRE_RE)) {
    if (!USER_ONLY_MODULES.includes(m[1])) continue;
    const before = code.slice(0, m.index);
    const line = before.split("\n").length;
    const column = m.index! - before.lastIndexOf("\n") - 1;
    const f = mapFrame([b], { fn: "", file: b.filename, line, column: column + 1 });
    const where = f.file !== b.filename ? `${displayPath(f.file)}:${f.line}:${f.column}: ` : "";
    out.push(`${where}error: a driver cannot import "${m[1]}": it is the user program's API (processes, system calls, the program's output); a driver may import only kernel headers (linux/*, asm/*, faultline/ptr)`);
  }
  return out;
}
