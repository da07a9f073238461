// The language client (a chunk of its own, loaded on the first driver
// document): the server bundle over IPC, its output channel, the settings it
// reads, and Faultline's two notifications.

import * as vscode from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { RunFindingsNotification, StatusNotification, type RunFindingsParams, type StatusParams } from "../../server/src/protocol";

export const LSP_CHANNEL = "Faultline Language Server";

export interface LspHandle {
  readonly client: LanguageClient;
  sendRunFindings(params: RunFindingsParams): Promise<void>;
  stop(): Promise<void>;
}

export async function startLanguageClient(serverModule: string, channel: vscode.OutputChannel, onStatus: (s: StatusParams) => void): Promise<LspHandle> {
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6019"] } },
  };
  const onType = vscode.workspace.getConfiguration("faultline").get<boolean>("check.onType", true);
  const clientOptions: LanguageClientOptions = {
    // Drivers and scenarios are TypeScript files on disk; the server answers nothing for files that do not import the API.
    documentSelector: [{ scheme: "file", language: "typescript" }],
    outputChannel: channel,
    synchronize: { configurationSection: "faultline" },
    initializationOptions: vscode.workspace.getConfiguration("faultline"),
    diagnosticPullOptions: { onChange: onType, onSave: true, onTabs: false },
  };
  const client = new LanguageClient("faultline", "Faultline Language Server", serverOptions, clientOptions);
  client.onNotification(StatusNotification.type, onStatus);
  await client.start();
  return {
    client,
    sendRunFindings: (params) => client.sendNotification(RunFindingsNotification.type, params),
    stop: () => client.stop(),
  };
}
