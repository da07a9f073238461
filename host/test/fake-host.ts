// A stand-in for the driver host that does its part of the protocol and
// then misbehaves after its summary, for host-death.test.ts: argv[2] says
// how ("exit3": exit with code 3; "kill": die of SIGKILL; "clean": exit 0).

import * as fs from "node:fs";

const how = process.argv[process.argv.length - 1];
const send = (m: unknown) => fs.writeSync(3, JSON.stringify(m) + "\n");
send({ type: "ready", node: process.version });
const buf = Buffer.alloc(1 << 20);
let text = "";
while (!text.includes("\n")) {
  const n = fs.readSync(0, buf, 0, buf.length, null);
  if (n === 0) break;
  text += buf.toString("utf8", 0, n);
}
send({ type: "phase", phase: "booted", wallMs: 1 });
send({ type: "end", summary: { insmod: 0, rmmod: 0, completed: true, processes: [], bootLines: 0 } });
if (how === "exit3") process.exit(3);
if (how === "kill") process.kill(process.pid, "SIGKILL");
process.exit(0);
