import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  PLACEHOLDER_DOCS,
  RULES,
  RULE_IDS,
  formatRuleMessage,
  getRule,
  isRuleId,
  placeholdersOf,
  ruleMessageParams,
  type RuleCategory,
} from "../src/rules/catalogue";
import { escapeMarkdown, renderRuleDocs } from "../src/rules/docs";

const CATEGORIES: readonly RuleCategory[] = ["DMA", "MEM", "PG", "MM", "CTX", "LOCK", "IRQ"];
/** Categories added after shared/design/RULES.md was written (issues 13 and 12): the cross-check leaves them out. */
const NOT_IN_RULES_MD: readonly RuleCategory[] = ["LOCK", "IRQ"];
/** Rules added to an existing category after RULES.md was written (issue 13: debugobjects' timer report). */
const NOT_IN_RULES_MD_IDS: readonly string[] = ["MEM009"];
/** Rules RULES.md plans as dynamic only that the static checker came to find as well (issue 13's unseen twins). */
const STATIC_SINCE_RULES_MD: readonly string[] = ["DMA025"];

/** Where shared/design/RULES.md may be, most specific first. */
function rulesMdCandidates(): string[] {
  const rel = path.join("shared", "design", "RULES.md");
  const out: string[] = [];
  const shared = process.env.FAULTLINE_SHARED;
  if (shared) out.push(path.resolve(shared, "design", "RULES.md"));
  // Compiled test in <repo>/out/sim-core/test/, shared/ beside the repo.
  out.push(path.resolve(__dirname, "../../../../shared/design/RULES.md"));
  // Any ancestor of the compiled test or of the working directory that has shared/ beside or inside it.
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      out.push(path.join(dir, rel));
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return [...new Set(out)];
}

function findRulesMd(): string | undefined {
  return rulesMdCandidates().find((p) => fs.existsSync(p));
}

interface MdRule {
  id: string;
  misuse: string;
  anchor: string;
  sd: string;
}

/** Rows of the markdown tables whose first cell is a rule id, in file order. */
function parseRulesMd(text: string): MdRule[] {
  const rows: MdRule[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trimStart().startsWith("|")) continue;
    const cells = line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
    if (cells.length < 4 || !/^[A-Z]+\d+$/.test(cells[0]!)) continue;
    rows.push({ id: cells[0]!, misuse: cells[1]!, anchor: cells[2]!, sd: cells[cells.length - 1]! });
  }
  return rows;
}

