// Which Node runs the driver host, and with which permission flags. Normal
// runs use the Node that runs Faultline itself. Debug runs need the V8
// inspector, which Node 20's permission model blocks outright; Node 24 and
// later grant it with --allow-inspector, so debug runs use such a Node (see
// ARCHITECTURE.md, "Containing debug runs").

import * as fs from "node:fs";
import * as path from "node:path";

export interface NodeVersion { readonly major: number; readonly minor: number }

export function parseVersion(v: string): NodeVersion {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`not a Node version: ${v}`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** The permission model's switch: --experimental-permission until it was renamed (22.13, 23.5). */
export function permissionFlag(v: NodeVersion): string {
  const stable = v.major >= 24 || (v.major === 23 && v.minor >= 5) || (v.major === 22 && v.minor >= 13);
  return stable ? "--permission" : "--experimental-permission";
}

/** Node has --allow-inspector (24.10 and later, 25 and later). */
export function hasAllowInspector(v: NodeVersion): boolean {
  return v.major >= 25 || (v.major === 24 && v.minor >= 10);
}

export interface HostFlagsOptions {
  readonly version: NodeVersion;
  /** Folders the host may read: its own code only (drivers arrive as bundles over the pipe). */
  readonly read: readonly string[];
  readonly heapMb: number;
  /** A debug run: the inspector and the one worker that relays it. */
  readonly debug?: boolean;
  /**
   * "process" (default): Node's permission model contains the host. "realm": no permission flags at all, for a
   * debug run on a Node whose permission model would block the inspector (before 24.10) or that rejects the
   * flags (Electron as Node); the driver is then contained by its realm alone. Only an explicit choice.
   */
  readonly containment?: Containment;
}

export type Containment = "process" | "realm";

/**
 * The containment a run gets: "process" whenever the Node can grant what the run needs under its permission
 * model (every normal run; a debug run on 24.10+), else the caller's explicit "realm", else an error.
 */
export function chooseContainment(version: NodeVersion, debug: boolean, wanted?: Containment): Containment {
  if (!debug || hasAllowInspector(version)) return "process";
  if (wanted === "realm") return "realm";
  throw new Error(`debug runs need Node 24.10 or later for --allow-inspector; this is ${version.major}.${version.minor}. `
    + `A debug run on this Node is possible only contained by its realm alone (containment: "realm")`);
}

/** The node flags of a host process: the permission model, reads only where named, a heap cap. */
export function hostFlags(o: HostFlagsOptions): string[] {
  // Heap cap only: the permission model would refuse the inspector, and Electron refuses its flags.
  if (chooseContainment(o.version, o.debug === true, o.containment) === "realm") return [`--max-old-space-size=${o.heapMb}`, "--no-warnings"];
  const flags = [permissionFlag(o.version)];
  const read = [...new Set(o.read.map((p) => path.resolve(p)))];
  // One flag per path: a comma-separated list is not read as a list by the Nodes we run on (20.20 among them).
  for (const r of read) flags.push(`--allow-fs-read=${r}`);
  if (o.debug) flags.push("--allow-inspector");
  // Every host runs its watchdog in a worker (and a debug host its inspector relay); the driver's realm has no require to start one.
  flags.push("--allow-worker");
  // --no-warnings: the permission model's ExperimentalWarning is not the user's concern.
  flags.push(`--max-old-space-size=${o.heapMb}`, "--no-warnings");
  return flags;
}

/** The host child's entry and the files it needs: bundled (dist/) or compiled (out/). */
export function hostEntry(): { entry: string; read: string[] } {
  // Bundled, this code lives in dist/faultline.js next to dist/host.js.
  const bundled = path.join(__dirname, "host.js");
  if (path.basename(__filename) !== "node.js" && fs.existsSync(bundled)) {
    // host-entry.js runs host.js from V8's code cache (code-cache.ts); the extension's dist/client has host.js alone.
    const cached = path.join(__dirname, "host-entry.js");
    return { entry: fs.existsSync(cached) ? cached : bundled, read: [__dirname] };
  }
  // Compiled by tsc: out/host/src/child.js, with sim-core beside it and packages in node_modules.
  const out = path.resolve(__dirname, "../..");
  const root = path.resolve(out, "..");
  return { entry: path.join(__dirname, "child.js"), read: [out, path.join(root, "node_modules")] };
}

/**
 * A Node with --allow-inspector for debug runs: $FAULTLINE_DEBUG_NODE, else
 * the one scripts/debug-node.mjs installed into .debug-node/ at the package
 * root, else this Node if it is new enough.
 */
export function debugNode(): string | undefined {
  const env = process.env.FAULTLINE_DEBUG_NODE;
  if (env) return env;
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const base = path.join(d, ".debug-node", "node_modules");
    if (!fs.existsSync(base)) continue;
    for (const pkg of fs.readdirSync(base).filter((p) => p.startsWith("node-"))) {
      const bin = path.join(base, pkg, "bin", process.platform === "win32" ? "node.exe" : "node");
      if (fs.existsSync(bin)) return bin;
    }
  }
  return hasAllowInspector(parseVersion(process.version)) ? process.execPath : undefined;
}
