// Writes docs/rules/: a page per rule of the catalogue and an index of how
// each is detected as implemented (analysis/src/ruledocs.ts renders them; the
// test analysis/test/ruledocs.test.ts fails when the committed files differ).
//
//   npx tsc -b analysis && node scripts/rule-docs.mjs
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { renderRuleDocsTree } = require(join(root, "out/analysis/src/ruledocs.js"));
const dir = join(root, "docs/rules");
mkdirSync(dir, { recursive: true });
const files = renderRuleDocsTree();
// A page for a rule the catalogue no longer has must go too.
for (const f of readdirSync(dir)) if (f.endsWith(".md") && !files.has(f)) rmSync(join(dir, f));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`docs/rules: ${files.size} files`);
