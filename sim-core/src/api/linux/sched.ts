// <linux/sched.h>: current, the task a driver's code runs on behalf of.

import type { MmStruct } from "../../mm/mm_struct";
import { currentKernel } from "../current";

/** current: read its fields as current.pid, current.comm, current.mm. */
export const current = Object.freeze({
  get pid(): number { return currentKernel().current.pid; },
  get comm(): string { return currentKernel().current.comm; },
  get mm(): MmStruct | null { return currentKernel().current.mm; },
});

export type task_struct = typeof current;
export type mm_struct = MmStruct;
