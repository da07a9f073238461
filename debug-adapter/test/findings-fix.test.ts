// The Findings scope shows a finding's fix (the line to change) beside the
// kernel's report: the host's "findings" query carries it, the scope lists
// it as a `fix` record. A real kernel, no host process: the query runs
// in-process as the debug host runs it.

import { strict as assert } from "node:assert";
import { Kernel, bindKernel } from "../../sim-core/src";
import { Device } from "../../sim-core/src/dev/device";
import { GFP_KERNEL } from "../../sim-core/src/api/linux/gfp";
import { kzalloc } from "../../sim-core/src/api/linux/slab";
import { DMA_BIT_MASK, DMA_TO_DEVICE, dma_map_single, dma_set_mask_and_coherent, dma_unmap_single } from "../../sim-core/src/api/linux/dma-mapping";
import { inspectQuery } from "../../host/src/debug-inspect";
import { findingsScope } from "../src/kernel/dma";
import type { KNode, KernelSource } from "../src/kernel/node";

describe("debug adapter: a finding's fix in the Findings scope", () => {
  afterEach(() => bindKernel(undefined));

  it("DMA002: the fix names the map's function and line, beside the report", async () => {
    const k = Kernel.boot({ arch: "x86_64", mem: "256M" });
    bindKernel(k);
    const dev = new Device({ name: "fxdev", vendor: 0x1234, device: 0x11 }, "0000:00:04.0");
    k.dma.attach(dev);
    dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
    let mapLine = 0;
    function fx_map(): number { const h = dma_map_single(dev, kzalloc(64, GFP_KERNEL), 64, DMA_TO_DEVICE); mapLine = Number(/:(\d+):\d+\)?$/.exec(new Error().stack!.split("\n")[1]!)![1]); return h; }
    dma_unmap_single(dev, fx_map(), 64, DMA_TO_DEVICE);
    const src: KernelSource = { kernel: async <T>(name: string, ...args: unknown[]) => inspectQuery(k, name, args) as T };
    const kids = async (n: KNode) => n.children!(src, 0, 100);
    const [f] = await kids(findingsScope());
    assert.ok(f);
    assert.match(f.name, /DMA002$/);
    const fields = await kids(f);
    const fix = fields.find((x) => x.name === "fix");
    assert.ok(fix, `fields: ${fields.map((x) => x.name).join(", ")}`);
    const ff = await kids(fix);
    assert.equal(ff.find((x) => x.name === "fn")?.value, "fx_map");
    assert.match(ff.find((x) => x.name === "at")?.value ?? "", new RegExp(`findings-fix\\.test\\.ts:${mapLine}$`));
    assert.match(ff.find((x) => x.name === "why")?.value ?? "", /dma_mapping_error\(\)/);
    assert.ok(fields.some((x) => x.name === "report"), "the kernel's report is still there");
  });
});
