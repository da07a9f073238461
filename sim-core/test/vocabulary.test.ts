// The rest of a real driver's vocabulary, with Linux's semantics and its
// failure paths: timers, tasklets, kref, kvmalloc/kvfree, _IO*, struct
// resource, the errnos, vm_map_pages(), vmalloc_user() + remap_vmalloc_range(),
// dma_mmap_coherent(), the _fast GUP calls, sg_alloc_table(), and the
// managed devm_*/pcim_*/dmam_* resources released at unbind.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { KernelOops } from "../src/kernel/report";
import { Device } from "../src/dev/device";
import type { pci_dev } from "../src/api/linux/pci";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { GFP_KERNEL, GFP_ATOMIC, alloc_page, __free_page } from "../src/api/linux/gfp";
import { kfree, kvfree, kvmalloc, kvzalloc, kvmalloc_array, kmalloc } from "../src/api/linux/slab";
import { is_vmalloc_addr, vfree, vmalloc, vmalloc_user, remap_vmalloc_range } from "../src/api/linux/vmalloc";
import { load8, load32, store32 } from "../src/api/faultline/ptr";
import { add_timer, del_timer, del_timer_sync, from_timer, get_jiffies, mod_timer, time_after, time_before, timer_list, timer_pending, timer_setup } from "../src/api/linux/timer";
import { tasklet_disable, tasklet_enable, tasklet_kill, tasklet_schedule, tasklet_setup, tasklet_struct } from "../src/api/linux/interrupt";
import { kref, kref_get, kref_init, kref_put, kref_read } from "../src/api/linux/kref";
import { _IO, _IOC_DIR, _IOC_NR, _IOC_SIZE, _IOC_TYPE, _IOR, _IOW, _IOWR, _IOC_READ, _IOC_WRITE } from "../src/api/linux/ioctl";
import { DEFINE_RES_MEM, resource_size } from "../src/api/linux/ioport";
import { EBADMSG, EMSGSIZE, ENODATA, ETIME, errname } from "../src/api/linux/errno";
import { get_user_pages_fast, page_count, page_offset, pin_user_pages_fast, unpin_user_pages, put_page, vm_map_pages, type vm_area_struct } from "../src/api/linux/mm";
import { type file, type file_operations } from "../src/api/linux/fs";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "../src/api/linux/miscdevice";
import { DMA_BIT_MASK, dma_alloc_coherent, dma_free_coherent, dma_mmap_coherent, dma_set_mask_and_coherent, ref } from "../src/api/linux/dma-mapping";
import { sg_alloc_table, sg_alloc_table_from_pages, sg_free_table, sg_table } from "../src/api/linux/scatterlist";
import { MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE, spawn } from "../src/api/faultline/user";
import { boot, only, rulesFired } from "./helpers";

function insmod(k: Kernel, init: () => number, exit?: () => void, name = "vocab"): number {
  try {
    return k.modules.load(name, () => {
      MODULE_LICENSE("GPL");
      module_init(init);
      if (exit) module_exit(exit);
    });
  } catch (e) {
    if (e instanceof KernelOops) return -139;
    throw e;
  }
}

function logFrom(k: Kernel, from: number): string {
  return k.log.records().slice(from).map((r) => r.text).join("\n");
}

