// Findings: a rule from the catalogue that fired, with the report the real
// kernel's checker would print and the driver line that caused it. And the
// oops, which unwinds the driver's call the way a kernel oops kills the task.

import { formatRuleMessage, getRule, type RuleId } from "../rules/catalogue";
import type { CapturedStack, Frame } from "./stack";
import type { FixSite } from "./fixsite";

export interface Finding {
  readonly seq: number;
  readonly rule: RuleId;
  readonly title: string;
  /** The catalogue's message, filled in. */
  readonly message: string;
  /** The report as the kernel log shows it. */
  readonly report: readonly string[];
  /** The innermost driver frame, where an editor would put the squiggle. */
  readonly location?: Frame;
  readonly stack: readonly Frame[];
  /**
   * The line to change, when the checker knows it: Linux's report points at the
   * allocation or the detection, the fix goes where the free, unmap, sync,
   * check or undo is missing. It may be `location` itself when the report's
   * line is the one to change but what to do there is not obvious (a sync
   * before this access, the second of two frees, naming the first).
   */
  readonly fix?: FixSite;
  /**
   * How many times the same misuse was reported: the same rule at the same
   * driver line with the same line to change (one buffer after another, one
   * call after another). The report and message are the first one's; absent
   * when it happened once.
   */
  readonly count?: number;
}

/**
 * What makes two reports one bug: the rule, the driver line it points at and
 * the line to change. A report with no driver line is never merged.
 */
export function repeatKey(f: Finding): string | undefined {
  const at = f.location;
  if (!at) return undefined;
  const fix = f.fix;
  const fixAt = fix?.location ? `${fix.location.file}:${fix.location.line}` : "";
  return `${f.rule}@${at.file}:${at.line}|${fix ? `${fix.fn}@${fixAt}` : ""}`;
}

export interface FindingInput {
  rule: RuleId;
  params: Record<string, string | number>;
  report: string[];
  stack?: CapturedStack;
  fix?: FixSite;
}

/** Thrown through the driver's code by an oops. */
export class KernelOops extends Error {
  override readonly name = "KernelOops";
  constructor(
    readonly headline: string,
    readonly address: number,
    readonly report: readonly string[],
    readonly location: Frame | undefined,
    /** The catalogue rule behind the oops; none for the driver's own BUG_ON(). */
    readonly rule: RuleId | undefined,
  ) {
    super(headline);
  }
}

/**
 * Ends the whole run, not just the driver's call: a limit the host enforces
 * (CPU time, kernel log volume) was reached. Passes through every handler of
 * driver exceptions so nothing in the kernel turns it into an oops.
 */
export class RunAborted extends Error {
  override readonly name = "RunAborted";
  constructor(
    readonly kind: string,
    message: string,
    /** The driver's frame where it happened, when known. */
    readonly location: Frame | undefined,
    readonly stack_: readonly Frame[] = [],
  ) {
    super(message);
  }
}

export const REPORT_RULE = "==================================================================";

export function makeFinding(seq: number, f: FindingInput): Finding {
  const frames = f.stack?.driverFrames ?? [];
  return Object.freeze({
    seq,
    rule: f.rule,
    title: getRule(f.rule).title,
    message: formatRuleMessage(f.rule, f.params),
    report: Object.freeze([...f.report]),
    location: frames[0],
    stack: Object.freeze([...frames]),
    ...(f.fix ? { fix: f.fix } : {}),
  });
}
