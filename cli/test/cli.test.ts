import { strict as assert } from "node:assert";
import { bindKernel } from "../../sim-core/src";
import { main } from "../src/main";
import { UsageError } from "../src/args";

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  try {
    const code = await main(argv, (s) => { out += s; });
    return { code, out };
  } finally {
    bindKernel(undefined);
  }
}

describe("faultline command line", () => {
  it("boot prints the boot log, zones, buddyinfo and iomem of the chosen profile", async () => {
    const { code, out } = await run(["boot", "--arch", "i386", "--mem", "1G"]);
    assert.equal(code, 0);
    assert.match(out, /^# i386, 1 GiB RAM, 128 MiB of it high memory, 2-level page tables, seed 24301$/m);
    assert.match(out, /^\[ +0\.\d{6}\] 896MB LOWMEM available\.$/m);
    assert.match(out, /^Node 0, zone  HighMem /m);
    assert.match(out, /^ {2}00100000-002fffff : Kernel code$/m);
  });

  it("start runs the demo: the deliberate bug is found and the buddy state comes back", async function () {
    this.timeout(120_000);
    const { code, out } = await run(["start"]);
    assert.equal(code, 0);
    assert.match(out, /BUG: KASAN: slab-out-of-bounds in allocationDemo \(cli\/src\/demo\.ts:\d+\)/);
    assert.match(out, /back to the boot state/);
    assert.match(out, /^findings: MEM001 out-of-bounds access at cli\/src\/demo\.ts:\d+$/m);
  });

  it("explains bad flags", async () => {
    await assert.rejects(() => run(["boot", "--arch", "arm64"]), (e: Error) => e instanceof UsageError && /--arch must be i386 or x86_64, got "arm64"/.test(e.message));
    await assert.rejects(() => run(["boot", "--mem", "8M"]), /--mem 8M is outside 16 MiB to 64 GiB/);
    await assert.rejects(() => run(["boot", "--mem", "lots"]), /--mem: not a memory size: "lots"/);
    await assert.rejects(() => run(["boot", "--seed", "x"]), /--seed must be a number, got "x"/);
    await assert.rejects(() => run(["frobnicate"]), /unknown command "frobnicate"/);
  });

  it("prints usage with --help and exits 2 without a command", async () => {
    assert.equal((await run(["--help"])).code, 0);
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.out, /^usage: faultline <command>/);
  });
});