describe("timers", () => {
  it("mod_timer() fires at its jiffy, re-arming returns 1, del_timer() disarms, from_timer() finds the container", () => {
    const k = boot();
    class jit_data extends timer_list { fired: number[] = []; }
    const d = new jit_data();
    let start = 0;
    insmod(k, () => {
      timer_setup(d, (t) => { const dd = from_timer<jit_data>(t); dd.fired.push(get_jiffies() - start); }, 0);
      start = get_jiffies();
      assert.equal(mod_timer(d, start + 10), 0);
      assert.equal(mod_timer(d, start + 20), 1, "re-arming a pending timer returns 1");
      assert.equal(timer_pending(d), 1);
      return 0;
    });
    k.sched.drain();
    assert.deepEqual(d.fired, [20]);
    assert.equal(timer_pending(d), 0);
    assert.equal(mod_timer(d, get_jiffies() + 5), 0);
    assert.equal(del_timer(d), 1);
    assert.equal(del_timer_sync(d), 0);
    k.sched.drain();
    assert.deepEqual(d.fired, [20], "a deleted timer does not fire");
    assert.ok(time_after(start + 1, start) && time_before(0xfffffff0, 0x10), "jiffies comparisons wrap");
  });

  it("a timer still pending at rmmod is debugobjects' report, and never fires into freed code", () => {
    const k = boot();
    const t = new timer_list();
    let fired = false;
    const from = k.log.records().length;
    insmod(k, () => {
      timer_setup(t, function jit_timer_fn() { fired = true; }, 0);
      mod_timer(t, get_jiffies() + 100);
      return 0;
    }, () => { /* the bug: no del_timer_sync() */ });
    assert.equal(k.modules.unload("vocab"), 0);
    k.sched.drain();
    assert.equal(fired, false);
    assert.match(logFrom(k, from), /ODEBUG: free active \(active state 0\) object: [0-9a-f]{8,16} object type: timer_list hint: jit_timer_fn \[vocab\]/);
  });

  it("add_timer() of a pending timer is a BUG; a timer never set up is refused", () => {
    const k = boot();
    const t = new timer_list();
    assert.throws(() => mod_timer(t, 1), /the timer_list was never timer_setup\(\)/);
    timer_setup(t, () => {}, 0);
    t.expires = get_jiffies() + 3;
    add_timer(t);
    assert.throws(() => add_timer(t), KernelOops);
    void k;
  });
});

describe("tasklets", () => {
  it("runs once however often scheduled; disabled it waits for tasklet_enable(); killed it does not run", () => {
    const k = boot();
    const t = new tasklet_struct();
    let runs = 0;
    tasklet_setup(t, () => { runs++; });
    tasklet_schedule(t); tasklet_schedule(t);
    k.sched.drain();
    assert.equal(runs, 1);
    tasklet_disable(t);
    tasklet_schedule(t);
    k.sched.drain();
    assert.equal(runs, 1);
    tasklet_enable(t);
    k.sched.drain();
    assert.equal(runs, 2);
    tasklet_schedule(t);
    tasklet_kill(t);
    k.sched.drain();
    assert.equal(runs, 2);
  });

  it("CTX001 for a sleeping allocation in a tasklet", () => {
    const k = boot();
    const t = new tasklet_struct();
    insmod(k, () => { tasklet_setup(t, () => kfree(kmalloc(16, GFP_KERNEL))); tasklet_schedule(t); return 0; });
    k.sched.drain();
    assert.match(only(k, "CTX001").message, /kmalloc\(\) called from invalid context \(softirq\)/);
  });
});

describe("kref", () => {
  it("the last put releases once; a put with no reference left, or a get on zero, is refcount_t's warning", () => {
    const k = boot();
    const r = new kref();
    const released: number[] = [];
    const release = (x: kref) => { released.push(kref_read(x)); };
    kref_init(r);
    kref_get(r);
    assert.equal(kref_put(r, release), 0);
    assert.equal(kref_put(r, release), 1);
    assert.deepEqual(released, [0]);
    const from = k.log.records().length;
    assert.equal(kref_put(r, release), 0);
    assert.deepEqual(released, [0], "no second release");
    assert.match(logFrom(k, from), /refcount_t: underflow; use-after-free\./);
    const r2 = new kref();
    kref_get(r2);
    assert.match(logFrom(k, from), /refcount_t: addition on 0; use-after-free\./);
  });
});

