// Everything the debugger contributes at run time: the configuration
// providers, the inline adapter, and the tracker that tells the views and
// the memory map when the session stops, runs on and ends.

import * as vscode from "vscode";
import { DEBUG_TYPE } from "../../../debug-adapter/src/protocol";
import type { Ctx } from "../ctx";
import { FaultlineAdapterFactory } from "./adapterFactory";
import { FaultlineConfigurationProvider, FaultlineDynamicConfigurations } from "./configurationProvider";

export function registerDebugger(ctx: Ctx): vscode.Disposable[] {
  const provider = new FaultlineConfigurationProvider(() => ctx.hostNode().node, () => ctx.profile.profile);
  return [
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider, vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new FaultlineDynamicConfigurations(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new FaultlineAdapterFactory(() => ctx.runtime().createDebugSession(ctx.hostNode().node))),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: unknown }) => {
          if (m.type !== "event") return;
          if (m.event === "stopped") { ctx.views.onStopped(session); ctx.memoryMap.onStopped(session); }
          else if (m.event === "continued") ctx.views.onContinued(session);
          else if (m.event === "output") ctx.onDebugOutput(session, m.body as { category?: string; output?: string });
        },
        onWillStopSession: () => { ctx.views.onEnded(session); ctx.memoryMap.onEnded(session); },
        onExit: () => { ctx.views.onEnded(session); ctx.memoryMap.onEnded(session); },
      }),
    }),
    vscode.debug.onDidTerminateDebugSession((s) => { if (s.type === DEBUG_TYPE) { ctx.views.onEnded(s); ctx.memoryMap.onEnded(s); } }),
  ];
}
