// A page object for VS Code's workbench in code-server (after VS Code's own
// test/automation): selectors as constants, and waits for what the user would
// see, never fixed sleeps.
import * as fs from "node:fs";
import * as path from "node:path";

export const SEL = {
  workbench: ".monaco-workbench",
  quickInput: ".quick-input-widget",
  quickInputBox: ".quick-input-widget .quick-input-box input",
  quickRow: ".quick-input-widget .quick-input-list .monaco-list-row",
  activeEditor: ".editor-group-container.active .editor-instance .monaco-editor",
  activeTab: ".editor-group-container.active .tab.active",
  suggestRow: ".editor-widget.suggest-widget .monaco-list-row",
  parameterHints: ".parameter-hints-widget",
  codeLens: ".contentWidgets .codelens-decoration a",
  markersRow: ".markers-panel .monaco-list-row",
  actionWidget: ".action-widget",
  actionRow: ".action-widget .monaco-list-row",
  panelEditorLines: ".part.panel .monaco-editor .view-lines",
  debugToolbar: ".debug-toolbar",
  callStackRow: ".debug-call-stack .monaco-list-row",
  variablesRow: ".debug-variables .monaco-list-row, .variables-view .monaco-list-row, [id='workbench.debug.variablesView'] .monaco-list-row",
  breakpointsRow: ".debug-breakpoints .monaco-list-row",
  explorerRow: ".explorer-folders-view .monaco-list-row",
};

const isMac = process.platform === "darwin";
const mod = isMac ? "Meta" : "Control";

export class Workbench {
  constructor(page, { workspace, outDir, activationLog }) {
    this.page = page;
    this.workspace = workspace;
    this.outDir = outDir;
    this.activationLog = activationLog;
    this.metrics = {};
    this.shots = [];
  }

  /** Polls fn until it returns something truthy; the error says what was awaited. */
  async until(what, fn, timeout = 30_000) {
    const end = Date.now() + timeout;
    let last;
    while (Date.now() < end) {
      try { const v = await fn(); if (v) return v; } catch (e) { last = e; }
      await this.page.waitForTimeout(100);
    }
    throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last ? ` (${last.message.split("\n")[0]})` : ""}`);
  }

  async shot(name) {
    const file = path.join(this.outDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    this.shots.push(file);
    return file;
  }

  async press(keys) {
    await this.page.keyboard.press(keys.replace(/\bMod\b/g, mod));
  }

  async reset() {
    for (let i = 0; i < 3; i++) await this.page.keyboard.press("Escape");
  }

  /** Runs a command from the palette by its title. */
  async command(title, { exact = true } = {}) {
    await this.reset();
    await this.press("F1");
    const box = this.page.locator(SEL.quickInputBox);
    await box.waitFor({ state: "visible" });
    await box.fill(`>${title}`);
    const row = this.page.locator(SEL.quickRow).filter({ hasText: title }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    if (exact) {
      const label = (await row.getAttribute("aria-label")) ?? (await row.innerText());
      if (!label.includes(title)) throw new Error(`the palette offered "${label}" for "${title}"`);
    }
    await this.page.keyboard.press("Enter");
  }

  async pick(text) {
    const row = this.page.locator(SEL.quickRow).filter({ hasText: text }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
  }

  async input(text) {
    const box = this.page.locator(SEL.quickInputBox);
    await box.waitFor({ state: "visible" });
    await box.fill(text);
    await this.page.keyboard.press("Enter");
  }

  /** Quick Open on a workspace path; waits for its tab to be the active one. */
  async openFile(rel) {
    await this.reset();
    await this.press("Mod+P");
    const box = this.page.locator(SEL.quickInputBox);
    await box.waitFor({ state: "visible" });
    await box.fill(rel);
    const base = path.basename(rel);
    const row = this.page.locator(SEL.quickRow).filter({ hasText: base }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await this.page.keyboard.press("Enter");
    await this.activeTab(base);
    await this.page.locator(SEL.activeEditor).first().waitFor({ state: "visible" });
  }

  async activeTab(name, timeout = 15_000) {
    await this.page.locator(SEL.activeTab).filter({ hasText: name }).first().waitFor({ state: "visible", timeout });
  }

  async focusEditor() {
    await this.page.locator(`${SEL.activeEditor} .view-lines`).first().click({ position: { x: 200, y: 10 } });
  }

  /** Go to a 1-based line (and column) with the editor's own command; its box starts with ":". */
  async gotoLine(line, column) {
    await this.press("Mod+G");
    await this.input(`:${line}${column ? `:${column}` : ""}`);
  }

  async lineOf(rel, re) {
    const lines = fs.readFileSync(path.join(this.workspace, rel), "utf8").split("\n");
    const i = lines.findIndex((l) => re.test(l));
    if (i < 0) throw new Error(`${rel}: no line matches ${re}`);
    return i + 1;
  }

  async panelText() {
    return (await this.page.locator(SEL.panelEditorLines).allInnerTexts()).join("\n").replace(/\u00a0/g, " ");
  }

  async markers() {
    return (await this.page.locator(SEL.markersRow).allInnerTexts()).map((t) => t.replace(/\s+/g, " "));
  }

  async readActivation() {
    if (!fs.existsSync(this.activationLog)) return undefined;
    const lines = fs.readFileSync(this.activationLog, "utf8").trim().split("\n").filter(Boolean);
    return lines.length ? JSON.parse(lines[lines.length - 1]) : undefined;
  }

  /** The webview frame whose document has `selector` (VS Code nests each webview in two iframes). */
  async webviewFrame(selector) {
    return this.until(`a webview with ${selector}`, async () => {
      for (const f of this.page.frames()) {
        try { if (await f.locator(selector).count()) return f; } catch { /* detached */ }
      }
      return undefined;
    });
  }
}
