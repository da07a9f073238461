// Devices on the PCI-like bus: probing and removal by ID table, BARs through
// pci_iomap() and the MMIO accessors, interrupts and completions in virtual
// time, the four device models, and the ISA DMA controller.
//
// On the direct route a device's bus address is its physical address, so
// these tests program devices with virt_to_phys() of kmalloc() buffers
// (the DMA API's own tests are in dma.test.ts).

import assert from "node:assert/strict";

import { KernelOops, type Kernel } from "../src";
import { EDU_DMA_START, type EduModel } from "../src/dev/models/edu";
import { FB_REG, FB_STRIDE, type FbModel } from "../src/dev/models/fb";
import { ISA_CMD_CHANNEL, ISA_CMD_IRQ, ISA_CMD_START, ISA_CMD_TO_MEM, ISA_REG, ISA_STATUS_DONE, type IsaModel } from "../src/dev/models/isa";
import { NIC_CTRL_RX_EN, NIC_CTRL_TX_EN, NIC_DESC_DD, NIC_INT_RX, NIC_INT_TX, NIC_REG, type NicModel } from "../src/dev/models/nic";
import { load_bytes, store_bytes } from "../src/api/faultline/ptr";
import { MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE, device, pci_devices, run_pending, spawn } from "../src/api/faultline/user";
import { MISC_DYNAMIC_MINOR, misc_register, misc_deregister, type miscdevice } from "../src/api/linux/miscdevice";
import { PFN_DOWN, io_remap_pfn_range, pgprot_noncached, type vm_area_struct } from "../src/api/linux/mm";
import { THIS_MODULE } from "../src/api/linux/module";
import {
  DMA_MODE_READ, DMA_MODE_WRITE, claim_dma_lock, disable_dma, enable_dma, free_dma, get_dma_residue, release_dma_lock,
  request_dma, set_dma_addr, set_dma_count, set_dma_mode,
} from "../src/api/asm/dma";
import { complete, completion, init_completion, wait_for_completion, wait_for_completion_timeout } from "../src/api/linux/completion";
import { dev_info, dev_name } from "../src/api/linux/device";
import { EBUSY, EINVAL, ENODEV } from "../src/api/linux/errno";
import { GFP_DMA, GFP_KERNEL } from "../src/api/linux/gfp";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, free_irq, in_interrupt, request_irq } from "../src/api/linux/interrupt";
import { ioremap, iounmap, readl, virt_to_phys, writel } from "../src/api/linux/io";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import {
  PCI_DEVICE, pci_disable_device, pci_enable_device, pci_get_drvdata, pci_iomap, pci_iounmap, pci_read_config_word,
  pci_register_driver, pci_release_regions, pci_request_regions, pci_resource_len, pci_resource_start, pci_set_drvdata,
  pci_set_master, pci_unregister_driver, PCI_DEVICE_ID, type pci_dev, type pci_device_id, type pci_driver,
} from "../src/api/linux/pci";
import { kfree, kmalloc } from "../src/api/linux/slab";
import { EAGAIN } from "../src/api/linux/errno";
import { DECLARE_WAIT_QUEUE_HEAD, wait_event, wait_event_timeout, wake_up } from "../src/api/linux/wait";
import { ref } from "../src/util/ref";
import { boot, only } from "./helpers";

const EDU_ID_TABLE: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];

/** insmod of a driver whose init and exit are given here. */
function insmod(k: Kernel, name: string, init: () => number, exit?: () => void): number {
  return k.modules.load(name, () => {
    MODULE_LICENSE("GPL");
    module_init(init);
    if (exit) module_exit(exit);
  });
}

function newLog(k: Kernel, since: number): string[] {
  return k.log.records().slice(since).map((r) => r.text);
}

/** An edu driver: enables, maps BAR0, takes the IRQ, completes on each interrupt. */
interface EduPriv { pdev: pci_dev; bar: number; done: completion; irqs: number; status: number[] }

function eduDriver(opts: { master?: boolean; onIrq?: (p: EduPriv) => void } = {}): { drv: pci_driver; privs: EduPriv[] } {
  const privs: EduPriv[] = [];
  const handler = (_irq: number, p: EduPriv): number => {
    const st = readl(p.bar + 0x24);
    if (!st) return IRQ_NONE;
    writel(st, p.bar + 0x64);
    p.status.push(st);
    p.irqs++;
    opts.onIrq?.(p);
    complete(p.done);
    return IRQ_HANDLED;
  };
  const drv: pci_driver = {
    name: "edu",
    id_table: EDU_ID_TABLE,
    probe(pdev) {
      const r = pci_enable_device(pdev);
      if (r) return r;
      if (opts.master ?? true) pci_set_master(pdev);
      const bar = pci_iomap(pdev, 0, 0);
      if (!bar) return -ENODEV;
      const p: EduPriv = { pdev, bar, done: new completion(), irqs: 0, status: [] };
      init_completion(p.done);
      const e = request_irq(pdev.irq, handler, IRQF_SHARED, "edu", p);
      if (e) return e;
      pci_set_drvdata(pdev, p);
      privs.push(p);
      return 0;
    },
    remove(pdev) {
      const p = pci_get_drvdata<EduPriv>(pdev);
      free_irq(pdev.irq, p);
      pci_iounmap(pdev, p.bar);
      pci_disable_device(pdev);
    },
  };
  return { drv, privs };
}

