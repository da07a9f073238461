/**
 * Renders the rule docs page from the catalogue. The page is generated, never
 * edited by hand: change ./catalogue.ts instead.
 */

import {
  PLACEHOLDER_DOCS,
  RULE_CATEGORIES,
  RULES,
  placeholdersOf,
  type Rule,
  type RuleCategory,
  type RuleId,
} from "./catalogue";

/** HTML anchor of a rule on the docs page, e.g. "mem002". */
export function ruleDocsAnchor(id: RuleId): string {
  return id.toLowerCase();
}

function detection(rule: Rule): string {
  const parts: string[] = [];
  if (rule.static) parts.push("static (language server)");
  if (rule.dynamic) parts.push("dynamic (simulated kernel)");
  return parts.join(", ");
}

/** Escapes characters that markdown would read as formatting in plain text. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>]/g, (c) => `\\${c}`);
}

/** Inline code span that survives backticks inside the text. */
function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function renderRule(rule: Rule): string {
  const flags = [rule.static ? "S" : "", rule.dynamic ? "D" : ""].filter(Boolean).join(" ");
  const lines = [
    `<a id="${ruleDocsAnchor(rule.id as RuleId)}"></a>`,
    "",
    `## ${rule.id} — ${escapeMarkdown(rule.title)}`,
    "",
    escapeMarkdown(rule.summary),
    "",
    `- **Detection:** ${flags} — ${detection(rule)}`,
    `- **Linux anchor:** ${escapeMarkdown(rule.anchor)}`,
    ...(rule.beyond ? ["- **Beyond:** no Linux checker finds this; Faultline does."] : []),
    `- **Report:** ${code(rule.message)}`,
    "",
    rule.docs,
    "",
  ];
  return lines.join("\n");
}

/** The whole rule docs page, one `## ID — title` section per rule, in catalogue order. */
export function renderRuleDocs(): string {
  const out: string[] = [
    "# Faultline misuse rules",
    "",
    "<!-- Generated from sim-core/src/rules/catalogue.ts by renderRuleDocs(); do not edit. -->",
    "",
    "Every misuse Faultline knows. **S**: the language server finds it before the driver runs. " +
      "**D**: the simulated kernel finds it while the driver runs. **Beyond** marks rules no Linux checker finds. " +
      "The ids are stable: use them in suppression comments.",
    "",
  ];

  const byCategory = new Map<RuleCategory, Rule[]>();
  for (const rule of RULES) {
    const list = byCategory.get(rule.category) ?? [];
    list.push(rule);
    byCategory.set(rule.category, list);
  }
  for (const [category, rules] of byCategory) {
    out.push(`**${RULE_CATEGORIES[category]}:** ` +
      rules.map((r) => `[${r.id}](#${ruleDocsAnchor(r.id as RuleId)})`).join(", "), "");
  }

  for (const rule of RULES) out.push(renderRule(rule));

  const used = new Set<string>();
  for (const rule of RULES) for (const name of placeholdersOf(rule.message)) used.add(name);
  out.push("## Report placeholders", "");
  out.push("The **Report** lines above are templates; the checker fills these placeholders:", "");
  for (const name of [...used].sort()) out.push(`- ${code(`{${name}}`)}: ${escapeMarkdown(PLACEHOLDER_DOCS[name] ?? "")}`);
  out.push("");

  return out.join("\n");
}
