// One run: boot, insmod the driver, play the scenario's processes, let the
// survivors exit, rmmod — and collect what a user wants to see: the kernel
// log, the program's output, the findings and how each process ended.

import { Kernel, type BootOptions } from "../kernel";
import { bindKernel } from "../api/current";
import { ScenarioAssertion, setStdout } from "../api/faultline/user";
import { errname } from "../api/linux/errno";
import type { Finding } from "../kernel/report";
import { KernelOops } from "../kernel/report";
import { UserSignal, describeSignal } from "../kernel/signal";

export interface RunSpec {
  /** The module's name, as insmod would call it. */
  readonly module: string;
  readonly boot?: BootOptions;
  /**
   * A kernel already booted with `boot`, used instead of booting one (the driver host boots the default
   * profile's while it waits for its request). The simulation is deterministic: it is the kernel a boot now would give.
   */
  readonly kernel?: Kernel;
  /** insmod parameters, name=value. */
  readonly params?: Readonly<Record<string, string>>;
  /** Evaluates the driver's code; its module_init() and friends register the module. */
  readonly loadDriver: () => void;
  /** Plays the user program. */
  readonly scenario: () => void;
  /** Called with the booted kernel before anything runs (the host installs its source-map lookup here). */
  readonly setup?: (k: Kernel) => void;
  /** Sees the program's output as it is printed. */
  readonly onStdout?: (s: string) => void;
  /** Called when the scenario has ended, before the surviving processes exit (snapshots of their maps). */
  readonly scenarioEnded?: (k: Kernel) => void;
}

export interface ProcessEnd {
  readonly pid: number;
  readonly comm: string;
  readonly code: number;
  readonly signal?: string;
}

export interface RunResult {
  readonly kernel: Kernel;
  readonly insmod: number;
  readonly rmmod: number;
  /** The scenario ran to its end (a killed process ends its own part, not the scenario's). */
  readonly completed: boolean;
  readonly failure?: string;
  readonly processes: readonly ProcessEnd[];
  readonly stdout: string;
  readonly findings: readonly Finding[];
}

export function runScenario(spec: RunSpec): RunResult {
  const k = spec.kernel ?? Kernel.boot(spec.boot);
  spec.setup?.(k);
  let out = "";
  bindKernel(k);
  const onStdout = spec.onStdout;
  const restore = setStdout(onStdout ? (s) => { out += s; onStdout(s); } : (s) => { out += s; });
  let completed = false, failure: string | undefined, rmmod = 0;
  try {
    let insmod: number;
    try {
      insmod = k.modules.load(spec.module, spec.loadDriver, spec.params);
    } catch (e) {
      if (!(e instanceof KernelOops)) throw e;
      // An oops in init kills insmod (it dies of SIGSEGV in Linux) and leaves the module half-loaded: nothing more can run.
      failure = `kernel: ${e.message} (in the module's init: insmod was killed and the module cannot be unloaded)`;
      insmod = -14; // -EFAULT, what the shell would report as a segfault
    }
    if (failure) {
      // nothing else runs
    } else if (insmod < 0) {
      failure = `insmod: ERROR: could not insert module ${spec.module}.ko: ${errname(insmod) ?? insmod}`;
    } else {
      try {
        spec.scenario();
        completed = true;
      } catch (e) {
        if (e instanceof UserSignal) {
          completed = true; // the process died of its signal; that is the scenario's outcome, reported below
        } else if (e instanceof ScenarioAssertion) failure = `scenario: ${e.message}`;
        else if (e instanceof KernelOops) failure = `kernel: ${e.message}`;
        else throw e;
      }
      spec.scenarioEnded?.(k);
      for (const t of k.tasks.all.values()) if (t.state === "running" && t.mm) k.syscalls.exit(t, 0);
      rmmod = k.modules.unload(spec.module);
      if (rmmod < 0) failure ??= `rmmod: ERROR: could not remove module ${spec.module}: ${errname(rmmod) ?? rmmod}`;
    }
    const processes = [...k.tasks.all.values()].filter((t) => t.mm !== null || t.state === "zombie").map((t) => ({
      pid: t.pid, comm: t.comm, code: t.exitCode, ...(t.killedBy ? { signal: describeSignal(t.killedBy) } : {}),
    }));
    return { kernel: k, insmod, rmmod, completed, failure, processes, stdout: out, findings: [...k.findings] };
  } finally {
    restore();
    bindKernel(undefined);
  }
}