function loadEdu(k: Kernel, opts?: Parameters<typeof eduDriver>[0]): EduPriv {
  const { drv, privs } = eduDriver(opts);
  assert.equal(insmod(k, "edu", () => pci_register_driver(drv), () => pci_unregister_driver(drv)), 0);
  assert.equal(privs.length, 1, "probed once");
  return privs[0];
}

/** One edu DMA: programs the engine and waits for the interrupt's complete(). */
function eduDma(p: EduPriv, src: number, dst: number, count: number, toRam: boolean): void {
  writel(src, p.bar + 0x80);
  writel(dst, p.bar + 0x88);
  writel(count, p.bar + 0x90);
  writel(0x1 | (toRam ? 0x2 : 0) | 0x4, p.bar + 0x98);
  wait_for_completion(p.done);
}

describe("PCI bus and drivers", () => {
  it("takes device options after the model's name: noncoherent, iommu; anything else is refused by name", () => {
    const k = boot({ devices: ["edu:noncoherent", "nic:iommu", "fb"] });
    const [edu, nic, fb] = k.devices.list.map((p) => p.dev);
    assert.deepEqual([edu.coherent, edu.route], [false, "direct"]);
    assert.deepEqual([nic.coherent, nic.route], [true, "iommu"]);
    assert.deepEqual([fb.coherent, fb.route], [true, "direct"]);
    assert.throws(() => boot({ devices: ["edu:fast"] }), /device "edu:fast": unknown option "fast" \(there are: noncoherent, iommu\)/);
  });

  it("places devices at 0000:00:NN.0 with BARs in the MMIO window and an IRQ line each, logged at boot", () => {
    const k = boot({ devices: ["edu", "nic", "fb", "isa"] });
    const names = k.devices.list.map((p) => p.dev.name);
    assert.deepEqual(names, ["0000:00:04.0", "0000:00:05.0", "0000:00:06.0", "0000:00:07.0"]);
    const edu = k.devices.list[0];
    assert.equal(edu.dev.bars.length, 1);
    assert.equal(edu.dev.bars[0].size, 1 << 20);
    assert.equal(edu.dev.bars[0].start % (1 << 20), 0, "naturally aligned like a BAR");
    assert.ok(edu.dev.bars[0].start >= k.profile.mmioStart);
    assert.ok(edu.irq >= 16);
    assert.notEqual(k.devices.list[1].irq, edu.irq);
    assert.equal(k.devices.list[2].irq, 0, "the framebuffer has no interrupt");
    assert.ok(edu.dev.dma, "a DMA view is installed");
    assert.ok(k.dmesg().includes("pci 0000:00:04.0: [1234:11e8] type 00 class 0x00ff00"));
    assert.match(k.inspect.iomem(), /: 0000:00:04\.0/);
    assert.equal(k.devices.get("edu"), edu.model);
    assert.equal(k.devices.get("0000:00:05.0").kind, "nic");
  });

  it("probes matching devices at pci_register_driver() in the module's context, and removes them at unregister", () => {
    const k = boot({ devices: ["nic", "edu", "edu"] });
    const seen: Array<{ name: string; vendor: number; device: number; irq: number; module: string | undefined; id: pci_device_id }> = [];
    const removed: string[] = [];
    const drv: pci_driver = {
      name: "edudrv",
      id_table: EDU_ID_TABLE,
      probe(pdev, id) {
        seen.push({ name: dev_name(pdev.dev), vendor: pdev.vendor, device: pdev.device, irq: pdev.irq, module: k.currentModule?.name, id });
        dev_info(pdev.dev, "probed, irq %d\n", pdev.irq);
        return 0;
      },
      remove(pdev) { removed.push(dev_name(pdev.dev)); },
    };
    const other: pci_driver = { name: "nobody", id_table: [PCI_DEVICE(0x8086, 0x100e)], probe() { throw new Error("must not probe"); } };
    assert.equal(insmod(k, "edudrv", () => pci_register_driver(drv) || pci_register_driver(other), () => { pci_unregister_driver(drv); pci_unregister_driver(other); }), 0);
    assert.deepEqual(seen.map((s) => s.name), ["0000:00:05.0", "0000:00:06.0"]);
    for (const s of seen) {
      assert.equal(s.vendor, 0x1234);
      assert.equal(s.device, 0x11e8);
      assert.equal(s.module, "edudrv");
      assert.equal(s.id, EDU_ID_TABLE[0]);
    }
    assert.ok(k.dmesg().includes(`edudrv 0000:00:05.0: probed, irq ${seen[0].irq}`));
    assert.match(pci_devices(), /^0028\t123411e8\t[0-9a-f]+\t.*\tedudrv$/m);
    assert.match(pci_devices(), /^0020\t12344e10\t.*\t$/m, "the NIC has no driver");
    assert.equal(k.devices.list[1].dev.driver?.name, "edudrv");
    // Registering the same name twice fails.
    assert.equal(pci_register_driver({ ...drv }), -EBUSY);
    assert.equal(k.modules.unload("edudrv"), 0);
    assert.deepEqual(removed, ["0000:00:05.0", "0000:00:06.0"]);
    assert.equal(k.devices.list[1].driver, null);
    assert.equal(k.findings.length, 0);
  });

  it("a failing probe leaves the device unbound with the driver core's message", () => {
    const k = boot({ devices: ["edu"] });
    const drv: pci_driver = { name: "bad", id_table: EDU_ID_TABLE, probe: () => -EINVAL };
    assert.equal(insmod(k, "bad", () => pci_register_driver(drv), () => pci_unregister_driver(drv)), 0, "registration succeeds anyway");
    assert.ok(k.dmesg().includes("bad 0000:00:04.0: probe with driver bad failed with error -22"));
    assert.equal(k.devices.list[0].driver, null);
    assert.equal(k.modules.unload("bad"), 0);
  });

  it("warns at rmmod about a driver left registered and an IRQ left requested", () => {
    const k = boot({ devices: ["edu"] });
    const drv: pci_driver = {
      name: "leaky", id_table: EDU_ID_TABLE,
      probe: (pdev) => request_irq(pdev.irq, () => IRQ_HANDLED, 0, "leaky", pdev),
    };
    assert.equal(insmod(k, "leaky", () => pci_register_driver(drv)), 0);
    assert.equal(k.modules.unload("leaky"), 0);
    const log = k.dmesg();
    assert.ok(log.includes("leaky: unloaded with PCI driver 'leaky' still registered"));
    assert.ok(log.includes("leaky: unloaded with IRQ 16 handler (\"leaky\") still registered"));
  });

  it("pci_request_regions() claims every BAR once; config space shows the IDs", () => {
    const k = boot({ devices: ["fb"] });
    let pdev!: pci_dev;
    const drv: pci_driver = { name: "fbdrv", id_table: [PCI_DEVICE(0x1234, 0xfb00)], probe: (p) => { pdev = p; return pci_request_regions(p, "fbdrv"); } };
    assert.equal(insmod(k, "fbdrv", () => pci_register_driver(drv), () => { pci_release_regions(pdev); pci_unregister_driver(drv); }), 0);
    assert.equal(pci_request_regions(pdev, "other"), -EBUSY);
    assert.ok(k.dmesg().includes("fbdrv 0000:00:04.0: BAR 0 [mem"));
    const v = ref(0);
    assert.equal(pci_read_config_word(pdev, PCI_DEVICE_ID, v), 0);
    assert.equal(v.value, 0xfb00);
    assert.equal(pci_resource_len(pdev, 0), 1 << 20);
    assert.equal(pci_resource_len(pdev, 1), 4096);
    assert.equal(pci_resource_len(pdev, 2), 0);
    assert.equal(k.modules.unload("fbdrv"), 0);
  });
});

