/**
 * docs/rules/: a page per rule, generated from the catalogue, that GitHub
 * renders (the help link of every diagnostic and SARIF result points here),
 * and an index that says which rules are found statically, dynamically or
 * both *as implemented*: static from IMPLEMENTED_RULES, dynamic from the
 * catalogue's flag for the simulated kernel. Written by scripts/rule-docs.mjs;
 * a test fails when the committed pages are not what this renders.
 */
import { PLACEHOLDER_DOCS, RULE_CATEGORIES, RULES, placeholdersOf, type Rule, type RuleCategory } from "../../sim-core/src/rules/catalogue";
import { escapeMarkdown } from "../../sim-core/src/rules/docs";
import { IMPLEMENTED_RULES } from "./rules";

const GENERATED = "<!-- Generated from sim-core/src/rules/catalogue.ts and analysis/src/rules.ts by scripts/rule-docs.mjs; do not edit. -->";

export type Detection = "static" | "dynamic" | "both" | "neither";

export function detectionOf(rule: Rule): Detection {
  const s = (IMPLEMENTED_RULES as readonly string[]).includes(rule.id);
  return s && rule.dynamic ? "both" : s ? "static" : rule.dynamic ? "dynamic" : "neither";
}

const DETECTION_TEXT: Readonly<Record<Detection, string>> = {
  static: "static: `faultline check` and the language server find it before the driver runs",
  dynamic: "dynamic: the simulated kernel finds it while the driver runs (`faultline run`, `faultline test`)",
  both: "static and dynamic: `faultline check` and the language server find it before the driver runs, the simulated kernel while it runs",
  neither: "not detected yet",
};

function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** One rule's page, docs/rules/<ID>.md. */
export function renderRulePage(rule: Rule): string {
  const d = detectionOf(rule);
  const lines = [
    GENERATED,
    "",
    `# ${rule.id}: ${escapeMarkdown(rule.title)}`,
    "",
    escapeMarkdown(rule.summary),
    "",
    `- **Category:** ${RULE_CATEGORIES[rule.category]}`,
    `- **Detection:** ${DETECTION_TEXT[d]}`,
    `- **Linux anchor:** ${escapeMarkdown(rule.anchor)}`,
    ...(rule.beyond ? ["- **Beyond:** no Linux checker finds this; Faultline does."] : []),
    `- **Runtime report:** ${code(rule.message)}`,
    ...(d === "static" || d === "both" ? [`- **Silence one line:** ${code(`// faultline-disable-next-line ${rule.id}`)} above it, or ${code(`// faultline-disable-line ${rule.id}`)} at its end`] : []),
    "",
    rule.docs,
    "",
  ];
  const used = placeholdersOf(rule.message);
  if (used.length) {
    lines.push("## Report placeholders", "");
    for (const name of used) lines.push(`- ${code(`{${name}}`)}: ${escapeMarkdown(PLACEHOLDER_DOCS[name] ?? "")}`);
    lines.push("");
  }
  lines.push("[All rules](README.md)", "");
  return lines.join("\n");
}

/** docs/rules/README.md: every rule by category with how it is detected today. */
export function renderRuleIndex(): string {
  const out = [
    GENERATED,
    "",
    "# Faultline rules",
    "",
    "Every misuse Faultline knows, and how it is found as implemented today: **static** by `faultline check` and the " +
      "language server before the driver runs, **dynamic** by the simulated kernel while it runs, or **both**. " +
      "The ids are stable: use them in suppression comments (`// faultline-disable-next-line DMA001`) and in the " +
      "`faultline.rules` setting.",
    "",
  ];
  const count = (d: Detection) => RULES.filter((r) => detectionOf(r) === d).length;
  out.push(`${RULES.length} rules: ${count("both")} both, ${count("static")} static only, ${count("dynamic")} dynamic only${count("neither") ? `, ${count("neither")} not detected yet` : ""}.`, "");
  const byCategory = new Map<RuleCategory, Rule[]>();
  for (const r of RULES) byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r]);
  for (const [cat, rules] of byCategory) {
    out.push(`## ${RULE_CATEGORIES[cat]}`, "", "| id | misuse | detection |", "| --- | --- | --- |");
    for (const r of rules) out.push(`| [${r.id}](${r.id}.md) | ${escapeMarkdown(r.title).replace(/\|/g, "\\|")} | ${detectionOf(r)} |`);
    out.push("");
  }
  return out.join("\n");
}

/** Every file of docs/rules/, by name. */
export function renderRuleDocsTree(): Map<string, string> {
  const files = new Map<string, string>();
  files.set("README.md", renderRuleIndex());
  for (const r of RULES) files.set(`${r.id}.md`, renderRulePage(r));
  return files;
}
