// The adapter as a program of its own: DAP over stdin/stdout (nvim-dap,
// Emacs dap-mode, the tests), or a TCP server with --server=PORT (one
// session per connection; port 0 picks one and prints it). Kept apart from
// main.ts, which only runs it, so `faultline debug-adapter` can import it.

import * as net from "node:net";
import { FaultlineDebugSession, type FaultlineSessionOptions } from "./session";

export function runStandalone(argv: readonly string[], options: FaultlineSessionOptions = {}): void {
  // A bug in the adapter must not take the editor's session down with it: log it, carry on.
  process.on("uncaughtException", (e) => { process.stderr.write(`faultline debug adapter: ${e?.stack ?? String(e)}\n`); });
  process.on("unhandledRejection", (e) => { process.stderr.write(`faultline debug adapter: ${(e as Error)?.stack ?? String(e)}\n`); });
  const server = argv.map((a) => /^--server=(\d+)$/.exec(a)).find((m) => m);
  const node = argv.map((a) => /^--node=(.+)$/.exec(a)).find((m) => m);
  const opts = { ...options, ...(node ? { nodePath: node[1] } : {}) };
  if (server) {
    const s = net.createServer((socket) => {
      const session = new FaultlineDebugSession(opts);
      session.setRunAsServer(true);
      session.start(socket, socket);
    }).listen(Number(server[1]), "127.0.0.1", () => {
      const a = s.address() as net.AddressInfo;
      process.stderr.write(`faultline debug adapter listening on ${a.port}\n`);
    });
    return;
  }
  const session = new FaultlineDebugSession(opts);
  session.start(process.stdin, process.stdout);
}
