// Faultline's own LSP messages, declared once for the server and the client
// (as rust-analyzer's lsp_ext.ts and vscode-eslint's customMessages.ts do).
// Pure declarations and one conversion helper: no server state, so the client
// bundle can import this file without pulling the server in.

import { NotificationType, type Range } from "vscode-languageserver-protocol";

/** Where the static diagnostics come from. */
export const STATIC_SOURCE = "faultline";
/** Where the findings of the last run or debug session come from. */
export const RUN_SOURCE = "faultline (run)";

/** The code lens commands; the client implements them. Argument: the file's URI (string). */
export const Commands = {
  runScenario: "faultline.runScenario",
  debugScenario: "faultline.debugScenario",
  /** Server-side: a workspace-wide check with work-done progress; answers a `CheckWorkspaceResult`. */
  checkWorkspace: "faultline.checkWorkspace",
} as const;

export interface CheckWorkspaceResult {
  /** Driver files analysed. */
  readonly files: number;
  /** Findings over all of them, after settings. */
  readonly findings: number;
  /** True when the check was cancelled before it went through every file. */
  readonly cancelled: boolean;
}

/** One runtime finding, already in LSP terms (0-based lines and characters). */
export interface RunFinding {
  readonly rule: string;
  readonly message: string;
  readonly uri: string;
  readonly range: Range;
  /** Defaults to "error": the simulated kernel saw it happen. */
  readonly severity?: "error" | "warning" | "information" | "hint";
  /** The report as the kernel log printed it; shown as the diagnostic's further lines. */
  readonly report?: readonly string[];
  readonly related?: readonly { readonly uri: string; readonly range: Range; readonly message: string }[];
}

/**
 * The findings of the last run or debug session. Each notification replaces
 * everything an earlier one said; a file's findings stay until that file
 * changes.
 */
export interface RunFindingsParams {
  readonly findings: readonly RunFinding[];
}

export namespace RunFindingsNotification {
  export const method = "faultline/runFindings" as const;
  export const type = new NotificationType<RunFindingsParams>(method);
}

/**
 * The server's state, for a status item and for tests to wait on instead of
 * sleeping: `quiescent` is true when no analysis is queued or running.
 */
export interface StatusParams {
  readonly health: "ok" | "warning" | "error";
  readonly quiescent: boolean;
  readonly message?: string;
}

export namespace StatusNotification {
  export const method = "faultline/status" as const;
  export const type = new NotificationType<StatusParams>(method);
}

/** LSP clamps a character past the line to its end (uinteger max). */
export const END_OF_LINE = 2147483647;

/** A frame as sim-core reports it: 1-based line and column. */
export interface RuntimeFrame { readonly fn: string; readonly file: string; readonly line: number; readonly column: number }

/**
 * A sim-core runtime finding (`Finding` of sim-core/src/kernel/report.ts) as
 * a `RunFinding`, or undefined when it has no driver location. `uriOf` turns
 * the frame's file (a path) into a URI.
 */
export function toRunFinding(
  f: {
    readonly rule: string; readonly message: string; readonly report?: readonly string[]; readonly location?: RuntimeFrame; readonly stack?: readonly RuntimeFrame[];
    /** The line to change when it is not the detection (sim-core's Finding.fix). */
    readonly fix?: { readonly fn: string; readonly location?: RuntimeFrame; readonly why: string };
    /** How many times the same misuse was reported here (sim-core's Finding.count). */
    readonly count?: number;
  },
  uriOf: (file: string) => string,
): RunFinding | undefined {
  const at = f.location ?? f.stack?.[0];
  if (!at) return undefined;
  const pos = (fr: RuntimeFrame) => ({ line: Math.max(0, fr.line - 1), character: Math.max(0, fr.column - 1) });
  const range = (fr: RuntimeFrame) => ({ start: pos(fr), end: { line: pos(fr).line, character: END_OF_LINE } });
  const callers = (f.stack ?? []).filter((fr) => fr !== at && !(fr.file === at.file && fr.line === at.line)).slice(0, 8);
  // The fix comes first among the related places: it is the one to go to. Without a line it is said in the message.
  const fixAt = f.fix?.location;
  const fix = fixAt ? [{ uri: uriOf(fixAt.file), range: range(fixAt), message: `fix here (${f.fix!.fn}): ${f.fix!.why}` }] : [];
  const message = f.count ? `${f.message} (${f.count} times at this line)` : f.message;
  return {
    rule: f.rule, message: f.fix && !fixAt ? `${message}\nfix in ${f.fix.fn}(): ${f.fix.why}` : message, uri: uriOf(at.file), range: range(at), report: f.report,
    related: [...fix, ...callers.map((fr) => ({ uri: uriOf(fr.file), range: range(fr), message: `called from ${fr.fn}` }))],
  };
}
