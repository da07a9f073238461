// The debug adapter runs inline, in the extension host: no process of its
// own, and the driver host it starts is its child. For tests of the adapter
// against a real VS Code, FAULTLINE_DEBUG_SERVER=<port> connects to an
// adapter started with `--server=<port>` instead.

import * as vscode from "vscode";

export interface InlineAdapter extends vscode.DebugAdapter {}

export class FaultlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly create: () => InlineAdapter) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const port = Number(process.env.FAULTLINE_DEBUG_SERVER);
    if (port > 0) return new vscode.DebugAdapterServer(port, "127.0.0.1");
    return new vscode.DebugAdapterInlineImplementation(this.create());
  }
}