describe("edu: registers through pci_iomap()", () => {
  it("reads the ID, inverts the liveness value and computes factorials", () => {
    const k = boot({ devices: ["edu"] });
    const p = loadEdu(k);
    assert.equal(readl(p.bar), 0x010000ed);
    writel(0x12345678, p.bar + 4);
    assert.equal(readl(p.bar + 4), ~0x12345678 >>> 0);
    writel(5, p.bar + 8);
    assert.equal(readl(p.bar + 0x20) & 1, 1, "computing");
    let polls = 0;
    while (readl(p.bar + 0x20) & 1) polls++;
    assert.ok(polls > 0 && polls < 100, `polled ${polls} times`);
    assert.equal(readl(p.bar + 8), 120);
    writel(13, p.bar + 8);
    while (readl(p.bar + 0x20) & 1);
    assert.equal(readl(p.bar + 8), 1932053504, "13! wraps at 32 bits");
    // The factorial interrupt: status bit 7, then the handler sees interrupt status 0x001.
    writel(0x80, p.bar + 0x20);
    writel(4, p.bar + 8);
    wait_for_completion(p.done);
    assert.deepEqual(p.status, [0x1]);
    assert.equal(readl(p.bar + 8), 24);
    assert.equal(k.modules.unload("edu"), 0);
    assert.equal(k.findings.length, 0);
  });

  it("the BAR reads as all ones until pci_enable_device()", () => {
    const k = boot({ devices: ["edu"] });
    const start = k.devices.list[0].dev.bars[0].start;
    const bar = ioremap(start, 4096);
    assert.equal(readl(bar), 0xffffffff);
    assert.match(k.dmesg(), /memory decoding is off \(pci_enable_device\(\) not called\)/);
    assert.equal(pci_enable_device(k.devices.list[0]), 0);
    assert.equal(readl(bar), 0x010000ed);
    assert.equal(pci_resource_start(k.devices.list[0], 0), start);
    pci_disable_device(k.devices.list[0]);
    const since = k.log.records().length;
    pci_disable_device(k.devices.list[0]);
    assert.ok(newLog(k, since).some((l) => l.includes("disabling already-disabled device")));
    iounmap(bar);
  });
});

