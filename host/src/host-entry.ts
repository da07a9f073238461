// The driver host's entry in dist/: host.js (the bundle of child.ts) run from
// V8's code cache when scripts/build.mjs made one for it (code-cache.ts). The
// host's permission model lets it read its own folder, where both files are.
// A debug host starts its inspector relay first (relay.ts): the worker comes
// up while host.js is compiled and loaded. It runs on another Node (24.10+,
// for --allow-inspector), whose V8 rejects the build Node's cache, so it has
// a cache of its own, host.js.debug.cache, when the build found that Node.

import * as path from "node:path";
import { runCached } from "./code-cache";
import { isDebugHost, startRelayEarly } from "./relay";

startRelayEarly();
runCached(path.join(__dirname, "host.js"), module, require, undefined, isDebugHost() ? "debug" : undefined);
