import { Kernel, type BootOptions } from "../src";
import { expectGolden, SOURCE_LINES } from "./golden";
import { boot } from "./helpers";
import { kfree, kmalloc } from "../src/api/linux/slab";
import { GFP_KERNEL } from "../src/api/linux/gfp";
import { store8 } from "../src/api/faultline/ptr";

const PROFILES: Array<[string, BootOptions]> = [
  ["x86_64-256M", { arch: "x86_64", mem: "256M" }],
  ["x86_64-16G", { arch: "x86_64", mem: "16G" }],
  ["i386-16M", { arch: "i386", mem: "16M" }],
  ["i386-1G", { arch: "i386", mem: "1G" }],
  ["i386-64G-pae", { arch: "i386", mem: "64G" }],
];

describe("golden: boot layout", () => {
  for (const [name, opts] of PROFILES) {
    it(`${name}: dmesg, /proc/buddyinfo, /proc/iomem, /proc/meminfo`, () => {
      const k = Kernel.boot(opts);
      const text = [
        "$ dmesg\n", k.dmesg(),
        "$ cat /proc/buddyinfo\n", k.inspect.buddyinfo(),
        "$ cat /proc/iomem\n", k.inspect.iomem(),
        "$ cat /proc/meminfo\n", k.inspect.meminfo(),
      ].join("");
      expectGolden(`boot-${name}.txt`, text);
    });
  }
});

describe("golden: reports", () => {
  it("a KASAN slab-out-of-bounds report", () => {
    const k = boot();
    const before = k.log.records().length;
    const p = kmalloc(13, GFP_KERNEL);
    store8(p + 13, 1);
    kfree(p);
    const log = k.log.records().slice(before).map((r) => r.text).join("\n") + "\n";
    expectGolden("kasan-slab-out-of-bounds.txt", log, [SOURCE_LINES]);
  });

  it("a KASAN double-free report, then /proc/slabinfo", () => {
    const k = boot({ arch: "i386", mem: "64M" });
    const before = k.log.records().length;
    const p = kmalloc(200, GFP_KERNEL);
    kfree(p);
    kfree(p);
    const log = k.log.records().slice(before).map((r) => r.text).join("\n") + "\n";
    expectGolden("kasan-double-free-i386.txt", log + "$ cat /proc/slabinfo\n" + k.inspect.slabinfo(), [SOURCE_LINES]);
  });
});
