// The end-to-end steps, one job each, in the order a user meets them. Each
// throws with what it was waiting for when that never showed; the runner
// screenshots every step and goes on to the next (unless it is critical).
import * as fs from "node:fs";
import * as path from "node:path";
import { SEL } from "./workbench.mjs";

const DOC_SHOTS = path.join("docs", "screenshots");

function keep(wb, root, file, name) {
  fs.mkdirSync(path.join(root, DOC_SHOTS), { recursive: true });
  fs.copyFileSync(file, path.join(root, DOC_SHOTS, name));
}

export const STEPS = [
  {
    name: "activate",
    title: "open a workspace with the samples; the extension activates",
    critical: true,
    async run(wb) {
      const { page } = wb;
      await page.locator(SEL.workbench).waitFor({ state: "visible", timeout: 60_000 });
      await page.locator(SEL.explorerRow).filter({ hasText: "edu_dma" }).first().waitFor({ state: "visible", timeout: 60_000 });
      // workspaceContains:**/sample.json activates it with the window; the extension records when activate() resolved.
      const a = await wb.until("the extension's activation record", () => wb.readActivation(), 60_000);
      const timing = await page.evaluate(() => ({ origin: performance.timeOrigin, load: performance.timing.loadEventEnd }));
      wb.metrics.activateMs = a.activateMs;
      wb.metrics.moduleLoadToActivatedMs = a.loadToActivatedMs;
      wb.metrics.loadToActivateMs = a.activatedAt - timing.load;
      wb.metrics.navigationToActivateMs = Math.round(a.activatedAt - timing.origin);
      wb.metrics.vscodeVersion = a.vscode;
    },
  },
  {
    name: "template",
    title: "create a driver from the template, type kmalloc, see the completion",
    async run(wb, { root }) {
      const { page } = wb;
      await wb.command("Faultline: New Driver from a Template…");
      await wb.pick("Character device with mmap");
      await wb.input("mydev");
      await wb.activeTab("mydev.ts");
      await wb.focusEditor();
      await wb.press("Mod+End");
      await page.keyboard.press("Enter");
      await page.keyboard.type("const probe_area = kmal", { delay: 20 });
      await wb.press("Mod+Space");
      const row = page.locator(SEL.suggestRow).filter({ hasText: "kmalloc" }).first();
      await row.waitFor({ state: "visible", timeout: 30_000 });
      await wb.shot("template-completion").then((f) => keep(wb, root, f, "completion-kmalloc.png"));
      await page.keyboard.press("Enter");
      await page.keyboard.type("(", { delay: 20 });
      // Signature help needs the typings: it proves linux/slab resolved with no tsconfig.json.
      await wb.until("kmalloc's signature help", async () => {
        const w = page.locator(SEL.parameterHints);
        return (await w.count()) && /size/i.test(await w.first().innerText());
      }, 30_000);
      await wb.reset();
      await wb.command("File: Revert File");
    },
  },
  {
    name: "dma001",
    title: "edu_dma_nosync.ts: DMA001 in Problems on the right line, quick fix, marker gone",
    async run(wb, { root }) {
      const { page } = wb;
      const rel = "edu_dma/edu_dma_nosync.ts";
      await wb.openFile(rel);
      const expected = await wb.lineOf(rel, /copy_to_user\(buf, d\.rx_buf/);
      await wb.command("View: Focus Problems (Errors, Warnings, Infos)", { exact: false });
      // The workspace has many twins with findings: show this file's only.
      const filter = page.locator(".markers-panel-action-filter input, .viewpane-filter input").first();
      await filter.waitFor({ state: "visible" });
      await filter.fill("**/edu_dma_nosync.ts");
      // The filter applies after a moment: its badge says so ("Showing 1 of 25").
      await page.getByText(/^Showing \d+ of \d+$/).first().waitFor({ state: "visible", timeout: 60_000 });
      const row = await wb.until("DMA001 in the Problems panel", async () => {
        const r = page.locator(SEL.markersRow).filter({ hasText: "DMA001" }).first();
        return (await r.count()) ? r : undefined;
      }, 60_000);
      const text = (await row.innerText()).replace(/\s+/g, " ");
      const m = /Ln (\d+)/.exec(text) ?? /\[(\d+),/.exec(text);
      if (!m) throw new Error(`no line in the DMA001 marker: ${text}`);
      if (Number(m[1]) !== expected) throw new Error(`DMA001 is on line ${m[1]}; the CPU reads the streaming buffer on line ${expected}: ${text}`);
      // Put the cursor inside the marked range, in the editor, and ask for its fixes.
      const col = /Col (\d+)/.exec(text);
      await wb.focusEditor();
      await wb.gotoLine(expected, col ? Number(col[1]) + 1 : undefined);
      const findFix = async () => {
        const rows = page.locator(SEL.actionRow);
        const n = await rows.count();
        for (let i = 0; i < n; i++) if (/dma_sync|sync/i.test(await rows.nth(i).innerText())) return rows.nth(i);
        return undefined;
      };
      await wb.press("Mod+.");
      let fix = await wb.until("a quick fix for DMA001 (Ctrl+.)", findFix, 20_000).catch(() => undefined);
      if (!fix) {
        // The lightbulb in the gutter offers the same list.
        await page.locator(".lightBulbWidget, .codicon-lightbulb-autofix, .codicon-light-bulb").first().click({ timeout: 10_000 }).catch(() => {});
        fix = await wb.until("a quick fix for DMA001 (the lightbulb)", findFix, 20_000).catch(async (e) => {
          const menus = await page.locator(".action-widget, .context-view").allInnerTexts().catch(() => []);
          throw new Error(`${e.message}; menus on screen: ${JSON.stringify(menus).slice(0, 400)}`);
        });
      }
      await wb.shot("dma001-quickfix").then((f) => keep(wb, root, f, "problems-dma001-quickfix.png"));
      await fix.click();
      await wb.until("the DMA001 marker to go", async () => !(await wb.markers()).some((t) => t.includes("DMA001") && t.includes("edu_dma_nosync")), 60_000);
      await wb.command("File: Revert File");
      await filter.fill("");
    },
  },
  {
    name: "run",
    title: "run a scenario from the code lens; the kernel log in its output channel",
    async run(wb, { root }) {
      const { page } = wb;
      const rel = "edu_dma/edu_dma_nosync.ts";
      await wb.openFile(rel);
      // The lens sits above module_init(), at the end of the file: bring it into view.
      await wb.gotoLine(await wb.lineOf(rel, /^module_init\(/));
      const lens = page.locator(SEL.codeLens).filter({ hasText: "Run scenario" }).first();
      await lens.waitFor({ state: "visible", timeout: 60_000 });
      await lens.click();
      await wb.until("the run's summary in Faultline Kernel Log", async () => /═══ 1 run: \d+ finding/.test(await wb.panelText()), 90_000);
      const text = await wb.panelText();
      if (!/DMA-API|DMA001/.test(text)) throw new Error("the kernel log does not show the DMA-API report");
      await wb.shot("run-kernel-log").then((f) => keep(wb, root, f, "run-kernel-log.png"));
    },
  },
  {
    name: "debug",
    title: "debug simple with the page-fault breakpoint: stop, VMA /dev/simplen, physical memory, step",
    async run(wb, { root }) {
      const { page } = wb;
      await wb.openFile("simple/simple.ts");
      await wb.command("View: Show Run and Debug");
      await page.locator(".debug-breakpoints, [id='workbench.debug.breakPointsView']").first().waitFor({ state: "attached", timeout: 30_000 }).catch(() => {});
      await wb.focusEditor();
      // F5 with no launch.json: the first session shows the adapter's kernel-event breakpoints.
      await wb.press("F5");
      await pickDebugger(wb, { firstSession: true });
      const pf = page.locator(SEL.breakpointsRow).filter({ hasText: "Page fault" }).first();
      await pf.waitFor({ state: "visible", timeout: 90_000 });
      await wb.until("the first session to end", async () => !(await page.locator(SEL.debugToolbar).isVisible()), 90_000);
      // VS Code draws its own checkbox: a toggle with aria-checked, or an input on older builds.
      const box = pf.locator("[role=checkbox], input[type=checkbox], .monaco-custom-toggle").first();
      const checked = async () => (await box.getAttribute("aria-checked")) === "true" || (await box.evaluate((e) => e instanceof HTMLInputElement && e.checked).catch(() => false));
      if (!(await checked())) await box.click();
      await wb.until("Page fault ticked", checked, 10_000);
      await wb.focusEditor();
      await wb.press("F5");
      await pickDebugger(wb);
      // With one thread VS Code puts the stop's description in the Call Stack's header.
      const callStack = page.locator(".pane").filter({ has: page.locator(".pane-header", { hasText: /call stack/i }) }).first();
      const stop = await wb.until("the stop on a page fault", async () => {
        const t = await callStack.innerText();
        return /page fault/i.test(t) ? t : undefined;
      }, 90_000);
      // Room for the Variables view: fold the panes below it.
      for (const title of [/^watch$/i, /^call stack/i, /^breakpoints$/i, /^address spaces$/i, /^physical memory$/i, /^dma mappings$/i]) {
        const h = page.locator(".pane-header", { hasText: title }).first();
        if ((await h.count()) && (await h.getAttribute("aria-expanded")) === "true") await h.click();
      }
      wb.metrics.stopDescription = stop.split("\n").find((l) => /page fault/i.test(l));
      // The kernel scopes: Process → VMAs → the VMA of /dev/simplen.
      await expandUntil(wb, /\/dev\/simplen/, [/^Process$/, /^VMAs\b/]);
      await wb.shot("debug-page-fault").then((f) => keep(wb, root, f, "debug-page-fault.png"));
      // Physical memory → a zone → its frames (rows named by PFN, or VS Code's chunks of them).
      await expandUntil(wb, /^pfn 0x|^\[\d+\.\.\d+\]/, [/^Physical memory$/i, /^(DMA32|Normal|DMA|HighMem)\b[\s\S]*pfn 0x/]);
      await wb.shot("debug-physical-memory");
      // A step moves the stopped position: VS Code puts the cursor there (status bar "Ln 23, Col 11").
      const where = page.locator(".statusbar-item").filter({ hasText: /Ln \d+, Col \d+/ }).first();
      const before = await where.innerText();
      await wb.press("F10");
      await wb.until("a stop after the step", async () => /step/i.test(await callStack.innerText()) || (await where.innerText()) !== before, 60_000);
    },
  },
  {
    name: "views",
    title: "the Address Spaces, Physical Memory and DMA Mappings views fill at the stop",
    async run(wb) {
      const { page } = wb;
      for (const title of ["Address Spaces", "Physical Memory"]) {
        const pane = page.locator(".pane").filter({ has: page.locator(".pane-header", { hasText: new RegExp(`^${title}$`, "i") }) }).first();
        await pane.waitFor({ state: "visible", timeout: 30_000 });
        const header = pane.locator(".pane-header").first();
        if ((await header.getAttribute("aria-expanded")) === "false") await header.click();
        const rows = pane.locator(".monaco-list-row");
        await wb.until(`a row in ${title}`, async () => (await rows.count()) > 0, 30_000);
        const first = rows.first();
        if ((await first.getAttribute("aria-expanded")) === "false") {
          await first.click();
          await wb.until(`${title} to expand`, async () => (await rows.count()) > 1, 30_000);
        }
      }
    },
  },
  {
    name: "memorymap",
    title: "open the memory-map webview and see it drawn",
    async run(wb, { root }) {
      await wb.command("Faultline: Show Memory Map");
      const frame = await wb.webviewFrame("#frames");
      await wb.until("the memory map drawn", async () => (await frame.evaluate(() => document.body.dataset.drawn)) === "true", 60_000);
      await wb.shot("memory-map").then((f) => keep(wb, root, f, "memory-map.png"));
      await wb.press("Shift+F5");
    },
  },
];

/** With no launch.json, VS Code may ask which debugger: Faultline (it says "Suggested" for a driver). */
async function pickDebugger(wb, { firstSession = false } = {}) {
  const row = wb.page.locator(SEL.quickRow).filter({ hasText: "Faultline" }).first();
  const toolbar = wb.page.locator(SEL.debugToolbar);
  // A short run may start and end between two looks: the kernel-event filters it leaves in Breakpoints count too.
  const filters = wb.page.locator(SEL.breakpointsRow).filter({ hasText: "Page fault" }).first();
  const which = await wb.until("the debugger picker or a session", async () => ((await row.isVisible()) ? "picker" : (await toolbar.isVisible()) || (firstSession && (await filters.isVisible())) ? "session" : undefined), 60_000);
  if (which === "picker") await row.click();
}

/**
 * Finds a rendered Variables row that satisfies pred, scrolling the (virtualised) list from the top
 * down a wheel-step at a time, as a user would.
 */
async function findRow(wb, pred) {
  const { page } = wb;
  const list = page.locator(".debug-variables .monaco-scrollable-element, [id='workbench.debug.variablesView'] .monaco-scrollable-element").first();
  const rows = page.locator(SEL.variablesRow);
  // Rows are re-rendered as the list scrolls: a hit is named by its aria-label, not its index.
  // Monaco renders a few rows past the viewport: only a row inside the list's box can be clicked.
  const inView = async (r) => {
    const [b, l] = [await r.boundingBox(), await list.boundingBox()];
    return !!b && !!l && b.y >= l.y - 1 && b.y + b.height <= l.y + l.height + 1;
  };
  const scan = async () => {
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      const r = rows.nth(i);
      if ((await pred(r)) && (await inView(r))) {
        const label = await r.getAttribute("aria-label");
        return label ? page.locator(`.debug-variables .monaco-list-row[aria-label=${JSON.stringify(label)}]`).first() : r;
      }
    }
    return undefined;
  };
  let hit = await scan();
  if (hit || !(await list.count())) return hit;
  await list.hover();
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -2000);
  for (let i = 0; i < 40 && !hit; i++) {
    hit = await scan();
    if (hit) break;
    const before = await rows.first().innerText().catch(() => "");
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(50);
    if ((await rows.first().innerText().catch(() => "")) === before) { hit = await scan(); break; }
  }
  return hit;
}

/** Expands Variables rows matching each pattern in turn (when collapsed) until a row matches target. */
async function expandUntil(wb, target, path) {
  const matches = (re) => async (r) => re.test(await r.innerText());
  for (const step of path) {
    if (await findRow(wb, matches(target))) return;
    const r = await findRow(wb, async (row) => (await row.getAttribute("aria-expanded")) === "false" && step.test(await row.innerText()));
    if (!r) continue;
    await r.scrollIntoViewIfNeeded().catch(() => {});
    // The tree re-renders while the adapter answers; the row was checked to be in view, so no wait for "stable".
    await r.click({ timeout: 10_000, force: true });
    await wb.until(`rows under ${step}`, async () => (await r.getAttribute("aria-expanded")) === "true", 15_000).catch(() => undefined);
  }
  await wb.until(`a Variables row matching ${target}`, () => findRow(wb, matches(target)), 30_000);
}