describe("edu: DMA with a completion interrupt", () => {
  it("moves a buffer RAM → device → RAM, each transfer ending in the handler's complete()", () => {
    const k = boot({ devices: ["edu"] });
    const p = loadEdu(k);
    const edu = device<EduModel>("edu");
    const n = 256;
    const src = kmalloc(n, GFP_KERNEL), dst = kmalloc(n, GFP_KERNEL);
    const pattern = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
    store_bytes(src, pattern);
    store_bytes(dst, new Uint8Array(n));
    const t0 = k.clock.now;
    eduDma(p, virt_to_phys(src), EDU_DMA_START + 0x100, n, false);
    const t1 = k.clock.now;
    assert.ok(t1 - t0 >= 2000 + 4 * n, `the wait let the transfer's ${2000 + 4 * n} ns pass (took ${t1 - t0})`);
    assert.deepEqual(edu.buffer.subarray(0x100, 0x100 + n), pattern);
    assert.deepEqual(p.status, [0x100]);
    assert.equal(readl(p.bar + 0x98) & 1, 0, "the engine is idle again");
    eduDma(p, EDU_DMA_START + 0x100, virt_to_phys(dst), n, true);
    assert.deepEqual(load_bytes(dst, n), pattern);
    assert.equal(p.irqs, 2);
    assert.equal(edu.transfers, 2);
    assert.equal(edu.interruptStatus, 0, "the handler acknowledged");
    kfree(src);
    kfree(dst);
    assert.equal(k.modules.unload("edu"), 0);
    assert.deepEqual(k.findings, []);
  });

  it("without pci_set_master() the transfer never happens", () => {
    const k = boot({ devices: ["edu"] });
    const p = loadEdu(k, { master: false });
    const src = kmalloc(64, GFP_KERNEL);
    store_bytes(src, new Uint8Array(64).fill(0xaa));
    eduDma(p, virt_to_phys(src), EDU_DMA_START, 64, false);
    assert.equal(device<EduModel>("edu").transfers, 0);
    assert.match(k.dmesg(), /bus mastering disabled \(pci_set_master\(\) not called\)/);
    kfree(src);
  });

  it("a device-side range outside the DMA buffer is dropped with QEMU's message", () => {
    const k = boot({ devices: ["edu"] });
    const p = loadEdu(k);
    const buf = kmalloc(64, GFP_KERNEL);
    eduDma(p, virt_to_phys(buf), EDU_DMA_START + 4090, 64, false);
    assert.match(k.dmesg(), /EDU: DMA range 0x0000000000040ffa-0x0000000000041039 out of bounds/);
    assert.equal(device<EduModel>("edu").transfers, 0);
    kfree(buf);
  });

  it("wait_for_completion_timeout() gives up at the deadline; a wait nothing can end is a hung task", () => {
    const k = boot({ devices: ["edu"] });
    const p = loadEdu(k);
    const t0 = k.clock.now;
    assert.equal(wait_for_completion_timeout(p.done, 25), 0);
    assert.equal(k.clock.now - t0, 25 * 4_000_000, "25 jiffies at HZ=250");
    // The factorial with its interrupt finishes well before a generous timeout.
    writel(0x80, p.bar + 0x20);
    writel(3, p.bar + 8);
    const left = wait_for_completion_timeout(p.done, 100);
    assert.ok(left >= 99 && left <= 100, `jiffies left: ${left}`);
    assert.throws(() => wait_for_completion(p.done), (e: unknown) => e instanceof KernelOops && /blocked for more than 120 seconds/.test(e.message));
    assert.match(k.dmesg(), /INFO: task insmod:1 blocked for more than 120 seconds/);
  });
});