describe("rule catalogue", () => {
  it("has unique, well-formed ids in catalogue order", () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, "duplicate rule ids");
    assert.deepEqual(ids, [...RULE_IDS]);
    for (const rule of RULES) {
      assert.match(rule.id, /^(DMA|MEM|PG|MM|CTX|LOCK|IRQ)\d{3}$/, rule.id);
      assert.ok(CATEGORIES.includes(rule.category), `${rule.id}: bad category ${rule.category}`);
      assert.ok(rule.id.startsWith(rule.category) && /^\d+$/.test(rule.id.slice(rule.category.length)),
        `${rule.id}: category ${rule.category} does not match the id`);
    }
    // Numbering within a category is dense, starting at 001.
    for (const cat of CATEGORIES) {
      const nums = RULES.filter((r) => r.category === cat).map((r) => Number(r.id.slice(cat.length)));
      assert.deepEqual(nums, nums.map((_, i) => i + 1), `${cat} ids are not 001..${nums.length}`);
    }
  });

  it("has every text field filled and at least one detection mode", () => {
    for (const rule of RULES) {
      for (const key of ["title", "summary", "anchor", "message", "docs"] as const) {
        assert.ok(rule[key].trim().length > 0, `${rule.id}.${key} is empty`);
      }
      assert.ok(rule.static || rule.dynamic, `${rule.id} is neither static nor dynamic`);
      assert.ok(!/[*`]/.test(rule.anchor), `${rule.id}.anchor still has markdown`);
      assert.ok(!/\{\s*\}/.test(rule.message), `${rule.id}.message has an empty placeholder`);
    }
  });

  it("matches every id, S/D flag, category and beyond mark of RULES.md", function () {
    const file = findRulesMd();
    if (!file) {
      // The design notes live beside the repository, not in it; a checkout without them skips this cross-check.
      if (process.env.FAULTLINE_REQUIRE_SHARED) {
        assert.fail("shared/design/RULES.md not found (looked in: " + rulesMdCandidates().join(", ") + "). Set FAULTLINE_SHARED=/path/to/shared.");
      }
      console.warn(`    (RULES.md not found beside the repository; looked in ${rulesMdCandidates().join(", ")})`);
      this.skip();
    }
    const md = parseRulesMd(fs.readFileSync(file, "utf8"));
    assert.ok(md.length > 0, `no rule rows parsed from ${file}`);
    assert.deepEqual(RULES.filter((r) => !NOT_IN_RULES_MD.includes(r.category) && !NOT_IN_RULES_MD_IDS.includes(r.id)).map((r) => r.id), md.map((r) => r.id), "catalogue ids/order differ from RULES.md");
    for (const row of md) {
      assert.ok(isRuleId(row.id), `${row.id} missing from the catalogue`);
      const rule = getRule(row.id);
      assert.equal(rule.static, /\bS\b/.test(row.sd) || STATIC_SINCE_RULES_MD.includes(row.id), `${row.id}: static flag vs "${row.sd}"`);
      assert.equal(rule.dynamic, /\bD\b/.test(row.sd), `${row.id}: dynamic flag vs "${row.sd}"`);
      assert.equal(rule.category, row.id.replace(/\d+$/, ""), `${row.id}: category`);
      assert.equal(rule.beyond, /\*\*beyond\*\*/.test(row.anchor), `${row.id}: beyond flag vs anchor "${row.anchor}"`);
    }
  });

  it("looks rules up by id", () => {
    assert.equal(getRule("MEM002").title, "use after free");
    assert.equal(isRuleId("DMA025"), true);
    assert.equal(isRuleId("DMA026"), false);
    assert.equal(isRuleId("mem002"), false);
    assert.equal(isRuleId(""), false);
    // @ts-expect-error: a typo in a rule id is a compile error
    assert.throws(() => getRule("MEM02"));
  });

  it("formats messages, leaving missing placeholders visible", () => {
    assert.equal(
      formatRuleMessage("MEM002", { object: "64-byte region from kmalloc-64", addr: "0xffff888004a1c040", access: "read", size: 4 }),
      "use after free of 64-byte region from kmalloc-64 at 0xffff888004a1c040: read of size 4",
    );
    assert.equal(
      formatRuleMessage("MEM002", { addr: "0x10" }),
      "use after free of {object} at 0x10: {access} of size {size}",
    );
    assert.equal(formatRuleMessage("DMA017", { dir: 3, fn: "dma_map_single" }),
      "invalid DMA direction 3 passed to dma_map_single");
    // Values are inserted literally, never re-expanded, and extra params are ignored.
    assert.equal(formatRuleMessage("DMA017", { dir: "{fn}", fn: "$&", extra: "x" }),
      "invalid DMA direction {fn} passed to $&");
    // Inherited properties are not params.
    assert.equal(formatRuleMessage("DMA017", {}), "invalid DMA direction {dir} passed to {fn}");
    assert.equal(formatRuleMessage("CTX001", Object.create({ fn: "x" }) as Record<string, string>),
      getRule("CTX001").message);
  });

  it("documents every message placeholder", () => {
    for (const rule of RULES) {
      const names = placeholdersOf(rule.message);
      assert.deepEqual(ruleMessageParams(rule.id as (typeof RULE_IDS)[number]), names);
      for (const name of names) {
        const doc = PLACEHOLDER_DOCS[name];
        assert.ok(typeof doc === "string" && doc.trim().length > 0, `${rule.id}: placeholder {${name}} is undocumented`);
      }
      // A fully filled message has no placeholder left.
      const filled = formatRuleMessage(rule.id as (typeof RULE_IDS)[number],
        Object.fromEntries(names.map((n) => [n, `<${n}>`])));
      assert.ok(!/\{[A-Za-z_]\w*\}/.test(filled), `${rule.id}: unfilled placeholder in "${filled}"`);
    }
  });

  it("is deeply frozen", () => {
    assert.ok(Object.isFrozen(RULES));
    for (const rule of RULES) assert.ok(Object.isFrozen(rule), `${rule.id} is not frozen`);
    assert.ok(Object.isFrozen(PLACEHOLDER_DOCS));
    assert.throws(() => {
      (RULES as Array<unknown>).push({});
    }, TypeError);
    assert.throws(() => {
      (getRule("MEM001") as { title: string }).title = "changed";
    }, TypeError);
    assert.equal(getRule("MEM001").title, "out-of-bounds access");
  });

  it("renders a docs page with a section per rule", () => {
    const doc = renderRuleDocs();
    for (const rule of RULES) {
      assert.ok(doc.includes(`## ${rule.id} — ${escapeMarkdown(rule.title)}\n`), `no heading for ${rule.id}`);
      assert.ok(doc.includes(rule.docs), `${rule.id} docs missing from the page`);
    }
    const headings = doc.split("\n").filter((l) => /^## [A-Z]+\d{3} — /.test(l)).map((l) => l.slice(3).split(" ")[0]);
    assert.deepEqual(headings, RULES.map((r) => r.id));
    // Code fences are balanced so one rule's docs cannot swallow the next heading.
    assert.equal((doc.match(/^```/gm) ?? []).length % 2, 0, "unbalanced code fences");
    assert.ok(doc.includes("## MEM002 — use after free\n"));
    assert.equal(escapeMarkdown("dma_sync_*_for_cpu() <x>"), "dma\\_sync\\_\\*\\_for\\_cpu() \\<x\\>");
    assert.equal(renderRuleDocs(), doc, "rendering is not deterministic");
  });
});
