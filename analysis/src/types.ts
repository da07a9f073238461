/**
 * The contract between the static analyses and their two callers, the
 * language server (server/) and `faultline check` (cli/). No LSP or editor
 * types: positions are 0-based line/character like the TypeScript compiler's
 * own `getLineAndCharacterOfPosition`, and the callers convert.
 */
import type { RuleId } from "../../sim-core/src/rules/catalogue";

export interface Position { readonly line: number; readonly character: number }
export interface Range { readonly start: Position; readonly end: Position }

export type Severity = "error" | "warning" | "information" | "hint";

/** A place in a file other than the finding's own, with what it is ("mapped for the device here"). */
export interface RelatedLocation { readonly file: string; readonly range: Range; readonly message: string }

export interface TextEdit { readonly range: Range; readonly newText: string }

/** A mechanical fix: edits to one file, applied in order of their ranges. */
export interface Fix { readonly title: string; readonly file: string; readonly edits: readonly TextEdit[]; readonly preferred?: boolean }

export interface StaticFinding {
  readonly rule: RuleId;
  readonly file: string;
  readonly range: Range;
  /** The catalogue's template filled in for this finding. */
  readonly message: string;
  readonly severity: Severity;
  readonly related: readonly RelatedLocation[];
  readonly fixes: readonly Fix[];
  /** "unnecessary" | "deprecated", where the editor can render them (PG008). */
  readonly tags?: readonly ("unnecessary" | "deprecated")[];
}

export interface AnalysisOptions {
  /** Rules turned off or given another severity ("off" drops them). */
  readonly rules?: Readonly<Partial<Record<RuleId, Severity | "off">>>;
  /** Polled between functions: when it returns true the analysis stops and throws `AnalysisCancelled`. */
  readonly isCancelled?: () => boolean;
  /**
   * false: parse from scratch and analyse every function, leaving the caches of
   * earlier analyses of the file alone (the tests compare this pass with the
   * incremental one). Default true.
   */
  readonly reuse?: boolean;
}

export class AnalysisCancelled extends Error {
  constructor() { super("analysis cancelled"); this.name = "AnalysisCancelled"; }
}