describe("interrupt lines", () => {
  it("shares a line only between IRQF_SHARED handlers with a dev_id; each handler runs on the shared line", () => {
    const k = boot({ devices: ["edu"] });
    const irq = k.devices.list[0].irq;
    const ran: string[] = [];
    const a = { name: "a" }, b = { name: "b" };
    const h = (_irq: number, d: { name: string }) => { ran.push(d.name); return d === b ? IRQ_HANDLED : IRQ_NONE; };
    assert.equal(request_irq(irq, h, IRQF_SHARED, "a", a), 0);
    assert.equal(request_irq(irq, h, IRQF_SHARED, "b", b), 0);
    assert.equal(request_irq(irq, h, 0, "c", { name: "c" }), -EBUSY, "not shared: refused");
    assert.match(k.dmesg(), new RegExp(`genirq: Flags mismatch irq ${irq}\\. 00000000 \\(c\\) vs\\. 00000080 \\(a\\)`));
    assert.equal(request_irq<{ name: string } | null>(irq, h as never, IRQF_SHARED, "d", null), -EINVAL, "a shared line needs a dev_id");
    k.irqs.raise(irq);
    run_pending();
    assert.deepEqual(ran, ["a", "b"]);
    free_irq(irq, a);
    free_irq(irq, b);
    // A line only an exclusive handler holds refuses sharers too.
    assert.equal(request_irq(irq, h, 0, "x", a), 0);
    assert.equal(request_irq(irq, h, IRQF_SHARED, "y", b), -EBUSY);
    free_irq(irq, a);
    assert.equal(k.findings.length, 0);
  });

  it("free_irq() of a line with no such handler warns", () => {
    const k = boot({ devices: ["edu"] });
    const since = k.log.records().length;
    free_irq(k.devices.list[0].irq, {});
    const log = newLog(k, since).join("");
    assert.ok(log.includes("------------[ cut here ]------------"));
    assert.ok(log.includes(`Trying to free already-free IRQ ${k.devices.list[0].irq}`));
  });

  it("sleeping in a handler (kmalloc(GFP_KERNEL), wait_event) is CTX001; in_interrupt() is true there", () => {
    const k = boot({ devices: ["edu"] });
    let inIrq: boolean | undefined;
    const p = loadEdu(k, {
      onIrq: () => {
        inIrq = in_interrupt();
        const x = kmalloc(32, GFP_KERNEL);
        kfree(x);
      },
    });
    assert.equal(in_interrupt(), false);
    writel(0x40, p.bar + 0x60); // raise by hand
    wait_for_completion(p.done);
    assert.equal(inIrq, true);
    const f = only(k, "CTX001");
    assert.match(f.message, /sleeping function kmalloc\(\) called from invalid context \(hard interrupt context\)/);
    assert.match(k.dmesg(), /BUG: sleeping function called from invalid context at kmalloc/);
  });

  it("an interrupt nobody handles is counted once in the log", () => {
    const k = boot({ devices: ["edu"] });
    const irq = k.devices.list[0].irq;
    k.irqs.raise(irq);
    k.irqs.raise(irq);
    run_pending();
    assert.equal(k.dmesg().split(`irq ${irq}: nobody cared`).length - 1, 1);
  });

  it("a handler that returns IRQ_NONE now and then is note_interrupt()'s to judge: no \"nobody cared\" before its report", () => {
    const k = boot({ devices: ["edu"] });
    const irq = k.devices.list[0].irq;
    let calls = 0;
    assert.equal(request_irq(irq, () => { calls++; return IRQ_NONE; }, 0, "quiet", { name: "quiet" }), 0);
    k.irqs.raise(irq);
    k.irqs.raise(irq);
    run_pending();
    assert.ok(calls >= 1, "the handler ran");
    assert.doesNotMatch(k.dmesg(), /nobody cared/);
    assert.deepEqual(k.findings.map((f) => f.rule), []);
  });
});

describe("wait queues", () => {
  it("wait_event() sleeps until a wake_up() finds the condition true; without the wake_up it hangs", () => {
    const k = boot();
    const wq = DECLARE_WAIT_QUEUE_HEAD();
    let ready = false;
    k.sched.defer(1000, "producer", () => { ready = true; wake_up(wq); });
    wait_event(wq, () => ready);
    assert.equal(k.clock.now >= 1000, true);
    let flag = false;
    k.sched.defer(1000, "forgetful producer", () => { flag = true; });
    assert.throws(() => wait_event(wq, () => flag), /blocked for more than 120 seconds/);
    assert.match(k.dmesg(), /the condition is true, but no wake_up\(\) on this queue followed the change/);
    const t = k.clock.now;
    assert.equal(wait_event_timeout(wq, () => false, 10), 0);
    assert.equal(k.clock.now - t, 10 * 4_000_000);
  });
});

