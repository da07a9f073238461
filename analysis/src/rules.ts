import { RULES, type Rule, type RuleId } from "../../sim-core/src/rules/catalogue";

/**
 * The catalogue's rules these analyses report, in catalogue order. A rule is
 * listed only when some analysis can produce it; analysis/test/fixtures has a
 * file per rule that proves it (the fixtures test fails for a listed rule
 * nothing triggers, and for a finding of an unlisted one).
 */
export const IMPLEMENTED_RULES: readonly RuleId[] = Object.freeze([
  "DMA001", "DMA002", "DMA003", "DMA004", "DMA005", "DMA006", "DMA007", "DMA008", "DMA010", "DMA011", "DMA012", "DMA013", "DMA014",
  "DMA017", "DMA018", "DMA020", "DMA023", "DMA025",
  "MEM001", "MEM002", "MEM003", "MEM004", "MEM006", "MEM007", "MEM009",
  "PG002", "PG003", "PG004", "PG005", "PG006", "PG007", "PG008",
  "MM001", "MM002", "MM003", "MM004", "MM005", "MM007", "MM009",
  "CTX001", "CTX002",
] satisfies RuleId[]);

/** The catalogue entries of the implemented rules. */
export function staticRules(): Rule[] {
  const set = new Set<string>(IMPLEMENTED_RULES);
  return RULES.filter((r) => set.has(r.id));
}
