// The `faultline` command: boot a simulated machine and show its memory
// (`boot`); run drivers against their scenarios in the driver host (`run`);
// everything `npm start` shows (`start`); every driver under a folder as a
// test suite (`test`); the static rules, headless (`check`).

import * as path from "node:path";
import type { Kernel, BootOptions } from "../../sim-core/src";
import { UsageError, bootOptions, parseArgs } from "./args";
import { takeEarlyHost } from "./early-host";

// Each command loads only what it needs (esbuild keeps a required module's body
// unevaluated until the require): the debug adapter, the demo, the test runner and
// the analyses are not paid for by `faultline run`, whose start is the edit-run loop's.
const lazy = {
  standalone: () => require("../../debug-adapter/src/standalone") as typeof import("../../debug-adapter/src/standalone"),
  kernel: () => require("../../sim-core/src") as typeof import("../../sim-core/src"),
  demo: () => require("./demo") as typeof import("./demo"),
  layout: () => require("./layout") as typeof import("./layout"),
  run: () => require("./run") as typeof import("./run"),
  spare: () => require("../../host/src/spare") as typeof import("../../host/src/spare"),
  samples: () => require("./samples") as typeof import("./samples"),
  test: () => require("./test-command") as typeof import("./test-command"),
};

const USAGE = `usage: faultline <command> [options]

commands:
  run <driver.ts>...  run a driver against the scenarios beside it, each in a driver host of its own:
                      the kernel log, the program's output, /proc/<pid>/maps and every finding;
                      exit 1 when a rule fires or the run fails
  test [dir|driver.ts]...
                      every driver x scenario under the folders (default: .) as a test suite, several hosts at once:
                      a driver must run clean, a twin its sample.json names must trip exactly its rule;
                      exit 1 when any test fails
  check <file.ts|dir>...
                      the static analyses, headless (what the language server shows in the editor):
                      exit 1 when a finding is an error
  boot                boot a simulated machine and print its boot log, zones, /proc/buddyinfo and /proc/iomem
  start               boot, run the allocation demo, then every sample through the driver host
  debug-adapter [--server=PORT] [--node=PATH]
                      the debug adapter (DAP) on stdin/stdout, or a TCP server: for nvim-dap, Emacs dap-mode
                      and other editors (VS Code runs it inline)

options:
  --arch i386|x86_64   architecture profile (default x86_64)
  --mem SIZE           RAM, 16M to 64G (default 256M)
  --seed N             seed for everything random (default 24301)
  --pae                i386: use PAE page tables even below 4 GiB
  --scenario NAME      run: only this scenario (a name, or a .ts file)
  --json               run: one JSON document (cli/schema/run.schema.json) instead of text
  --boot-log           run: include the boot log
  --cpu-ms N           run, test: CPU-time limit per run (default 10000)
  --heap-mb N          run, test: the host's heap cap (default 512)
  --jobs N             test: runs at a time (default: one per core)
  --reporter NAME      test: auto (a progress bar on a terminal, TAP otherwise), progress, tap, junit or json
  --format NAME        check: text, json (cli/schema/check.schema.json) or sarif (SARIF 2.1.0)
`;

function boot(opts: BootOptions): Kernel {
  const { Kernel, bindKernel } = lazy.kernel();
  const k = Kernel.boot(opts);
  bindKernel(k);
  return k;
}

const stdout = (s: string): void => { process.stdout.write(s); };