describe("kvmalloc", () => {
  it("kmalloc when it can, vmalloc beyond kmalloc's reach; kvfree() frees either; kfree() of the vmalloc'ed one is MEM004", () => {
    const k = boot();
    const small = kvmalloc(100, GFP_KERNEL);
    assert.ok(small && !is_vmalloc_addr(small));
    const big = kvzalloc(8 * 1024 * 1024, GFP_KERNEL);
    assert.ok(big && is_vmalloc_addr(big), "8 MiB is past KMALLOC_MAX_SIZE: vmalloc");
    assert.equal(load8(big + 12345), 0);
    assert.equal(kvmalloc(8 * 1024 * 1024, GFP_ATOMIC), 0, "a non-blocking allocation may not fall back to vmalloc");
    assert.equal(kvmalloc_array(2 ** 40, 2 ** 40, GFP_KERNEL), 0, "overflow");
    kvfree(small);
    kvfree(big);
    kvfree(0);
    assert.deepEqual(rulesFired(k), []);
    const again = kvmalloc(8 * 1024 * 1024, GFP_KERNEL);
    kfree(again);
    assert.deepEqual(rulesFired(k), ["MEM004"]);
  });
});

describe("ioctl numbers, resources and errnos", () => {
  it("packs _IO/_IOR/_IOW/_IOWR as x86 Linux does", () => {
    // Values from the kernel headers: SCULL_IOCRESET _IO('k', 0), FIONREAD-style _IOR('k', 1, int), ...
    assert.equal(_IO("k", 0), 0x00006b00);
    assert.equal(_IOR("k", 1, 4), 0x80046b01);
    assert.equal(_IOW("k", 2, 4), 0x40046b02);
    assert.equal(_IOWR("k", 3, 8), 0xc0086b03);
    const cmd = _IOWR(0x6b, 7, 24);
    assert.deepEqual([_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd)], [_IOC_READ | _IOC_WRITE, 0x6b, 7, 24]);
    assert.equal(_IOC_DIR(_IOW("k", 1, 4)), _IOC_WRITE);
    assert.throws(() => _IOR("k", 256, 4), /nr must be 0\.\.255/);
    assert.throws(() => _IOR("k", 1, 1 << 14), /size must be below 16384/);
  });

  it("resource_size() is end - start + 1; the errnos have Linux's values and names", () => {
    assert.equal(resource_size(DEFINE_RES_MEM(0xfe000000, 0x1000)), 0x1000);
    assert.equal(resource_size({ start: 0x100, end: 0x1ff }), 0x100);
    assert.throws(() => resource_size({} as never), /must be a struct resource/);
    assert.deepEqual([EBADMSG, ENODATA, EMSGSIZE, ETIME], [74, 61, 90, 62]);
    assert.deepEqual([errname(-74), errname(61), errname(90)], ["EBADMSG", "ENODATA", "EMSGSIZE"]);
  });
});

/** A misc device whose mmap is given; returns the /dev path. */
function mmapDev(k: Kernel, name: string, mmap: (filp: file, vma: vm_area_struct) => number, exit?: () => void): string {
  const fops: file_operations = { mmap };
  const misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name, fops };
  assert.equal(insmod(k, () => misc_register(misc), () => { misc_deregister(misc); exit?.(); }, name), 0);
  return `/dev/${name}`;
}

