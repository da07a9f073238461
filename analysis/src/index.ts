// The static analyses' public entry: used by server/ and cli/ (faultline check).
export * from "./types";
export { analyzeSource, analyzeFiles, collectFiles, suppress, type SiblingResolver } from "./analyze";
export { ruleDocPath } from "./docs";
export { IMPLEMENTED_RULES, staticRules } from "./rules";
