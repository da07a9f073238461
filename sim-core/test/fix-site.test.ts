// Where the finding points: Linux's leak and unbind reports name the
// allocation; the finding also names the teardown that returned without the
// free or the unmap (Finding.fix), and the report itself stays Linux's.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { GFP_KERNEL } from "../src/api/linux/gfp";
import { kfree, kmalloc } from "../src/api/linux/slab";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import { DMA_BIT_MASK, DMA_TO_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_single } from "../src/api/linux/dma-mapping";
import type { pci_dev } from "../src/api/linux/pci";
import { boot, lineHere, rulesFired } from "./helpers";

function insmod(k: Kernel, name: string, init: () => number, exit: () => void): void {
  assert.equal(k.modules.load(name, () => { MODULE_LICENSE("GPL"); module_init(init); module_exit(exit); }), 0);
}

/** A PCI driver whose probe takes a buffer and a streaming mapping; `undo` says what its remove gives back. */
async function pciDriver(k: Kernel, undo: { unmap: boolean; free: boolean }): Promise<{ removeLine: number; exitLine: number }> {
  const pci = await import("../src/api/linux/pci");
  let priv = 0, buf = 0, handle = 0, removeLine = 0, exitLine = 0;
  function fx_probe(pdev: pci_dev): number {
    if (pci.pci_enable_device(pdev)) return -19;
    dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28));
    priv = kmalloc(64, GFP_KERNEL);
    buf = kmalloc(512, GFP_KERNEL);
    handle = dma_map_single(pdev.dev, buf, 512, DMA_TO_DEVICE);
    return dma_mapping_error(pdev.dev, handle) ? -12 : 0;
  }
  function fx_remove(pdev: pci_dev): void {
    if (undo.unmap) dma_unmap_single(pdev.dev, handle, 512, DMA_TO_DEVICE);
    if (undo.free) kfree(buf);
    kfree(priv); removeLine = lineHere();
    pci.pci_disable_device(pdev);
  }
  const drv = { name: "fx_pci", id_table: [pci.PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }], probe: fx_probe, remove: fx_remove };
  function fx_exit(): void { pci.pci_unregister_driver(drv); exitLine = lineHere(); }
  insmod(k, "fx_pci", () => pci.pci_register_driver(drv), fx_exit);
  assert.equal(k.modules.unload("fx_pci"), 0);
  return { removeLine, exitLine };
}

