import type { AnalysisOptions, StaticFinding } from "./types";

/** Resolves a relative import of the analysed file ("./helpers") to its text, or undefined. */
export type SiblingResolver = (relativeImport: string) => { fileName: string; text: string } | undefined;

/** Analyses one driver file (placeholder until the rules land; the signature is final). */
export function analyzeSource(fileName: string, text: string, options?: AnalysisOptions, siblings?: SiblingResolver): StaticFinding[] {
  void fileName; void text; void options; void siblings;
  return [];
}

/** Analyses files from disk (faultline check). */
export function analyzeFiles(paths: readonly string[], options?: AnalysisOptions): StaticFinding[] {
  void paths; void options;
  return [];
}
