// The `faultline` command. For now: boot a simulated machine and show its
// memory (`boot`), or that plus the allocation demo (`start`, what `npm start` runs).

import * as path from "node:path";
import { Kernel, bindKernel, type BootOptions } from "../../sim-core/src";
import { allocationDemo } from "./demo";
import { bootReport } from "./layout";
import { UsageError, bootOptions, parseArgs } from "./args";

const USAGE = `usage: faultline <command> [options]

commands:
  boot     boot a simulated machine and print its boot log, zones, /proc/buddyinfo and /proc/iomem
  start    boot, then run the allocation demo and show what the kernel logged

options:
  --arch i386|x86_64   architecture profile (default x86_64)
  --mem SIZE           RAM, 16M to 64G (default 256M)
  --seed N             seed for everything random (default 24301)
  --pae                i386: use PAE page tables even below 4 GiB
`;

function boot(opts: BootOptions): Kernel {
  const k = Kernel.boot(opts);
  bindKernel(k);
  return k;
}

export function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const { command, flags } = parseArgs(argv);
  if (!command || flags.has("help") || command === "help") {
    out(USAGE);
    return command || flags.has("help") ? 0 : 2;
  }
  const opts = bootOptions(flags);
  switch (command) {
    case "boot":
      out(bootReport(boot(opts)));
      return 0;
    case "start": {
      const k = boot(opts);
      out(bootReport(k));
      const bootRecords = k.log.records().length;
      const buddyBefore = k.inspect.buddyinfo();
      allocationDemo();
      const demoLog = k.log.records().slice(bootRecords);
      out("# allocation demo (samples of the driver API; the last step is a deliberate bug)\n$ dmesg | tail\n");
      out(demoLog.map((r) => `[${(r.tsNs / 1e9).toFixed(6).padStart(12)}] ${r.text}`).join("\n") + "\n\n");
      k.slab.shrinkAll();
      out(`$ cat /proc/buddyinfo   # after freeing everything and shrinking the slab caches: ${k.inspect.buddyinfo() === buddyBefore ? "back to the boot state" : "NOT the boot state"}\n`);
      out(k.inspect.buddyinfo() + "\n");
      out(`findings: ${k.findings.map((f) => `${f.rule} ${f.title} at ${f.location ? `${path.relative(process.cwd(), f.location.file)}:${f.location.line}` : "?"}`).join("; ") || "none"}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`faultline: ${e.message}\n`);
      process.exitCode = 2;
    } else throw e;
  }
}
