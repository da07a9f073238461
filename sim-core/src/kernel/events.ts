// The typed event stream: everything the kernel does that a debugger or a
// view may want, each with a sequence number and the virtual time.

import type { RuleId } from "../rules/catalogue";
import type { Frame } from "./stack";

export type KernelEventBody =
  | { type: "boot"; arch: string; memBytes: number; seed: number }
  | { type: "page_alloc"; pfn: number; order: number; gfp: number; zone: string }
  | { type: "page_alloc_fail"; order: number; gfp: number }
  | { type: "page_free"; pfn: number; order: number }
  | { type: "page_ref"; pfn: number; refcount: number; op: "get" | "put" }
  | { type: "page_flag"; pfn: number; flag: string; set: boolean }
  | { type: "kmalloc"; addr: number; size: number; cache: string; gfp: number }
  | { type: "kfree"; addr: number; size: number; cache: string }
  | { type: "slab_new"; cache: string; pfn: number; order: number }
  | { type: "slab_discard"; cache: string; pfn: number; order: number }
  | { type: "vmalloc"; addr: number; size: number; pages: number }
  | { type: "vfree"; addr: number; size: number }
  | { type: "kmap"; kind: "kmap" | "kmap_atomic" | "kmap_local"; pfn: number; addr: number; slot: number }
  | { type: "kunmap"; kind: "kmap" | "kmap_atomic" | "kmap_local"; pfn: number; addr: number; slot: number }
  | { type: "ioremap"; phys: number; size: number; addr: number }
  | { type: "iounmap"; addr: number }
  | { type: "log"; level: number; text: string; tsNs: number }
  | { type: "violation"; rule: RuleId; message: string; location?: Frame; report: string[] }
  | { type: "oops"; message: string; address: number; location?: Frame; report: string[] }
  | { type: "pte_set"; mm: number; addr: number; pfn: number; flags: number }
  | { type: "pte_clear"; mm: number; addr: number; pfn: number }
  | { type: "page_fault"; mm: number; addr: number; write: boolean; present: boolean }
  | { type: "cow"; mm: number; addr: number; from: number; to: number }
  | { type: "vma_add"; mm: number; start: number; end: number; flags: number; file: string | null }
  | { type: "vma_remove"; mm: number; start: number; end: number }
  | { type: "task_new"; pid: number; comm: string; parent: number }
  | { type: "task_exit"; pid: number; code: number; signal?: string }
  | { type: "module"; name: string; op: "load" | "unload" }
  | { type: "file_open"; path: string; file: number }
  | { type: "file_release"; path: string; file: number }
  | { type: "aio_complete"; pid: number; res: number }
  | { type: "irq"; irq: number; handled: boolean }
  | { type: "dma_map"; dev: string; kind: string; busAddr: number; phys: number; size: number; dir: string }
  | { type: "dma_unmap"; dev: string; kind: string; busAddr: number; size: number; dir: string }
  | { type: "dma_sync"; dev: string; busAddr: number; size: number; dir: string; forCpu: boolean }
  | { type: "dma_transfer"; dev: string; busAddr: number; size: number; write: boolean };

export type KernelEventType = KernelEventBody["type"];
export type KernelEvent = KernelEventBody & { readonly seq: number; readonly time: number };
export type KernelEventOf<T extends KernelEventType> = Extract<KernelEvent, { type: T }>;
export type EventListener = (e: KernelEvent) => void;

export class EventStream {
  private seq = 0;
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly now: () => number) {}

  get lastSeq(): number { return this.seq; }
  get hasListeners(): boolean { return this.listeners.size > 0; }

  /** True when `l` is the only subscriber: a subsystem's own listener need not pay for its own events. */
  onlyListenerIs(l: EventListener): boolean { return this.listeners.size === 1 && this.listeners.has(l); }

  /** Subscribe; returns the unsubscribe function. */
  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a sequence number without building an event: the hot paths call it when nobody listens. */
  skip(): void {
    ++this.seq;
  }

  emit(body: KernelEventBody): void {
    const seq = ++this.seq;
    if (this.listeners.size === 0) return;
    const e = Object.freeze({ ...body, seq, time: this.now() }) as KernelEvent;
    for (const l of this.listeners) l(e);
  }
}