describe("mapping helpers", () => {
  it("vm_map_pages(): the pages from vm_pgoff, each with the mapping's reference; -ENXIO past the object", () => {
    const k = boot();
    const pages = [alloc_page(GFP_KERNEL)!, alloc_page(GFP_KERNEL)!, alloc_page(GFP_KERNEL)!];
    pages.forEach((p, i) => store32(k.highmem.pageAddress(p.pfn), 0x1000 + i));
    const path = mmapDev(k, "vmp", (_f, vma) => vm_map_pages(vma, pages, pages.length));
    const p = spawn("vmp-test");
    const fd = p.open(path, O_RDWR);
    const a = p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, 4096);
    assert.ok(a > 0);
    assert.equal(p.peek32(a), 0x1001);
    assert.equal(p.peek32(a + 4096), 0x1002);
    assert.equal(page_count(pages[1]), 2, "the allocation's and the mapping's");
    assert.equal(p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, 2 * 4096), -1, "pages[2] and beyond: only one left");
    assert.equal(p.errno, 6);
    assert.equal(p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 3 * 4096), -1);
    p.exit(0);
    assert.equal(page_count(pages[1]), 1);
    pages.forEach((pg) => __free_page(pg));
    assert.deepEqual(rulesFired(k), []);
  });

  it("vmalloc_user() + remap_vmalloc_range(); plain vmalloc() memory is refused with -EINVAL", () => {
    const k = boot();
    const buf = vmalloc_user(3 * 4096);
    const plain = vmalloc(4096);
    store32(buf + 4096, 0xfeedface);
    const path = mmapDev(k, "vmu", (_f, vma) => remap_vmalloc_range(vma, vma.vm_pgoff ? plain : buf, 0));
    const p = spawn("vmu-test");
    const fd = p.open(path, O_RDWR);
    const a = p.mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert.equal(p.peek32(a + 4096), 0xfeedface);
    p.poke32(a, 0x12345678);
    assert.equal(load32(buf), 0x12345678, "the user's write lands in the vmalloc buffer");
    assert.equal(p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 4096), -1);
    assert.equal(p.errno, 22);
    assert.equal(p.mmap(0, 4 * 4096, PROT_READ, MAP_SHARED, fd, 0), -1, "longer than the buffer");
    p.exit(0);
    vfree(buf);
    vfree(plain);
    assert.deepEqual(rulesFired(k), []);
  });

  it("dma_mmap_coherent(): the coherent buffer in user space, no MM001 for the DMA API's own pages; -ENXIO past its end", () => {
    const k = boot();
    const dev = new Device({ name: "mmapdev", vendor: 0x1234, device: 0x99 }, "0000:00:06.0");
    k.dma.attach(dev);
    dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
    const h = ref(0);
    const cpu = dma_alloc_coherent(dev, 2 * 4096, h, GFP_KERNEL);
    store32(cpu + 4, 0xc0ffee);
    const path = mmapDev(k, "dmm", (_f, vma) => dma_mmap_coherent(dev, vma, cpu, h.value, 2 * 4096));
    const p = spawn("dmm-test");
    const fd = p.open(path, O_RDWR);
    const a = p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    assert.equal(p.peek32(a + 4), 0xc0ffee);
    assert.equal(p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, 4096), -1);
    assert.equal(p.errno, 6);
    p.exit(0);
    dma_free_coherent(dev, 2 * 4096, cpu, h.value);
    assert.deepEqual(rulesFired(k), []);
  });

  it("get_user_pages_fast()/pin_user_pages_fast() take mmap_lock themselves; the pins must be released", () => {
    const k = boot();
    const p = spawn("gup-test");
    const buf = p.malloc(3 * 4096);
    p.poke32(buf, 1);
    const pages: Array<ReturnType<typeof alloc_page>> = [];
    let n = 0;
    k.withCurrent(p.task, () => { n = get_user_pages_fast(buf, 2, 0, pages); });
    assert.equal(n, 2);
    assert.equal(page_offset(pages[0]!) % 4096, 0);
    pages.slice(0, n).forEach((pg) => put_page(pg!));
    const pins: Array<ReturnType<typeof alloc_page>> = [];
    k.withCurrent(p.task, () => { n = pin_user_pages_fast(buf, 3, 1, pins); });
    assert.equal(n, 3);
    unpin_user_pages(pins, n);
    assert.deepEqual(rulesFired(k), []);
  });
});

describe("sg_table", () => {
  it("sg_alloc_table() gives marked entries; sg_alloc_table_from_pages() merges contiguous pages; a table never freed leaks at rmmod", () => {
    const k = boot();
    const t = new sg_table();
    assert.equal(sg_alloc_table(t, 4, GFP_KERNEL), 0);
    assert.equal(t.sgl.length, 4);
    assert.equal(t.sgl[3].end, true);
    assert.equal(sg_alloc_table(new sg_table(), 0, GFP_KERNEL), -22);
    sg_free_table(t);
    assert.equal(t.orig_nents, 0);
    const pg = [alloc_page(GFP_KERNEL)!];
    const nxt = k.memmap.page(pg[0].pfn + 1);
    const lone = alloc_page(GFP_KERNEL)!;
    const set = [pg[0], nxt, lone];
    const t2 = new sg_table();
    assert.equal(sg_alloc_table_from_pages(t2, set, 3, 100, 3 * 4096 - 200, GFP_KERNEL), 0);
    const contiguous = lone.pfn === nxt.pfn + 1 ? 1 : 2;
    assert.equal(t2.orig_nents, contiguous);
    assert.equal(t2.sgl[0].offset, 100);
    assert.equal(t2.sgl.reduce((s, x) => s + x.length, 0), 3 * 4096 - 200);
    sg_free_table(t2);
    const leak = new sg_table();
    insmod(k, () => sg_alloc_table(leak, 2, GFP_KERNEL));
    k.modules.unload("vocab");
    assert.deepEqual(rulesFired(k), ["MEM008"]);
  });
});

