// Command-line flags, with errors that name the flag and what was wrong.

// From the leaf modules, not sim-core's index: every command parses its flags, and `faultline run` must not load
// the kernel to do it (its start is the edit-run loop's).
import { MAX_MEM, MIN_MEM, type ArchName } from "../../sim-core/src/arch/profile";
import { formatSize, parseSize } from "../../sim-core/src/util/addr";
import type { BootOptions } from "../../sim-core/src";

export class UsageError extends Error {}

export interface Parsed {
  command: string | undefined;
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) { positional.push(a); continue; }
    const eq = a.indexOf("=");
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--") && VALUE_FLAGS.has(a.slice(2))) flags.set(a.slice(2), argv[++i]);
    else flags.set(a.slice(2), true);
  }
  return { command: positional.shift(), positional, flags };
}

const VALUE_FLAGS = new Set(["arch", "mem", "seed", "scenario", "cpu-ms", "heap-mb", "format", "reporter", "jobs"]);

/** --arch, --mem, --seed, --pae into boot options. */
export function bootOptions(flags: Map<string, string | true>): BootOptions {
  const opts: BootOptions = {};
  const arch = flags.get("arch");
  if (arch !== undefined) {
    if (arch !== "i386" && arch !== "x86_64") throw new UsageError(`--arch must be i386 or x86_64, got ${arch === true ? "nothing" : `"${arch}"`}`);
    opts.arch = arch as ArchName;
  }
  const mem = flags.get("mem");
  if (mem !== undefined) {
    if (mem === true) throw new UsageError("--mem needs a size, e.g. --mem 256M or --mem 4G");
    let bytes: number;
    try { bytes = parseSize(mem); } catch (e) { throw new UsageError(`--mem: ${(e as Error).message}`); }
    if (bytes < MIN_MEM || bytes > MAX_MEM) throw new UsageError(`--mem ${mem} is outside ${formatSize(MIN_MEM)} to ${formatSize(MAX_MEM)}`);
    opts.mem = bytes;
  }
  const seed = flags.get("seed");
  if (seed !== undefined) {
    if (seed === true || !/^(0x[0-9a-f]+|\d+)$/i.test(seed)) throw new UsageError(`--seed must be a number, got ${seed === true ? "nothing" : `"${seed}"`}`);
    opts.seed = Number(seed);
  }
  if (flags.has("pae")) opts.pae = true;
  return opts;
}
