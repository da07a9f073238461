// Where in the driver something happened. A stack is captured as a V8 Error
// (cheap: V8 formats it only when read) and turned into frames of the
// driver's own source when a report needs it. Frames inside sim-core, Node
// or node_modules are dropped: a driver author wants their own lines.

import * as path from "node:path";

export interface Frame {
  readonly fn: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type FrameFilter = (file: string) => boolean;

const FRAME_RE = /^\s*at (?:(?:async |new )?(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

/**
 * A function as the kernel would name it: V8 prefixes the receiver's type
 * ("Object.edu_probe", "Module.init") and suffixes the property it was
 * called through ("[as probe]"); a C symbol has neither.
 */
function plainName(fn: string): string {
  return fn.replace(/ \[as [^\]]+\]$/, "").replace(/^(?:Object|Module)\./, "");
}

export function parseStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME_RE.exec(line);
    if (!m) continue;
    frames.push({ fn: m[1] ? plainName(m[1]) : "<anonymous>", file: m[2], line: Number(m[3]), column: Number(m[4]) });
  }
  return frames;
}

// sim-core's own code, however it is run: compiled (out/sim-core/src), through
// source maps (sim-core/src/*.ts), or bundled (then this very file is the bundle).
const THIS_FILE = parseStack(new Error().stack ?? "")[0]?.file ?? __filename;
const OWN_PREFIXES = (() => {
  const m = /^(.*[\\/]sim-core[\\/]src)[\\/]kernel[\\/]stack\.[jt]s$/.exec(THIS_FILE);
  // Compiled by tsc, this file is out/sim-core/src/kernel/stack.js; bundled, __dirname is the bundle's folder.
  const compiled = /[\\/]kernel[\\/]stack\.js$/.test(__filename) ? [path.resolve(__dirname, "..")] : [__filename];
  const roots = m ? [m[1], ...compiled] : [THIS_FILE, ...compiled];
  return roots.flatMap((r) => [r, r.replace(`${path.sep}out${path.sep}`, path.sep)]).map((r) => (r.endsWith(".js") || r.endsWith(".ts") ? r : r + path.sep));
})();

/** Default: a frame is the driver's when it is not sim-core's, Node's or a package's. */
export const isDriverFile: FrameFilter = (file) =>
  !file.startsWith("node:") && !file.includes(`${path.sep}node_modules${path.sep}`) && !OWN_PREFIXES.some((d) => file.startsWith(d));

export class CapturedStack {
  private frames: Frame[] | undefined;
  constructor(
    private readonly err: Error | undefined,
    private readonly tracker: StackTracker,
    /** Which capture of the run this was (1, 2, …): the token a replay of the run captures it by. */
    readonly seq = 0,
  ) {}
  /** The driver's frames, innermost first. */
  get driverFrames(): Frame[] {
    if (this.frames) return this.frames;
    if (!this.err) {
      // On demand and not captured: this run's report cannot be exact; the replay captures this one.
      this.tracker.missed(this.seq);
      return [];
    }
    return (this.frames = this.tracker.driverFrames(this.err.stack ?? ""));
  }
  get top(): Frame | undefined { return this.driverFrames[0]; }
  /** False for a token of an on-demand run that was not captured. */
  get recorded(): boolean { return this.err !== undefined; }
}

/**
 * "capture": a V8 stack at every record, as dma-debug and KASAN do.
 * "on-demand": only a sequence number per record. Runs are deterministic, so a
 * stack a report needs is recovered exactly by replaying the run with
 * `wanted` holding its number (see run/stacks-on-demand.ts); a run that read a
 * token it did not capture says so in `missing`, and its output is not the
 * one to show.
 */
export type StackMode = "capture" | "on-demand";

/** What recordToken() keeps: a stack, or on demand its sequence number alone (see stackOf()). */
export type StackToken = CapturedStack | number | undefined;

export class StackTracker {
  enabled = true;
  filter: FrameFilter = isDriverFile;
  /** Maps a frame of generated code (a bundle) back to its source; the driver host installs one. */
  mapFrame: (f: Frame) => Frame = (f) => f;
  /** Where frames are shown relative to (paths inside it print relative). */
  root = process.cwd();

  /** capture() and record() calls so far: the next one's token is seq + 1. */
  seq = 0;
  /** On demand: tokens a report read that were not captured, in the order read. */
  readonly missing = new Set<number>();
  /** Called the first time a report reads a token that was not captured (the host holds its output from there). */
  onMissing: ((seq: number) => void) | undefined;

