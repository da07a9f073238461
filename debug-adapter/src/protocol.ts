// Faultline's additions to the Debug Adapter Protocol, declared once: the
// adapter answers them and the VS Code extension (client/) imports this file
// to send them, so the two sides cannot drift (as vscode-eslint's $shared and
// rust-analyzer's lsp_ext.ts do for LSP). Plain types only: no 'vscode', no
// @vscode/debugadapter, so any client can import it.

/** The debug type in launch.json and package.json's contributes.debuggers. */
export const DEBUG_TYPE = "faultline";

/** launch.json attributes. Paths may be relative to `cwd` (default: the driver's folder's parent workspace). */
export interface FaultlineLaunchArguments {
  /** The driver .ts file. */
  driver: string;
  /** A scenario by name (as `faultline run --scenario`) or a .ts path; default: the folder's first scenario. */
  scenario?: string;
  arch?: "x86_64" | "i386";
  /** RAM, e.g. "256M", "16G". */
  mem?: string;
  seed?: number;
  /** Devices to plug in (as sample.json's boot.devices), e.g. ["edu"]. */
  devices?: string[];
  /** Module parameters (insmod name=value). */
  params?: Record<string, string>;
  stopOnEntry?: boolean;
  /** dma-debug's boot options (sample.json's boot.dmaDebug). */
  dmaDebug?: { allErrors?: boolean; driverFilter?: string; stacks?: boolean };
  /** Where relative paths resolve and messages print from. */
  cwd?: string;
  /** Skip sample.json beside the driver (default: read it, as `faultline run` does). */
  noSampleJson?: boolean;
  /** The Node that runs the host (must have --allow-inspector); default: the adapter's choice (see ARCHITECTURE.md). */
  nodePath?: string;
  /**
   * "realm" allows a debug run on a Node without --allow-inspector (VS Code's Electron as Node, Node < 24.10):
   * the host runs without Node's permission model, contained by the driver's realm alone, and the Debug Console
   * says so. A Node with --allow-inspector always runs "process" (permission model). Default: "process".
   */
  containment?: "process" | "realm";
  /** Adapter trace to the Debug Console / log file. */
  trace?: boolean;
}

/** Kernel events a user can stop on: exceptionBreakpointFilters ids (and `faultline/continueToKernelEvent` kinds). */
export const KERNEL_EVENT_FILTERS = [
  { filter: "page_fault", label: "Page fault", conditionDescription: "e.g. write && address >= 0x7f0000000000 (fields: address, write, present, vma, pid, comm)", default: false },
  { filter: "mmap", label: "mmap / munmap (VMA added or removed)", conditionDescription: "e.g. file == '/dev/simplen' (fields: op, start, end, file, pid, comm)", default: false },
  { filter: "dma_map", label: "DMA map / unmap", conditionDescription: "e.g. dir == 'DMA_FROM_DEVICE' (fields: op, dev, handle, phys, size, dir, kind)", default: false },
  { filter: "dma_sync", label: "DMA sync for CPU / for device", conditionDescription: "e.g. forCpu && size > 512 (fields: dev, handle, size, dir, forCpu)", default: false },
  { filter: "dma_transfer", label: "Device DMA transfer", conditionDescription: "fields: dev, handle, size, write", default: false },
  { filter: "irq", label: "Interrupt", conditionDescription: "fields: irq, handled", default: false },
  { filter: "violation", label: "Rule violation", conditionDescription: "e.g. rule == 'DMA001' (fields: rule, message)", default: true },
  { filter: "oops", label: "Oops", conditionDescription: "fields: message, address", default: true },
] as const;

export type KernelEventFilter = (typeof KERNEL_EVENT_FILTERS)[number]["filter"];

/** `faultline/continueToKernelEvent`: resume until the next kernel event of these kinds (all filters when omitted). */
export const CONTINUE_TO_KERNEL_EVENT = "faultline/continueToKernelEvent";
export interface ContinueToKernelEventArguments { threadId?: number; kinds?: KernelEventFilter[] }

/** `faultline/memoryMap`: a JSON picture of memory for a memory-map view, valid while stopped. */
export const MEMORY_MAP = "faultline/memoryMap";
export interface MemoryMapArguments { pid?: number }
export interface MemoryMapResponse {
  arch: string;
  memBytes: number;
  /** Per zone: its PFN range and how many frames are in each state. */
  zones: Array<{ name: string; startPfn: number; endPfn: number; free: number; byOwner: Record<string, number> }>;
  /** Runs of consecutive frames in one state, over the touched part of mem_map (at most `maxRuns`; untouched frames are free or reserved at boot). */
  runs: Array<{ startPfn: number; count: number; owner: string }>;
  /** The current process (or `pid`): its VMAs as /proc/<pid>/maps has them. */
  process?: { pid: number; comm: string; vmas: Array<{ start: string; end: string; perms: string; pgoff: number; file: string | null; present: number; memoryReference: string; maps: string }> };
}

/** `faultline/kernelViews`: the tree views' roots (same nodes as the Variables view's kernel scopes). */
export const KERNEL_VIEWS = "faultline/kernelViews";
export interface KernelViewsResponse {
  views: Array<{ id: string; label: string; variablesReference: number; indexedVariables?: number; namedVariables?: number }>;
}

/** Custom event: a kernel event stopped the run (sent beside the DAP stopped event, for views). */
export const KERNEL_EVENT_STOP = "faultline/kernelEvent";
export interface KernelEventStopBody { kind: KernelEventFilter | "function"; description: string; fields: Record<string, unknown> }

/**
 * memoryReference / readMemory address scheme. A reference is a string:
 *   "phys:0x1000"          physical address
 *   "kva:0xffff888000001000"  kernel virtual address (direct map, vmalloc, kmap)
 *   "uva:<pid>:0x7f0000000000"  user virtual address in process <pid>
 * and a bare "0x…" reads as kernel virtual. readMemory's offset is added to the address.
 */
export type MemorySpace = "phys" | "kva" | "uva";
