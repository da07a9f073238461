// The language server's process entry (dist/server.js): a connection over
// whatever the client chose (--stdio, --node-ipc, --socket=N, picked by
// vscode-languageserver from argv), the server on it, and a process that logs
// an uncaught throw instead of dying with the editor's diagnostics. The same
// file, started as a worker thread, is the analysis worker: the bundle is one
// file, and the server starts its worker from it.

import { isMainThread, workerData } from "node:worker_threads";
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { runAnalysisWorker } from "./analyzer";
import { startServer } from "./server";
import { importCandidates, readFileOrUndefined } from "./workspace";

if (!isMainThread && (workerData as { faultlineAnalysisWorker?: boolean } | undefined)?.faultlineAnalysisWorker) {
  runAnalysisWorker(readFileOrUndefined, importCandidates);
} else {
  const connection = createConnection(ProposedFeatures.all);
  const log = (what: string, e: unknown) => {
    const text = e instanceof Error ? e.stack ?? e.message : String(e);
    try { connection.console.error(`faultline: ${what}: ${text}`); } catch { process.stderr.write(`faultline: ${what}: ${text}\n`); }
  };
  process.on("uncaughtException", (e) => log("uncaught exception", e));
  process.on("unhandledRejection", (e) => log("unhandled rejection", e));
  // FAULTLINE_ANALYSIS_IN_PROCESS=1 keeps the analyses on this thread (for profiling them).
  startServer(connection, process.env.FAULTLINE_ANALYSIS_IN_PROCESS ? {} : { worker: __filename });
  connection.listen();
}