  // record() runs at every allocation, mapping and free, so on demand its whole cost must be a counter:
  // `lazy` folds mode and onCapture into one flag, and the wanted tokens are walked in order (tokens only
  // grow) instead of being looked up in a set per call.
  #mode: StackMode = "capture";
  #onCapture: ((s: CapturedStack) => void) | undefined;
  #wanted: ReadonlySet<number> = new Set();
  #wantedSorted: number[] = [];
  #wantedAt = 0;
  /** The next wanted token above seq (Infinity: none). */
  #nextWanted = Infinity;
  #lazy = false;

  get mode(): StackMode { return this.#mode; }
  set mode(m: StackMode) { this.#mode = m; this.#lazy = m === "on-demand" && !this.#onCapture; }

  /** Told of every stack captured while set (FixSites watches a teardown's frames through it); record() captures meanwhile. */
  get onCapture(): ((s: CapturedStack) => void) | undefined { return this.#onCapture; }
  set onCapture(f: ((s: CapturedStack) => void) | undefined) { this.#onCapture = f; this.#lazy = this.#mode === "on-demand" && !f; }

  /**
   * On demand: the tokens this run captures for real (what an earlier attempt's reports read).
   * Read when assigned: set it before the run starts, a new set for each run.
   */
  get wanted(): ReadonlySet<number> { return this.#wanted; }
  set wanted(w: ReadonlySet<number>) {
    this.#wanted = w;
    this.#wantedSorted = [...w].sort((a, b) => a - b);
    this.#wantedAt = 0;
    this.#passWanted(this.seq);
  }

  /** Moves the wanted cursor past `seq` (the token just taken). */
  #passWanted(seq: number): void {
    const list = this.#wantedSorted;
    let i = this.#wantedAt;
    while (i < list.length && list[i] <= seq) i++;
    this.#wantedAt = i;
    this.#nextWanted = i < list.length ? list[i] : Infinity;
  }

  /** A stack to print now or to key on (lock classes, report-once sites): always captured. */
  capture(): CapturedStack | undefined {
    if (!this.enabled) return undefined;
    const seq = ++this.seq;
    if (seq >= this.#nextWanted) this.#passWanted(seq);
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40;
    const err = new Error();
    Error.stackTraceLimit = limit;
    const s = new CapturedStack(err, this, seq);
    this.#onCapture?.(s);
    return s;
  }

  /**
   * A stack kept with a record (an allocation, a mapping, a free) that only a
   * later report may print. On demand, only its token unless a replay wants it.
   * Numbered with capture() so the tokens of a replay line up with the first run's.
   */
  record(): CapturedStack | undefined {
    if (!this.enabled) return undefined;
    if (this.#lazy && this.seq + 1 < this.#nextWanted) return new CapturedStack(undefined, this, ++this.seq);
    return this.capture();
  }

  /**
   * record() for a record kept per operation at a high rate (the DMA checker's
   * map, sync and unmap): on demand, the token itself, a plain number, so that
   * nothing is allocated; else (or when a replay wants it) the captured stack.
   * stackOf() turns either into a CapturedStack when a report reads it.
   */
  recordToken(): StackToken {
    if (!this.enabled) return undefined;
    if (this.#lazy && this.seq + 1 < this.#nextWanted) return ++this.seq;
    return this.capture();
  }

  /** The stack a recordToken() stands for. */
  stackOf(t: StackToken): CapturedStack | undefined {
    return typeof t === "number" ? new CapturedStack(undefined, this, t) : t;
  }

  missed(seq: number): void {
    if (this.missing.has(seq)) return;
    this.missing.add(seq);
    if (this.missing.size === 1) this.onMissing?.(seq);
  }

  /** The driver's frames of a V8 stack, mapped to their sources. */
  driverFrames(stack: string): Frame[] {
    return parseStack(stack).map(this.mapFrame).filter((f) => this.filter(f.file));
  }

  /** A frame as scripts/decode_stacktrace.sh prints one: "fn (file:line)". */
  formatFrame(f: Frame): string {
    const rel = path.relative(this.root, f.file);
    const file = rel && !rel.startsWith("..") ? rel : f.file;
    return `${f.fn} (${file}:${f.line})`;
  }

  /** Lines of a stack dump, indented by one space like the kernel's. */
  formatStack(s: CapturedStack | undefined = this.capture()): string[] {
    if (!s) return ["(stack is not available)"];
    const frames = s.driverFrames;
    return frames.length ? frames.map((f) => " " + this.formatFrame(f)) : [" (no driver frames: called from the simulator itself)"];
  }

  /** "%pS" of the innermost driver frame. */
  symbol(s: CapturedStack | undefined = this.capture()): string {
    const top = s?.top;
    return top ? this.formatFrame(top) : "<kernel>";
  }
}
