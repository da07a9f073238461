// The messages between the driver host (a child process) and whoever started
// it: the command line now, the debug adapter next. Child to parent, each
// message is one line of JSON written synchronously as it happens, so a host
// that dies mid-run has already delivered everything before its death.
// Parent to child, requests are lines of JSON on the child's stdin.

import type { BootOptions, LogRecord, RuleId } from "../../sim-core/src";

/** A place in the user's TypeScript. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly fn?: string;
}

/** A bundle as the parent built it: the child evaluates code, maps frames with the map. */
export interface BundleData {
  readonly filename: string;
  readonly code: string;
  /** The source map, JSON. */
  readonly map: string;
}

export interface HostLimits {
  /** CPU time for the whole run, in milliseconds (a driver that spins is stopped here). */
  readonly cpuMs: number;
  /** The child's V8 heap cap, in MiB. */
  readonly heapMb: number;
  /** Kernel log lines a run may print before it is stopped as a log flood. */
  readonly logLines: number;
  /** Bytes of kernel log text a run may print (long lines flood too). */
  readonly logBytes: number;
  /** The host process's whole memory (resident: heap, ArrayBuffers, strings), in MiB, watched by its watchdog. */
  readonly memoryMb: number;
  /** Program output (the scenario's stdout) a run may write, in characters (bytes, for ASCII); the rest is cut. */
  readonly stdoutBytes: number;
}

export const DEFAULT_LIMITS: HostLimits = Object.freeze({ cpuMs: 10_000, heapMb: 512, logLines: 20_000, logBytes: 4 << 20, memoryMb: 1536, stdoutBytes: 1 << 20 });

/** The longest message line the parent reads; the host keeps every message below it. */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** What to run: JSON-safe (boot options without callbacks). */
export interface RunRequest {
  readonly driver: BundleData;
  readonly scenario: BundleData;
  readonly module: string;
  readonly boot?: Omit<BootOptions, "onLog">;
  readonly params?: Readonly<Record<string, string>>;
  readonly limits: HostLimits;
  /** A debug run: start the inspector relay, say debug-ready, and wait for start. */
  readonly debug?: boolean;
  /**
   * Stacks on demand (issue 14): allocations, mappings and frees keep a token; only the tokens in `wanted`
   * (what an earlier play's reports read) are captured. Absent: every stack is captured.
   */
  readonly stacks?: { readonly wanted: readonly number[] };
  /** Test hook: collect garbage once the run has ended, so that finalizers the driver registered fall due after it. */
  readonly gcAtEnd?: boolean;
}

export type HostRequest = { readonly type: "run"; readonly run: RunRequest } | { readonly type: "start" };

export interface FindingData {
  readonly rule: RuleId;
  readonly title: string;
  readonly message: string;
  readonly location?: SourceLocation;
  readonly stack: readonly SourceLocation[];
  readonly report: readonly string[];
  /** The line to change when it is not `location` (the teardown missing a free or an unmap). */
  readonly fix?: { readonly fn: string; readonly location?: SourceLocation; readonly why: string };
  /** How many times the same rule fired at this line with this fix (one bug, one buffer after another); absent when once. */
  readonly count?: number;
}

export interface ProcessData {
  readonly pid: number;
  readonly comm: string;
  readonly code: number;
  readonly signal?: string;
}

/** Why a run did not end normally. */
export type FailureKind =
  | "bundle"               // the driver or scenario does not build
  | "oops"                 // the kernel oopsed in the driver (a throw, a bad access)
  | "assertion"            // a scenario expectation failed
  | "insmod" | "rmmod"     // the module would not load or unload
  | "cpu-limit"            // the driver spun past the CPU-time limit
  | "heap"                 // the host ran out of heap (V8's heap cap)
  | "memory"               // the host's resident memory passed its limit (ArrayBuffers, strings, the heap)
  | "log-flood"            // the driver printed past the log limit
  | "unhandled-rejection"  // a promise was rejected and nobody handled it
  | "host-exit"            // the host process ended without finishing (process.exit, a crash)
  | "internal";            // a bug in Faultline itself

export interface Failure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly location?: SourceLocation;
  readonly stack?: readonly SourceLocation[];
  /** More lines of explanation, for a terminal. */
  readonly detail?: readonly string[];
}

export interface RunSummary {
  readonly insmod: number;
  readonly rmmod: number;
  readonly completed: boolean;
  readonly processes: readonly ProcessData[];
  /** Kernel log lines printed before the module was loaded (the boot log). */
  readonly bootLines: number;
  /** Stacks on demand: tokens a report read that this play did not capture (the parent replays the run for them). */
  readonly stacksMissing?: readonly number[];
  /** The run's kernel was the default profile's, booted while the host waited for its request (preboot.ts). */
  readonly prebooted?: boolean;
}

export type HostMessage =
  | { readonly type: "ready"; readonly node: string; /** How the host's bundle was compiled (code-cache.ts): "accepted" when from its code cache. */ readonly codeCache?: string }
  /** A debug run's inspector relay is up: CDP flows on fds 4 and 5; the run waits for a start request. */
  | { readonly type: "debug-ready" }
  | { readonly type: "phase"; readonly phase: "booted" | "driver" | "scenario" | "rmmod"; readonly wallMs: number }
  | { readonly type: "log"; readonly record: LogRecord }
  | { readonly type: "stdout"; readonly text: string }
  | { readonly type: "finding"; readonly finding: FindingData }
  /** The finding sent `index`-th by this host happened again: its count now. */
  | { readonly type: "finding-count"; readonly index: number; readonly count: number }
  | { readonly type: "maps"; readonly pid: number; readonly comm: string; readonly text: string }
  | { readonly type: "failure"; readonly failure: Failure }
  | { readonly type: "end"; readonly summary: RunSummary }
  /** Stacks on demand: a report just read a stack this play did not capture; what follows is replaced by a replay's. */
  | { readonly type: "stacks-pending" }
  /** The host's watchdog is about to kill the host: past its memory or wall-clock limit. */
  | { readonly type: "killed"; readonly reason: "memory" | "time"; readonly mb?: number; readonly detail?: string };