describe("managed resources (devm_*, pcim_*, dmam_*)", () => {
  it("everything a probe took with devm_/pcim_/dmam_ is released at unbind: no leak, no IRQ or DMA left behind", async () => {
    const pci = await import("../src/api/linux/pci");
    const { devm_kzalloc, devm_add_action } = await import("../src/api/linux/device");
    const { devm_request_irq, IRQ_HANDLED } = await import("../src/api/linux/interrupt");
    const { dmam_alloc_coherent } = await import("../src/api/linux/dma-mapping");
    const k = boot({ devices: ["edu"] });
    const from = k.log.records().length;
    const released: string[] = [];
    const drv = {
      name: "edu_devm", id_table: [pci.PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }],
      probe(pdev: pci_dev): number {
        if (pci.pcim_enable_device(pdev)) return -19;
        pci.pci_set_master(pdev);
        if (pci.pcim_iomap_regions(pdev, 1, "edu_devm")) return -12;
        assert.ok(pci.pcim_iomap_table(pdev)[0]);
        const priv = devm_kzalloc(pdev.dev, 256, GFP_KERNEL);
        if (!priv) return -12;
        dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28));
        const h = ref(0);
        if (!dmam_alloc_coherent(pdev.dev, 4096, h, GFP_KERNEL)) return -12;
        if (devm_request_irq(pdev.dev, pdev.irq, () => IRQ_HANDLED, 0, "edu_devm", priv)) return -16;
        devm_add_action(pdev.dev, (what: string) => released.push(what), "action");
        return 0;
      },
      remove(_pdev: pci_dev): void { released.push("remove"); },
    };
    insmod(k, () => pci.pci_register_driver(drv), () => pci.pci_unregister_driver(drv), "edu_devm");
    assert.equal(k.irqs.actions(16).length, 1);
    assert.equal(k.modules.unload("edu_devm"), 0);
    assert.deepEqual(released, ["remove", "action"], "remove() first, then the managed resources, newest first");
    assert.equal(k.irqs.actions(16).length, 0, "devm_request_irq() freed at unbind");
    assert.deepEqual(rulesFired(k), []);
    assert.doesNotMatch(logFrom(k, from), /left IRQ|still registered|WARNING/);
  });

  it("a probe that fails after taking managed resources gives them all back", async () => {
    const pci = await import("../src/api/linux/pci");
    const { devm_kzalloc, devm_kfree } = await import("../src/api/linux/device");
    const k = boot({ devices: ["edu"] });
    const drv = {
      name: "edu_fail", id_table: [pci.PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }],
      probe(pdev: pci_dev): number {
        pci.pcim_enable_device(pdev);
        const a = devm_kzalloc(pdev.dev, 64, GFP_KERNEL);
        devm_kzalloc(pdev.dev, 64, GFP_KERNEL);
        devm_kfree(pdev.dev, a);
        return -5;
      },
    };
    insmod(k, () => pci.pci_register_driver(drv), () => pci.pci_unregister_driver(drv), "edu_fail");
    assert.equal(k.devices.list.length, 1);
    assert.equal(k.devices.list.some((p) => pci.pci_is_enabled(p)), false, "pcim_enable_device() undone");
    assert.equal(k.modules.unload("edu_fail"), 0);
    assert.deepEqual(rulesFired(k), []);
    const from = k.log.records().length;
    devm_kfree(new Device({ name: "x", vendor: 1, device: 1 }, "0000:00:09.0"), 0x1234);
    assert.match(logFrom(k, from), /devm_kfree\(0000:00:09\.0, [0-9a-f]+\): not managed memory of this device/);
  });
});
