// A stand-in for the command line or the editor, for the spare pool's
// lifetime tests. It starts a pool, waits until its spare host is ready and
// prints "spare <pid>", then either returns from its work ("exit": nothing
// else keeps it alive, so it must exit at once, the idle spare not holding it)
// or stays until it is killed ("wait": its spare must end with it).

import { HostPool } from "../src/host";

const mode = process.argv[2];
const pool = new HostPool();
pool.warm({});
const [spare] = pool.idle();
const poll = setInterval(() => {
  if (!spare.ready) return;
  clearInterval(poll);
  process.stdout.write(`spare ${spare.child.pid}\n`);
  if (mode === "wait") setInterval(() => {}, 1000);
}, 5);
