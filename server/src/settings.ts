// The `faultline.*` settings as the server uses them. Whatever the client
// sends is validated here: an unknown rule or severity is dropped (and named
// in `problems`), never passed on to the analyses.

import { isRuleId, type RuleId } from "../../sim-core/src/rules/catalogue";
import type { AnalysisOptions, Severity } from "../../analysis/src";

export type RuleSetting = Severity | "off";
const RULE_SETTINGS: readonly RuleSetting[] = ["off", "error", "warning", "information", "hint"];

export interface Settings {
  /** Rules turned off or given another severity, workspace-wide. */
  readonly rules: Readonly<Partial<Record<RuleId, RuleSetting>>>;
  /** False: diagnose on open and save only, not while typing. */
  readonly onType: boolean;
}

export const DEFAULT_SETTINGS: Settings = Object.freeze({ rules: Object.freeze({}), onType: true });

/** Reads the `faultline` section (`{ rules, check: { onType } }`); `problems` lists what was ignored. */
export function parseSettings(section: unknown): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const s = obj(section);
  if (!s) return { settings: DEFAULT_SETTINGS, problems: section == null ? [] : ["faultline: the settings are not an object"] };
  const rules: Partial<Record<RuleId, RuleSetting>> = {};
  const r = obj(s.rules);
  if (s.rules !== undefined && !r) problems.push("faultline.rules: not an object");
  for (const [id, v] of Object.entries(r ?? {})) {
    const level = typeof v === "string" ? v.toLowerCase() : v;
    if (!isRuleId(id)) problems.push(`faultline.rules: no rule ${id}`);
    else if (!RULE_SETTINGS.includes(level as RuleSetting)) problems.push(`faultline.rules.${id}: "${String(v)}" is not one of ${RULE_SETTINGS.join(", ")}`);
    else rules[id] = level as RuleSetting;
  }
  const check = obj(s.check);
  let onType = true;
  if (check && check.onType !== undefined) {
    if (typeof check.onType === "boolean") onType = check.onType;
    else problems.push("faultline.check.onType: not a boolean");
  }
  return { settings: { rules, onType }, problems };
}

export function analysisOptions(settings: Settings, isCancelled?: () => boolean): AnalysisOptions {
  return isCancelled ? { rules: settings.rules, isCancelled } : { rules: settings.rules };
}