describe("nic: descriptor rings", () => {
  interface Rings { bar: number; rx: number; tx: number; bufs: number[] }
  function setup(k: Kernel, posted: number): Rings {
    const pdev = k.devices.list[0];
    assert.equal(pci_enable_device(pdev), 0);
    pci_set_master(pdev);
    const bar = pci_iomap(pdev, 0, 0);
    // Coherent rings would come from dma_alloc_coherent(); kmalloc + virt_to_phys is the same bus address without an IOMMU.
    const rx = kmalloc(4 * 16, GFP_KERNEL), tx = kmalloc(4 * 16, GFP_KERNEL);
    store_bytes(rx, new Uint8Array(64));
    store_bytes(tx, new Uint8Array(64));
    const bufs: number[] = [];
    for (let i = 0; i < posted; i++) {
      const b = kmalloc(128, GFP_KERNEL);
      bufs.push(b);
      const d = new Uint8Array(16), dv = new DataView(d.buffer);
      dv.setBigUint64(0, BigInt(virt_to_phys(b)), true);
      dv.setUint16(8, 128, true);
      store_bytes(rx + 16 * i, d);
    }
    writel(virt_to_phys(rx), bar + NIC_REG.RX_RING_LO);
    writel(0, bar + NIC_REG.RX_RING_HI);
    writel(4, bar + NIC_REG.RX_RING_SIZE);
    writel(posted, bar + NIC_REG.RX_TAIL);
    writel(virt_to_phys(tx), bar + NIC_REG.TX_RING_LO);
    writel(4, bar + NIC_REG.TX_RING_SIZE);
    writel(NIC_INT_RX | NIC_INT_TX, bar + NIC_REG.INT_MASK);
    writel(NIC_CTRL_RX_EN | NIC_CTRL_TX_EN, bar + NIC_REG.CTRL);
    return { bar, rx, tx, bufs };
  }

  it("DMAs received packets into the posted buffers, marks the descriptors done and interrupts; drops with no buffer", () => {
    const k = boot({ devices: ["nic"] });
    const r = setup(k, 2);
    const irqs: number[] = [];
    assert.equal(request_irq(k.devices.list[0].irq, () => {
      const s = readl(r.bar + NIC_REG.INT_STATUS);
      if (!s) return IRQ_NONE; // an earlier run of the handler took care of it
      writel(s, r.bar + NIC_REG.INT_ACK);
      irqs.push(s);
      return IRQ_HANDLED;
    }, 0, "nic", r), 0);
    const nic = device<NicModel>("nic");
    assert.equal(nic.receive("hello, world"), true);
    assert.equal(nic.receive(Uint8Array.of(1, 2, 3)), true);
    assert.equal(nic.receive("no room"), false, "both posted buffers are used");
    run_pending();
    assert.equal(new TextDecoder().decode(load_bytes(r.bufs[0], 12)), "hello, world");
    assert.deepEqual([...load_bytes(r.bufs[1], 3)], [1, 2, 3]);
    const d0 = load_bytes(r.rx, 16);
    assert.equal(d0[8] | (d0[9] << 8), 12, "the received length");
    assert.equal((d0[10] | (d0[11] << 8)) & NIC_DESC_DD, NIC_DESC_DD);
    assert.equal(readl(r.bar + NIC_REG.RX_HEAD), 2);
    assert.equal(readl(r.bar + NIC_REG.RX_PACKETS), 2);
    assert.equal(readl(r.bar + NIC_REG.RX_DROPPED), 1);
    assert.ok(irqs.length >= 1 && irqs.every((s) => s & NIC_INT_RX));
    assert.doesNotMatch(k.dmesg(), /nobody cared/, "one interrupt while the line stays high, not one per packet");
    free_irq(k.devices.list[0].irq, r);
  });

  it("sends what TX descriptors point at, for the scenario to read", () => {
    const k = boot({ devices: ["nic"] });
    const r = setup(k, 0);
    const pkt = kmalloc(64, GFP_KERNEL);
    store_bytes(pkt, new TextEncoder().encode("outgoing frame"));
    const d = new Uint8Array(16), dv = new DataView(d.buffer);
    dv.setBigUint64(0, BigInt(virt_to_phys(pkt)), true);
    dv.setUint16(8, 14, true);
    store_bytes(r.tx, d);
    writel(1, r.bar + NIC_REG.TX_TAIL);
    const nic = device<NicModel>("nic");
    assert.equal(nic.transmitted.length, 0, "sending takes time");
    run_pending();
    assert.deepEqual(nic.transmitted.map((b) => new TextDecoder().decode(b)), ["outgoing frame"]);
    assert.equal(readl(r.bar + NIC_REG.TX_HEAD), 1);
    assert.equal(readl(r.bar + NIC_REG.INT_STATUS) & NIC_INT_TX, NIC_INT_TX);
  });
});

