// The language server's process entry (dist/server.js): a connection over
// whatever the client chose (--stdio, --node-ipc, --socket=N, picked by
// vscode-languageserver from argv), the server on it, and a process that logs
// an uncaught throw instead of dying with the editor's diagnostics.

import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { startServer } from "./server";

const connection = createConnection(ProposedFeatures.all);

const log = (what: string, e: unknown) => {
  const text = e instanceof Error ? e.stack ?? e.message : String(e);
  try { connection.console.error(`faultline: ${what}: ${text}`); } catch { process.stderr.write(`faultline: ${what}: ${text}\n`); }
};
process.on("uncaughtException", (e) => log("uncaught exception", e));
process.on("unhandledRejection", (e) => log("unhandled rejection", e));

startServer(connection);
connection.listen();
