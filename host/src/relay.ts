// A debug host's inspector relay. It runs in a worker because the main
// thread stops at breakpoints. It connects to the main thread's inspector and
// passes CDP both ways as lines of JSON: commands from fd 4, answers and
// events to fd 5. No port is opened; only the process that started the host
// can talk to its inspector.
//
// A worker's start is a Node environment's, tens of milliseconds on the way
// to a debug run's first stop; so a debug host (host.ts marks it with an
// argument) starts its relay first thing, from host-entry.ts, while the main
// thread compiles and loads the host, and child.ts takes it over.

import type { Worker } from "node:worker_threads";

/** The argument host.ts gives a debug host (realm containment has no permission flags to tell it by). */
export const DEBUG_HOST_ARG = "--faultline-debug-host";

const RELAY = `
const fs = require("node:fs");
const { Session } = require("node:inspector");
const { parentPort, workerData } = require("node:worker_threads");
// While a debugger is attached (it enabled the Debugger domain) the watchdog's wall-clock limit is off.
const watch = new Float64Array(workerData.watch);
const session = new Session();
session.connectToMainThread();
const out = (m) => fs.writeSync(5, JSON.stringify(m) + "\\n");
// The Debugger domain is enabled at once (V8 reports every script loaded so far, with a hash of its source: tens
// of milliseconds) while the host may still be waiting for its run. What that sends is held until the parent's
// first command, so the parent sees what its own Debugger.enable would have sent (V8 answers an enable of an
// enabled agent at once, with the parameters it was given applied).
let held = [];
session.on("inspectorNotification", (m) => { if (held) held.push(m); else out(m); });
session.post("Debugger.enable", { maxScriptsCacheSize: 0 }, () => {
});
let buf = "";
// A socket, not fs.createReadStream: a blocking read of a pipe would pin a thread-pool thread and hold the exit.
const input = new (require("node:net").Socket)({ fd: 4, readable: true, writable: false });
input.setEncoding("utf8");
input.on("data", (chunk) => {
  buf += chunk;
  let nl;
  while ((nl = buf.indexOf("\\n")) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    if (held) { for (const m of held) out(m); held = undefined; }
    let c;
    try { c = JSON.parse(line); } catch (e) { out({ error: { message: "not JSON: " + line.slice(0, 80) } }); continue; }
    if (c.method === "Debugger.enable") watch[1] = 1;
    // Detached: the wall-clock limit holds again, counted from now.
    else if (c.method === "Debugger.disable") { watch[1] = 0; if (watch[0] > 0) watch[0] = Date.now() + watch[2]; }
    session.post(c.method, c.params, (err, result) => out(err ? { id: c.id, error: { message: err.message } } : { id: c.id, result }));
  }
});
parentPort.postMessage("ready");
`;

export interface Relay {
  readonly worker: Worker;
  /** The watchdog's shared state (child.ts): the relay turns the wall-clock limit off while a debugger is attached. */
  readonly watch: Float64Array;
  /** Resolves when the relay reads fd 4. */
  readonly up: Promise<void>;
  /** Sees the worker's failure (one that came before is passed at once). */
  onError(listener: (e: Error) => void): void;
}

export function isDebugHost(): boolean {
  return process.argv.includes(DEBUG_HOST_ARG);
}

export function startRelay(watch: Float64Array): Relay {
  // Loaded only for debug hosts: the permission model refuses workers to a host without --allow-worker.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
  const worker = new Worker(RELAY, { eval: true, workerData: { watch: watch.buffer } });
  const up = new Promise<void>((resolve) => worker.once("message", () => resolve()));
  let failed: Error | undefined;
  let listener: ((e: Error) => void) | undefined;
  worker.on("error", (e) => { if (listener) listener(e); else failed = e; });
  worker.unref();
  return {
    worker, watch, up,
    onError(l) { listener = l; if (failed) l(failed); },
  };
}

/** Where host-entry.ts leaves the relay for child.ts (the host realm's global: the driver's realm is another). */
const HANDOFF = Symbol.for("faultline.inspectorRelay");

/** host-entry.ts: in a debug host, the relay now, before the host's bundle is compiled. */
export function startRelayEarly(): void {
  if (isDebugHost()) (globalThis as Record<symbol, unknown>)[HANDOFF] = startRelay(new Float64Array(new SharedArrayBuffer(32)));
}

/** The relay host-entry.ts started, if it did; taken once. */
export function takeEarlyRelay(): Relay | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const r = g[HANDOFF] as Relay | undefined;
  delete g[HANDOFF];
  return r;
}
