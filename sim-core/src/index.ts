// sim-core's public entry: the kernel, its events and inspection queries,
// the rule catalogue, and the driver API (by header, as a driver imports it).

export { Kernel, DEFAULT_SEED, isError, type BootOptions } from "./kernel";
export { Task } from "./kernel/tasks";
export { makeProfile, type ArchName, type ArchProfile, MIN_MEM, MAX_MEM } from "./arch/profile";
export type { KernelEvent, KernelEventBody, KernelEventType, KernelEventOf, EventListener } from "./kernel/events";
export { KernelOops, RunAborted, type Finding } from "./kernel/report";
export type { Frame } from "./kernel/stack";
export type { LogRecord } from "./kernel/printk";
export { formatDmesg } from "./kernel/printk";
export type { ZoneSnapshot, FrameSnapshot, CacheSnapshot, AddressWalk, ProcessSnapshot, VmaSnapshot } from "./inspect";
export type { WalkLevel } from "./mm/pgtable";
export { UserSignal, describeSignal, type SigInfo } from "./kernel/signal";
export { RULES, getRule, isRuleId, formatRuleMessage, type Rule, type RuleId } from "./rules/catalogue";
export { renderRuleDocs } from "./rules/docs";
export { bindKernel, currentKernel, withKernel } from "./api/current";
export { parseSize, formatSize, hexAddr } from "./util/addr";

/** Driver-facing modules by the header they mirror; the driver host resolves imports with this. */
export const DRIVER_MODULES = [
  "asm/page", "linux/mm", "linux/gfp", "linux/slab", "linux/vmalloc", "linux/highmem", "linux/io",
  "linux/string", "linux/printk", "linux/errno", "linux/err", "linux/bug", "linux/fs", "linux/cdev",
  "linux/miscdevice", "linux/uaccess", "linux/uio", "linux/module", "linux/sched", "linux/workqueue",
  "linux/pci", "linux/interrupt", "linux/completion", "linux/wait", "linux/device", "asm/dma",
  "linux/dma-mapping", "linux/dmapool", "linux/scatterlist",
  "linux/spinlock", "linux/mutex", "linux/semaphore", "linux/kref", "linux/timer", "linux/ioctl", "linux/ioport",
  "faultline/ptr", "faultline/user",
] as const;
export { runScenario, type RunSpec, type RunResult, type ProcessEnd } from "./run/runner";
export { runScenarioOnDemand, withStacksOnDemand, MAX_STACK_REPLAYS, type StacksOnDemandInfo } from "./run/stacks-on-demand";