describe("Finding.fix: the teardown to change", () => {
  it("a buffer probe() took and remove() did not free: MEM008 names remove(), at its last kernel call", async () => {
    const k = boot({ devices: ["edu"] });
    const { removeLine } = await pciDriver(k, { unmap: true, free: false });
    assert.deepEqual(rulesFired(k), ["MEM008"]);
    const f = k.findings[0];
    assert.equal(f.fix?.fn, "fx_remove");
    assert.equal(f.fix?.location?.line, removeLine);
    assert.match(f.fix!.why, /fx_remove\(\) returns without releasing it: the kfree\(\) of what kmalloc\(\) took belongs there/);
    // The report is kmemleak's: it names the allocation in probe, not the fix.
    assert.ok(f.report.some((l) => l.includes("fx_probe")));
    assert.ok(!f.report.some((l) => l.includes("fx_remove")));
    assert.equal(f.location?.fn, "fx_probe");
  });

  it("a mapping remove() did not unmap: DMA020 at the unbind names remove()", async () => {
    const k = boot({ devices: ["edu"] });
    const { removeLine } = await pciDriver(k, { unmap: false, free: true });
    // The mapping's buffer was freed while mapped too; the unbind's DMA020 is the one this test is about.
    const f = k.findings.find((x) => x.rule === "DMA020");
    assert.ok(f, `DMA020 expected, got ${rulesFired(k).join(", ")}`);
    assert.equal(f.fix?.fn, "fx_remove");
    assert.equal(f.fix?.location?.line, removeLine);
    assert.match(f.fix!.why, /still mapped/);
    assert.ok(f.report.some((l) => l.includes("device driver has pending DMA allocations while released from device")));
  });

  it("the correct twin: nothing left, no finding, nothing to fix", async () => {
    const k = boot({ devices: ["edu"] });
    await pciDriver(k, { unmap: true, free: true });
    assert.deepEqual(rulesFired(k), []);
  });

  it("what init took and exit did not free: MEM008 names the module's exit function", () => {
    const k = boot();
    let a = 0, b = 0, exitLine = 0;
    const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "fxmisc", fops: {} };
    function fxmisc_init(): number { a = kmalloc(32, GFP_KERNEL); b = kmalloc(32, GFP_KERNEL); return misc_register(misc); }
    function fxmisc_exit(): void { misc_deregister(misc); kfree(a); exitLine = lineHere(); }
    insmod(k, "fxmisc", fxmisc_init, fxmisc_exit);
    assert.equal(k.modules.unload("fxmisc"), 0);
    assert.deepEqual(rulesFired(k), ["MEM008"]);
    const f = k.findings[0];
    assert.equal(f.fix?.fn, "fxmisc_exit");
    assert.equal(f.fix?.location?.line, exitLine);
    assert.equal(f.location?.fn, "fxmisc_init");
    assert.ok(b);
  });

  it("an init that fails after an allocation: MEM008 names init's error path, not an exit that never ran", () => {
    const k = boot();
    let allocLine = 0;
    function fxfail_init(): number {
      const buf = kmalloc(64, GFP_KERNEL); allocLine = lineHere();
      if (buf) return -19;  // the bug: returns without kfree(buf)
      return 0;
    }
    assert.equal(k.modules.load("fxfail", () => { MODULE_LICENSE("GPL"); module_init(fxfail_init); module_exit(() => {}); }), -19);
    assert.deepEqual(rulesFired(k), ["MEM008"]);
    const f = k.findings[0];
    assert.equal(f.fix?.fn, "fxfail_init");
    assert.equal(f.fix?.location?.line, allocLine);
    assert.match(f.fix!.why, /fxfail_init\(\) returned -19 without releasing what it took here: the kfree\(\) of what kmalloc\(\) took belongs on its error path/);
  });

  it("a probe that fails after an allocation: the leak at rmmod names probe's error path, not remove() (which never ran for it)", async () => {
    const pci = await import("../src/api/linux/pci");
    const k = boot({ devices: ["edu"] });
    let allocLine = 0;
    function fxp_probe(_pdev: pci_dev): number { const b = kmalloc(128, GFP_KERNEL); allocLine = lineHere(); return b ? -5 : -12; }
    function fxp_remove(_pdev: pci_dev): void { /* never called: the probe failed */ }
    const drv = { name: "fxp", id_table: [pci.PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }], probe: fxp_probe, remove: fxp_remove };
    insmod(k, "fxp", () => pci.pci_register_driver(drv), function fxp_exit() { pci.pci_unregister_driver(drv); });
    assert.equal(k.modules.unload("fxp"), 0);
    assert.deepEqual(rulesFired(k), ["MEM008"]);
    const f = k.findings[0];
    assert.equal(f.fix?.fn, "fxp_probe");
    assert.equal(f.fix?.location?.line, allocLine);
    assert.match(f.fix!.why, /fxp_probe\(\) returned -5 without releasing/);
  });

  it("stacks on demand: the teardown's frames are still found", () => {
    const k = boot();
    k.stacks.mode = "on-demand";
    let a = 0;
    function odm_init(): number { a = kmalloc(32, GFP_KERNEL); return 0; }
    function odm_exit(): void { kfree(kmalloc(8, GFP_KERNEL)); }
    insmod(k, "odm", odm_init, odm_exit);
    k.modules.unload("odm");
    const f = k.findings.find((x) => x.rule === "MEM008");
    assert.ok(a && f);
    assert.equal(f.fix?.fn, "odm_exit");
    assert.ok(f.fix?.location, "the exit's frame was captured although the mode records only tokens");
  });
});
