// The debug adapter's public entry: the session class (for VS Code's
// DebugAdapterInlineImplementation) and a factory with its options, plus the
// custom protocol. client/ imports this; it never imports 'vscode' itself.

import { FaultlineDebugSession, type FaultlineSessionOptions } from "./session";

export { FaultlineDebugSession, ErrorCodes, type FaultlineSessionOptions } from "./session";
export * from "./protocol";

/** A session for an inline adapter: `new vscode.DebugAdapterInlineImplementation(createSession({ nodePath }))`. */
export function createSession(options: FaultlineSessionOptions = {}): FaultlineDebugSession {
  return new FaultlineDebugSession(options);
}