export async function main(argv: readonly string[], out: (s: string) => void = stdout): Promise<number> {
  // DAP owns stdin/stdout from here on: no usage text, no option parsing of its own flags.
  if (argv[0] === "debug-adapter") {
    lazy.standalone().runStandalone(argv.slice(1));
    return new Promise<number>(() => { /* the adapter runs until its client leaves */ });
  }
  const { command, positional, flags } = parseArgs(argv);
  if (!command || flags.has("help") || command === "help") {
    out(USAGE);
    return command || flags.has("help") ? 0 : 2;
  }
  const opts = bootOptions(flags);
  switch (command) {
    case "run": {
      const limits = limitsOf(flags);
      // The host is spawned before anything else of the run is loaded or done (the rest of the command line,
      // esbuild's bundling): its start, one Node start and its own code, then overlaps ours; two cores run both.
      const spare = positional.length ? earlyHost(limits.heapMb) : undefined;
      try {
        return await lazy.run().runCommand(positional, stringFlag(flags, "scenario"), opts, {
          json: flags.has("json"), bootLog: flags.has("boot-log"), limits, spare,
        }, out);
      } finally {
        // Not claimed (a usage error, no scenario): it would end with our exit anyway (its stdin closes); now is sooner.
        if (spare?.usable) spare.kill();
      }
    }
    case "test":
      return lazy.test().testCommand(positional, { jobs: numberFlag(flags, "jobs", "jobs").jobs, reporter: stringFlag(flags, "reporter"), overrides: opts, limits: limitsOf(flags) }, {
        out, err: (s) => { process.stderr.write(s); },
        isTTY: out === stdout && process.stdout.isTTY === true, columns: process.stdout.columns,
      });
    case "check":
      // Loaded here: the analyses bring the TypeScript compiler, which no other command needs.
      return (require("./check") as typeof import("./check")).checkCommand(positional, stringFlag(flags, "format"), out);
    case "boot":
      out(lazy.layout().bootReport(boot(opts)));
      return 0;
    case "start": {
      const k = boot(opts);
      out(lazy.layout().bootReport(k));
      const bootRecords = k.log.records().length;
      const buddyBefore = k.inspect.buddyinfo();
      lazy.demo().allocationDemo();
      const demoLog = k.log.records().slice(bootRecords);
      out("# allocation demo (samples of the driver API; the last step is a deliberate bug)\n$ dmesg | tail\n");
      out(demoLog.map((r) => `[${(r.tsNs / 1e9).toFixed(6).padStart(12)}] ${r.text}`).join("\n") + "\n\n");
      k.slab.shrinkAll();
      out(`$ cat /proc/buddyinfo   # after freeing everything and shrinking the slab caches: ${k.inspect.buddyinfo() === buddyBefore ? "back to the boot state" : "NOT the boot state"}\n`);
      out(k.inspect.buddyinfo() + "\n");
      out(`findings: ${k.findings.map((f) => `${f.rule} ${f.title} at ${f.location ? `${path.relative(process.cwd(), f.location.file)}:${f.location.line}` : "?"}`).join("; ") || "none"}\n\n`);
      lazy.kernel().bindKernel(undefined);
      const { samplesDir, runSamples } = lazy.samples();
      const dir = samplesDir();
      if (!dir) return 0;
      const { ok, total } = await runSamples(dir, out);
      return ok === total ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

/**
 * A host for the run's first scenario: the one dist/faultline.js spawned before loading this bundle, else one
 * started now; undefined when it cannot be (the run's own start then says why). One the run cannot use (its
 * options differ) is left alone by the run and killed at the end.
 */
function earlyHost(heapMb: number | undefined) {
  const early = takeEarlyHost();
  if (early) return early;
  try {
    return lazy.spare().spawnHost({ heapMb });
  } catch {
    return undefined;
  }
}

function stringFlag(flags: Map<string, string | true>, name: string): string | undefined {
  const v = flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

function limitsOf(flags: Map<string, string | true>) {
  return { ...numberFlag(flags, "cpu-ms", "cpuMs"), ...numberFlag(flags, "heap-mb", "heapMb") };
}

function numberFlag<K extends string>(flags: Map<string, string | true>, name: string, key: K): Partial<Record<K, number>> {
  const v = stringFlag(flags, name);
  if (v === undefined) return {};
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`--${name} must be a positive whole number, got "${v}"`);
  return { [key]: Number(v) } as Partial<Record<K, number>>;
}

if (require.main === module) {
  // `faultline run x.ts | head`: a reader that leaves is not an error of ours.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(process.exitCode ?? 0); else throw e; });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`faultline: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`faultline: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 3;
    }
  });
}
