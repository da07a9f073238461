// Which Node runs the driver host. The extension host's own runtime needs no
// install: in code-server (and VS Code's remote server) it is a real Node; in
// desktop VS Code it is Electron, which acts as Node only with
// ELECTRON_RUN_AS_NODE=1. The host process is started with an empty
// environment, so a two-line launcher carries that variable.

import * as fs from "node:fs";
import * as path from "node:path";

export interface NodeChoice { readonly node?: string; readonly note?: string }

export function hostNode(setting: string | undefined, storageDir: string): NodeChoice {
  if (setting && setting.trim()) {
    const p = setting.trim();
    return fs.existsSync(p) ? { node: p } : { note: `faultline.nodePath is ${p}, which does not exist; using the extension host's runtime` };
  }
  if (!process.versions.electron) return {};
  if (process.platform === "win32") return { note: "desktop VS Code on Windows: set faultline.nodePath to a Node 20+ (the extension host's Electron cannot be started as Node without its environment variable)" };
  const launcher = path.join(storageDir, "electron-node.sh");
  const body = `#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec ${JSON.stringify(process.execPath)} "$@"\n`;
  try {
    fs.mkdirSync(storageDir, { recursive: true });
    if (!fs.existsSync(launcher) || fs.readFileSync(launcher, "utf8") !== body) fs.writeFileSync(launcher, body, { mode: 0o755 });
    return { node: launcher };
  } catch (e) {
    return { note: `could not write ${launcher}: ${(e as Error).message}` };
  }
}
