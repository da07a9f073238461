import type { RuleId } from "../../sim-core/src/rules/catalogue";

/**
 * Where a rule's documentation page lives, relative to the repository root,
 * so GitHub renders it (helpUri in SARIF, codeDescription.href in the LSP).
 */
export function ruleDocPath(id: RuleId | string): string {
  return `docs/rules/${id}.md`;
}