describe("fb: video memory in a BAR", () => {
  it("pixels written through ioremap() are what the card shows, and the other way round", () => {
    const k = boot({ devices: ["fb"] });
    const pdev = k.devices.list[0];
    assert.equal(pci_enable_device(pdev), 0);
    const vram = pci_iomap(pdev, 0, 0), regs = pci_iomap(pdev, 1, 0);
    assert.equal(readl(regs + FB_REG.WIDTH), 640);
    assert.equal(readl(regs + FB_REG.STRIDE), FB_STRIDE);
    writel(0x00ff8800, vram + 10 * FB_STRIDE + 20 * 4);
    writel(1, regs + FB_REG.FLUSH);
    const fb = device<FbModel>("fb");
    assert.equal(fb.pixel(20, 10), 0x00ff8800);
    assert.equal(fb.frames, 1);
    fb.vram.set([0x11, 0x22, 0x33, 0x00], 4);
    assert.equal(readl(vram + 4), 0x00332211);
    assert.equal(fb.pixels()[1], 0x00332211);
    const phys = ioremap(pci_resource_start(pdev, 0), 4096);
    assert.equal(readl(phys + 4), 0x00332211, "a second mapping sees the same memory");
    iounmap(phys);
    pci_iounmap(pdev, vram);
    pci_iounmap(pdev, regs);
  });
});

describe("fb: video memory mapped to user space", () => {
  it("a driver's mmap() with io_remap_pfn_range() lets the program draw pixels the card shows", () => {
    const k = boot({ devices: ["fb"] });
    let pdev!: pci_dev;
    const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "fb0", fops: {} };
    const drv: pci_driver = {
      name: "simplefb", id_table: [PCI_DEVICE(0x1234, 0xfb00)],
      probe(p) {
        pdev = p;
        return pci_enable_device(p) || misc_register(misc);
      },
      remove(p) { misc_deregister(misc); pci_disable_device(p); },
    };
    misc.fops = {
      owner: THIS_MODULE,
      mmap(_filp, vma: vm_area_struct) {
        const size = vma.vm_end - vma.vm_start;
        if (size > pci_resource_len(pdev, 0)) return -EINVAL;
        vma.vm_page_prot = pgprot_noncached(vma.vm_page_prot);
        return io_remap_pfn_range(vma, vma.vm_start, PFN_DOWN(pci_resource_start(pdev, 0)), size, vma.vm_page_prot) ? -EAGAIN : 0;
      },
    };
    assert.equal(insmod(k, "simplefb", () => pci_register_driver(drv), () => pci_unregister_driver(drv)), 0);
    const proc = spawn("draw");
    const fd = proc.open("/dev/fb0", O_RDWR);
    assert.ok(fd >= 0);
    const fbmem = proc.mmap(0, 2 * FB_STRIDE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert.ok(fbmem > 0);
    for (let x = 0; x < 8; x++) proc.poke32(fbmem + FB_STRIDE + 4 * x, 0x00abcdef);
    const fb = device<FbModel>("fb");
    assert.equal(fb.pixel(3, 1), 0x00abcdef);
    assert.equal(fb.pixel(8, 1), 0);
    fb.vram.set([1, 2, 3, 0], 0);
    assert.equal(proc.peek32(fbmem), 0x00030201);
    proc.munmap(fbmem, 2 * FB_STRIDE);
    proc.close(fd);
    proc.exit(0);
    assert.equal(k.modules.unload("simplefb"), 0);
    assert.deepEqual(k.findings, []);
  });
});

