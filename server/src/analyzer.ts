// Where the analyses run: in this thread, or in a worker thread so the
// server keeps answering (lenses, code actions, cancels) while a large file
// is analysed, and so a cancel or an edit can cut an analysis short: the
// worker's isCancelled() reads a flag in shared memory that this thread sets
// the moment the $/cancelRequest or didChange is read.

import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { AnalysisCancelled, analyzeSource, type AnalysisOptions, type StaticFinding } from "../../analysis/src";
import type { SiblingResolver } from "../../analysis/src";

/** Set to 1 (Atomics) to cancel one analysis. */
export type CancelFlag = Int32Array;
export const newCancelFlag = (): CancelFlag => new Int32Array(new SharedArrayBuffer(4));
export const cancel = (f: CancelFlag) => { Atomics.store(f, 0, 1); };
export const isSet = (f: CancelFlag) => Atomics.load(f, 0) === 1;

export interface AnalyzeJob {
  readonly fileName: string;
  readonly text: string;
  readonly rules: AnalysisOptions["rules"];
  /** Texts of open documents by path: siblings are read from these first, then from disk. */
  readonly open: ReadonlyMap<string, string>;
  readonly flag: CancelFlag;
  /** Also polled in this thread (the in-process analyzer only). */
  readonly isCancelled?: () => boolean;
}

/** Runs one analysis; rejects with AnalysisCancelled when cut short, with the analysis's own error when it throws. */
export type Analyzer = (job: AnalyzeJob, siblings: SiblingResolver) => Promise<StaticFinding[]>;

export function inProcessAnalyzer(analyze: typeof analyzeSource = analyzeSource): Analyzer {
  return async (job, siblings) => analyze(job.fileName, job.text, { rules: job.rules, isCancelled: () => isSet(job.flag) || job.isCancelled?.() === true }, siblings);
}

interface Request { id: number; fileName: string; text: string; rules: AnalysisOptions["rules"]; open: [string, string][]; flag: SharedArrayBuffer }
type Reply = { id: number; ok: true; findings: StaticFinding[] } | { id: number; ok: false; cancelled: boolean; message: string; stack?: string };

/** An Error that carries the worker's stack. */
class AnalysisError extends Error {
  constructor(message: string, stack?: string) { super(message); this.name = "AnalysisError"; if (stack) this.stack = stack; }
}

/**
 * One worker, started on first use and again after it dies. `script` is a
 * file that calls runAnalysisWorker() when it is not the main thread (main.ts,
 * or the bundle dist/server.js, which is main.ts).
 */
export class WorkerAnalyzer {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: StaticFinding[]) => void; reject: (e: unknown) => void }>();
  constructor(private readonly script: string, private readonly log: (s: string) => void = () => undefined) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script, { workerData: { faultlineAnalysisWorker: true } });
    w.unref();
    w.on("message", (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.findings);
      else p.reject(r.cancelled ? new AnalysisCancelled() : new AnalysisError(r.message, r.stack));
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.log(`faultline: the analysis worker ${why}; it restarts on the next request`);
      for (const [, p] of this.pending) p.reject(new AnalysisError(`the analysis worker ${why}`));
      this.pending.clear();
    };
    w.on("error", (e) => fail(`failed: ${e instanceof Error ? e.message : String(e)}`));
    w.on("exit", (code) => fail(`exited with code ${code}`));
    this.worker = w;
    return w;
  }

  readonly analyze: Analyzer = (job) => new Promise<StaticFinding[]>((resolve, reject) => {
    const id = this.nextId++;
    this.pending.set(id, { resolve, reject });
    const req: Request = { id, fileName: job.fileName, text: job.text, rules: job.rules, open: [...job.open], flag: job.flag.buffer as SharedArrayBuffer };
    this.start().postMessage(req);
  });

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

/** The worker's side: answers analysis requests one at a time. */
export function runAnalysisWorker(readFile: (file: string) => string | undefined, candidates: (from: string, spec: string) => string[]): void {
  if (isMainThread || !parentPort) throw new Error("runAnalysisWorker() runs in a worker thread");
  const port = parentPort;
  port.on("message", (req: Request) => {
    const flag = new Int32Array(req.flag);
    const open = new Map(req.open);
    const siblings: SiblingResolver = (spec) => {
      for (const c of candidates(req.fileName, spec)) {
        const text = open.get(c) ?? readFile(c);
        if (text !== undefined) return { fileName: c, text };
      }
      return undefined;
    };
    let reply: Reply;
    try {
      reply = { id: req.id, ok: true, findings: analyzeSource(req.fileName, req.text, { rules: req.rules, isCancelled: () => isSet(flag) }, siblings) };
    } catch (e) {
      reply = { id: req.id, ok: false, cancelled: e instanceof AnalysisCancelled, message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
    }
    port.postMessage(reply);
  });
}
