// The extension's entry: wiring only. Everything with a lifecycle lives in
// Ctx; what is heavy (the language client, the driver host, the debug
// adapter) is loaded when first needed, so activation stays cheap.

import type * as vscode from "vscode";
import { loadedChunk } from "./chunks";
import { Ctx } from "./ctx";

const loadedAt = Date.now();
let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ ctx: Ctx }> {
  ctx = new Ctx(context, { loadedAt, calledAt: Date.now() });
  await ctx.start();
  return { ctx };
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
  // A driver run leaves a spare host started for the next one: it goes with the extension.
  loadedChunk("runtime")?.disposeSpareHosts();
}