describe("ISA DMA", () => {
  it("channels: 4 is the cascade, each is requested once, freeing a free one is logged", () => {
    const k = boot();
    assert.equal(request_dma(4, "snd"), -EBUSY);
    assert.equal(request_dma(8, "snd"), -EINVAL);
    assert.equal(request_dma(1, "snd"), 0);
    assert.equal(request_dma(1, "other"), -EBUSY);
    assert.equal(k.inspect.dma(), " 1: snd\n 4: cascade\n");
    free_dma(1);
    free_dma(1);
    assert.match(k.dmesg(), /Trying to free free DMA1/);
  });

  it("refuses an address above 16 MiB (DMA018) and a transfer across a 64 KiB boundary", () => {
    const k = boot();
    assert.equal(request_dma(1, "snd"), 0);
    const flags = claim_dma_lock();
    set_dma_mode(1, DMA_MODE_READ);
    set_dma_addr(1, 0x1200000);
    set_dma_count(1, 512);
    enable_dma(1);
    release_dma_lock(flags);
    const f = only(k, "DMA018");
    assert.match(f.message, /set_dma_addr: physical address 0x1200000 is beyond the ISA DMA controller's 24 address bits/);
    assert.equal(k.devices.isaDma.channels[1].enabled, false);
    set_dma_addr(1, 0x2ff00);
    set_dma_count(1, 512);
    enable_dma(1);
    assert.match(k.dmesg(), /crosses a 64 KiB boundary/);
    assert.equal(k.devices.isaDma.channels[1].enabled, false);
    set_dma_addr(1, 0x30000);
    enable_dma(1);
    assert.equal(k.devices.isaDma.channels[1].enabled, true);
    disable_dma(1);
    free_dma(1);
  });

  it("the isa card moves its buffer through a channel: DMA_MODE_READ to memory, DMA_MODE_WRITE from it", () => {
    const k = boot({ devices: ["isa"] });
    const pdev = k.devices.list[0];
    assert.equal(pci_enable_device(pdev), 0);
    const bar = pci_iomap(pdev, 0, 0);
    const isa = device<IsaModel>("isa");
    const buf = kmalloc(1024, GFP_KERNEL | GFP_DMA);
    const phys = virt_to_phys(buf);
    assert.ok(phys + 1024 <= 16 << 20, "GFP_DMA memory is below 16 MiB");
    isa.buffer.set(Uint8Array.from({ length: 300 }, (_, i) => i & 0xff));
    assert.equal(request_dma(3, "isa"), 0);
    set_dma_mode(3, DMA_MODE_READ);
    set_dma_addr(3, phys);
    set_dma_count(3, 300);
    enable_dma(3);
    assert.equal(get_dma_residue(3), 300);
    writel(3, bar + ISA_REG.CHANNEL);
    writel(300, bar + ISA_REG.LEN);
    writel(ISA_CMD_START | ISA_CMD_TO_MEM | ISA_CMD_CHANNEL, bar + ISA_REG.CMD);
    run_pending();
    assert.equal(get_dma_residue(3), 0);
    assert.equal(readl(bar + ISA_REG.STATUS) & ISA_STATUS_DONE, ISA_STATUS_DONE);
    assert.deepEqual([...load_bytes(buf, 300)], Array.from({ length: 300 }, (_, i) => i & 0xff));
    // And back: memory → card.
    store_bytes(buf, new Uint8Array(64).fill(0x5a));
    set_dma_mode(3, DMA_MODE_WRITE);
    set_dma_addr(3, phys);
    set_dma_count(3, 64);
    enable_dma(3);
    writel(64, bar + ISA_REG.LEN);
    writel(ISA_CMD_START | ISA_CMD_CHANNEL, bar + ISA_REG.CMD);
    run_pending();
    assert.deepEqual([...isa.buffer.subarray(0, 64)], new Array(64).fill(0x5a));
    free_dma(3);
    kfree(buf);
    assert.equal(k.findings.length, 0);
  });

  it("as bus master the isa card drives only 24 address bits", () => {
    const k = boot({ devices: ["isa"], mem: "512M" });
    const pdev = k.devices.list[0];
    pci_enable_device(pdev);
    pci_set_master(pdev);
    const bar = pci_iomap(pdev, 0, 0);
    let done = 0;
    assert.equal(request_irq(pdev.irq, () => { done++; writel(ISA_STATUS_DONE, bar + ISA_REG.INT_ACK); return IRQ_HANDLED; }, 0, "isa", pdev), 0);
    writel(0x2345678, bar + ISA_REG.ADDR);
    writel(16, bar + ISA_REG.LEN);
    writel(ISA_CMD_START | ISA_CMD_IRQ, bar + ISA_REG.CMD);
    run_pending();
    assert.equal(done, 1);
    assert.deepEqual(device<IsaModel>("isa").driven, [0x345678]);
    free_irq(pdev.irq, pdev);
  });
});

describe("virtual time", () => {
  function run(): { log: string; times: number[]; now: number } {
    const k = boot({ devices: ["edu", "nic"] });
    const times: number[] = [];
    k.events.on((e) => times.push(e.time));
    const p = loadEdu(k);
    const buf = kmalloc(512, GFP_KERNEL);
    store_bytes(buf, new Uint8Array(512).fill(7));
    for (let i = 0; i < 3; i++) eduDma(p, virt_to_phys(buf), EDU_DMA_START, 512, false);
    writel(0x80, p.bar + 0x20);
    writel(10, p.bar + 8);
    wait_for_completion(p.done);
    kfree(buf);
    k.modules.unload("edu");
    return { log: k.dmesg(), times, now: k.clock.now };
  }

  it("only moves forward, and two runs are identical", () => {
    const a = run(), b = run();
    for (let i = 1; i < a.times.length; i++) assert.ok(a.times[i] >= a.times[i - 1], `event ${i} goes back in time`);
    assert.equal(a.now, b.now);
    assert.deepEqual(a.times, b.times);
    assert.equal(a.log, b.log);
  });
});
