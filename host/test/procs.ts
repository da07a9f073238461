// Process helpers the host's and the adapter's tests share: Linux /proc reads,
// so the tests can see which hosts are running without asking the code under test.
import * as fs from "node:fs";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running and not a zombie (a killed child its parent has not reaped yet counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Polls `ok` every 10 ms; throws naming `what` after `ms`. */
export async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/** Live processes whose parent is `ppid` and whose command line passes `match` (its arguments, NUL-separated). */
export function childrenOf(ppid: number, match: (cmdline: string) => boolean): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === ppid && match(fs.readFileSync(`/proc/${d}/cmdline`, "utf8")) && alive(Number(d))) out.push(Number(d));
    } catch { /* gone meanwhile */ }
  }
  return out;
}
