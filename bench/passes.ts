// Configurations compared by ratio (stacks on demand against off, the DMA
// checker on against off) are timed in long-lived child processes, one per
// configuration, taking turns at short passes.
//
// Two processes of the same configuration do not run at the same speed: an
// A/A comparison (off against off) on this 2-core VM under load gives 0.75x to
// 1.3x from one pair of processes to the next, however many rounds they run.
// So the whole comparison is made `sets` times, each with fresh processes, and
// the median over the sets is reported.
//
// A process of its own per configuration: a user runs one configuration or the
// other, and code shared by both would otherwise carry the JIT feedback of both
// (which slows the checked path more than a real run ever sees). Turns of short
// passes rather than one long run each: on a shared 2-core machine the load
// changes from one second to the next, and passes a few milliseconds apart see
// the same load, so each round's ratio is taken between neighbours, and the
// median over many rounds drops the rounds that another process disturbed.

import { fork, type ChildProcess } from "node:child_process";

/** What one pass measured: its time, and whatever else the bench counts (a reference's time, faults). */
export type PassSample = Readonly<Record<string, number>> & { readonly ms: number };

type Request = { warm: number } | { pass: true } | { exit: true };
type Reply = { ready: true } | { warmed: true } | { sample: PassSample } | { error: string };

export const PASS_CHILD_FLAG = "--pass-child";

/** True in a child started by interleave(): the bench file should call servePasses() instead of its main. */
export function isPassChild(argv = process.argv): boolean {
  return argv[2] === PASS_CHILD_FLAG;
}

/** The configuration a child was started with (interleave()'s `configs[i]`). */
export function passChildArgs(argv = process.argv): string[] {
  return argv.slice(3);
}

/**
 * In the child: set up once (`setup` boots the kernel and returns the pass),
 * then answer the parent, one pass per request. Nothing else runs meanwhile.
 */
export function servePasses(setup: () => () => PassSample): void {
  const send = (r: Reply) => process.send!(r);
  let pass: () => PassSample;
  try {
    pass = setup();
  } catch (e) {
    send({ error: e instanceof Error ? e.stack ?? e.message : String(e) });
    return;
  }
  process.on("message", (m: Request) => {
    try {
      if ("exit" in m) process.exit(0);
      if ("warm" in m) {
        for (let i = 0; i < m.warm; i++) pass();
        return send({ warmed: true });
      }
      send({ sample: pass() });
    } catch (e) {
      send({ error: e instanceof Error ? e.stack ?? e.message : String(e) });
    }
  });
  send({ ready: true });
}

class PassChild {
  private readonly proc: ChildProcess;
  private waiting: ((r: Reply) => void) | undefined;
  private failed: Error | undefined;
  constructor(readonly script: string, readonly args: string[]) {
    this.proc = fork(script, [PASS_CHILD_FLAG, ...args], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.proc.on("message", (r: Reply) => { const w = this.waiting; this.waiting = undefined; w?.(r); });
    this.proc.on("exit", (code) => {
      this.failed ??= new Error(`bench child ${args.join(" ")} exited with ${code}`);
      const w = this.waiting; this.waiting = undefined; w?.({ error: this.failed.message });
    });
  }
  private next(): Promise<Reply> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve) => { this.waiting = resolve; });
  }
  private async ask(m: Request | undefined): Promise<Reply> {
    const reply = this.next();
    if (m) this.proc.send(m);
    const r = await reply;
    if ("error" in r) throw new Error(`bench child (${this.args.join(" ")}): ${r.error}`);
    return r;
  }
  ready(): Promise<Reply> { return this.ask(undefined); }
  warm(n: number): Promise<Reply> { return this.ask({ warm: n }); }
  async pass(): Promise<PassSample> {
    const r = await this.ask({ pass: true });
    return (r as { sample: PassSample }).sample;
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve();
      this.proc.once("exit", () => resolve());
      this.proc.send({ exit: true });
    });
  }
}

export interface InterleaveOptions {
  /** Untimed passes each child runs first (the JIT settles). */
  readonly warm: number;
  /** Rounds per set: in each, every configuration runs one pass. */
  readonly rounds: number;
  /** Times the comparison is made, each with fresh processes. */
  readonly sets: number;
}

/** Each configuration's samples, round by round, for each set: `[set][config][round]`. */
export type Interleaved = PassSample[][][];

/**
 * For each set: starts one child of `script` per configuration, warms each
 * up, then runs `rounds` rounds in which every configuration takes one pass,
 * the order rotating from round to round (no configuration always goes first).
 */
export async function interleave(script: string, configs: string[][], opts: InterleaveOptions): Promise<Interleaved> {
  const sets: Interleaved = [];
  for (let set = 0; set < opts.sets; set++) {
    const kids: PassChild[] = [];
    try {
      // Started one after another: a boot competing with another boot only makes both slower.
      for (const args of configs) {
        const kid = new PassChild(script, args);
        kids.push(kid);
        await kid.ready();
      }
      for (const kid of kids) await kid.warm(opts.warm);
      const samples: PassSample[][] = configs.map(() => []);
      for (let r = 0; r < opts.rounds; r++) {
        for (let j = 0; j < kids.length; j++) {
          const i = (set + r + j) % kids.length;
          samples[i].push(await kids[i].pass());
        }
      }
      sets.push(samples);
    } finally {
      await Promise.all(kids.map((k) => k.close()));
    }
  }
  return sets;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * How many times longer configuration `slow` takes than `base`: in each set,
 * the median over its rounds of the round's ratio (the two passes of a round
 * ran milliseconds apart, under the same load); then the median over the sets.
 */
export function roundRatio(x: Interleaved, slow: number, base: number, key = "ms"): number {
  return median(x.map((set) => median(set[slow].map((s, r) => s[key] / set[base][r][key]))));
}

/** Every pass of one configuration, over all sets. */
export function allPasses(x: Interleaved, config: number): PassSample[] {
  return x.flatMap((set) => set[config]);
}
