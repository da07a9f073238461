// The driver host's entry in dist/: host.js (the bundle of child.ts) run from
// V8's code cache when scripts/build.mjs made one for it (code-cache.ts). The
// host's permission model lets it read its own folder, where both files are.

import * as path from "node:path";
import { runCached } from "./code-cache";

runCached(path.join(__dirname, "host.js"), module, require);
