// One boot per process: the RSS this process reads before and after belongs
// to that boot alone, with no heap left over from an earlier run.
// Spawned by run.ts as `node --expose-gc boot-child.js ARCH MEM`; answers over IPC.

import { Kernel, type ArchName } from "../sim-core/src";

export interface BootSample { bootMs: number; rssDeltaBytes: number; refMs: number }

const MiB = 1 << 20;
// Without --expose-gc the RSS after boot would count garbage the next GC frees.
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function zeroedBuffers(): number {
  let sink = 0;
  for (let i = 0; i < 100; i++) {
    const b = new Uint8Array(new ArrayBuffer(MiB));
    b.fill(0); // touch every page: a fresh ArrayBuffer may be lazily zeroed by the OS
    sink ^= b[i * 4099];
  }
  return sink;
}

const [arch, mem] = process.argv.slice(2);
gc();
const rss0 = process.memoryUsage.rss();
const t0 = performance.now();
const k = Kernel.boot({ arch: arch as ArchName, mem });
const bootMs = performance.now() - t0;
gc();
const rss1 = process.memoryUsage.rss();
const t1 = performance.now();
zeroedBuffers();
const refMs = performance.now() - t1;
if (k.pages.totalFreePages() <= 0) throw new Error("booted with no free memory");

const sample: BootSample = { bootMs, rssDeltaBytes: rss1 - rss0, refMs };
process.send!(sample, () => process.disconnect());
