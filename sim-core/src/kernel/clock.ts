// Virtual time. Nothing in the simulator reads the host clock: every
// operation advances time by a fixed cost, so timestamps are reproducible.

export const COST_NS = {
  call: 50,
  pageAlloc: 250,
  pageFree: 150,
  slabAlloc: 80,
  slabFree: 60,
  vmallocPage: 400,
  kmap: 60,
  ioremap: 1500,
  mmio: 100,
  printk: 2000,
  fault: 1000,
  syscall: 300,
  bytes: 0.25, // per byte copied or set by the CPU (~4 GB/s)
} as const;

export class VirtualClock {
  private ns = 0;
  get now(): number { return this.ns; }
  advance(ns: number): void { this.ns += ns; }
}
