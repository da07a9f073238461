import assert from "node:assert/strict";
import { FormatContext, hex, toUnsigned64, vsnprintf } from "../src/kernel/vsprintf";

const SYMS: Record<string, string> = {
  [String(-0x3fff0000 + 0x40)]: "mydrv_probe+0x40/0x120 [mydrv]",
  [String(-0x3fff0000 + 0x3f)]: "mydrv_probe+0x3f/0x120 [mydrv]",
};

// Hashing is the caller's business; a recognisable stand-in keeps tests exact.
const ctx64: FormatContext = {
  pointerBits: 64,
  physBits: 64,
  hashPointer: (p) => (p === -0x778000000000 ? 0x1a2b3c4d : 0xdeadbeef),
  symbolize: (a) => SYMS[String(a)],
};
const ctx32: FormatContext = { pointerBits: 32, physBits: 32, hashPointer: () => 0x0badf00d };
const ctx32pae: FormatContext = { ...ctx32, physBits: 64 };

const f = (fmt: string, ...args: unknown[]): string => vsnprintf(fmt, args, ctx64);
const f32 = (fmt: string, ...args: unknown[]): string => vsnprintf(fmt, args, ctx32);

const DIRECT_MAP = -0x778000000000; // 0xffff888000000000

describe("vsprintf", () => {
  describe("hex / toUnsigned64", () => {
    it("treats negative numbers as 64-bit two's complement", () => {
      assert.equal(toUnsigned64(DIRECT_MAP), 0xffff888000000000n);
      assert.equal(toUnsigned64(-1), 0xffffffffffffffffn);
      assert.equal(toUnsigned64(0x1000n), 0x1000n);
      assert.equal(hex(DIRECT_MAP, 16), "ffff888000000000");
      assert.equal(hex(0xbeef, 8), "0000beef");
      assert.equal(hex(-1n, 4), "ffffffffffffffff");
    });
  });

  describe("integers", () => {
    const cases: [string, unknown[], string][] = [
      ["%d", [42], "42"],
      ["%i", [-42], "-42"],
      ["%u", [42], "42"],
      ["%x", [255], "ff"],
      ["%X", [255], "FF"],
      ["%o", [8], "10"],
      ["%5d|", [42], "   42|"],
      ["%-6d|", [42], "42    |"],
      ["%08x", [0xbeef], "0000beef"],
      ["%+d %+d", [5, -5], "+5 -5"],
      ["% d|% d", [5, -5], " 5|-5"],
      ["%+05d", [42], "+0042"],
      ["%-+5d|", [42], "+42  |"],
      ["%#x %#X %#o", [255, 255, 8], "0xff 0XFF 010"],
      ["%#010x", [0xbeef], "0x0000beef"],
      ["%#o", [0], "0"],
      ["%.3d", [5], "005"],
      ["%6.3d|", [5], "   005|"],
      ["%-6.3d|", [-5], "-005  |"],
      ["%*d|", [5, 42], "   42|"],
      ["%*d|", [-5, 42], "42   |"],
      ["%-*d|", [4, 7], "7   |"],
      ["%.*d", [4, 7], "0007"],
      ["%2d", [100], "100"],
      ["%d", [-2147483648], "-2147483648"],
      ["%ld", [-9007199254740991], "-9007199254740991"],
      ["%lld", [-(2n ** 63n)], "-9223372036854775808"],
      ["%llu", [2n ** 64n - 1n], "18446744073709551615"],
      ["%zu %zd %zx", [4096, -1, 4096], "4096 -1 1000"],
      ["%hd %hu %hx", [0x18000, 0x18000, -1], "-32768 32768 ffff"],
      ["%hhd %hhu %hhx", [200, 200, 0x1ff], "-56 200 ff"],
      ["%Ld %jd %qd %td", [1, 2, 3, 4], "1 2 3 4"],
    ];
    for (const [fmt, args, want] of cases) {
      it(`${JSON.stringify(fmt)} -> ${JSON.stringify(want)}`, () => assert.equal(f(fmt, ...args), want));
    }

    it("truncates negative numbers to 32 bits without a modifier, 64 with l/ll/z", () => {
      assert.equal(f("%x", -1), "ffffffff");
      assert.equal(f("%u", -1), "4294967295");
      assert.equal(f("%d", 0x1ffffffff), "-1");
      assert.equal(f("%lx", DIRECT_MAP), "ffff888000000000");
      assert.equal(f("%llx", DIRECT_MAP), "ffff888000000000");
      assert.equal(f("%016lx", -0x80000000), "ffffffff80000000");
      assert.equal(f("%zx", -1), "ffffffffffffffff");
      assert.equal(f("%lu", -1), "18446744073709551615");
      assert.equal(f("%x", 0xffff888000000000n), "0");
      assert.equal(f("%llx", 0xffff888000000000n), "ffff888000000000");
    });

    it("uses 32-bit long on i386 (but ptrdiff_t is read signed, so %tx sign-extends)", () => {
      assert.equal(f32("%lx", -0x80000000), "80000000");
      assert.equal(f32("%lx", DIRECT_MAP), "0"); // low 32 bits of 0xffff888000000000
      assert.equal(f32("%lu", -1), "4294967295");
      assert.equal(f32("%zd", 0xffffffff), "-1");
      assert.equal(f32("%llx", -1), "ffffffffffffffff");
      assert.equal(f32("%tx", -1), "ffffffffffffffff");
    });

    it("keeps Linux's departures from ISO C", () => {
      assert.equal(f("%#x", 0), "0x0"); // C: "0"
      assert.equal(f("%.0d", 0), "0"); // C: ""
      assert.equal(f("%08.3d", 5), "00000005"); // C: "     005"
      assert.equal(f("%.d", 42), "42");
    });

    it("rounds fractional numbers toward zero and reads NaN as 0", () => {
      assert.equal(f("%d %d %d", 3.9, -3.9, NaN), "3 -3 0");
    });
  });

  describe("%c, %s and %%", () => {
    const cases: [string, unknown[], string][] = [
      ["%c%c", [65, "B"], "AB"],
      ["%c", [0x141], "A"],
      ["[%3c]", [120], "[  x]"],
      ["[%-3c]", [120], "[x  ]"],
      ["%s", ["hello"], "hello"],
      ["[%8s]", ["abc"], "[     abc]"],
      ["[%-8s]", ["abc"], "[abc     ]"],
      ["[%08s]", ["abc"], "[     abc]"],
      ["%.3s", ["abcdef"], "abc"],
      ["[%5.2s]", ["abcdef"], "[   ab]"],
      ["%.*s", [2, "abcdef"], "ab"],
      ["[%*s]", [-4, "ab"], "[ab  ]"],
      ["%s", ["a\0b"], "a"],
      ["%s", [new Uint8Array([0x68, 0x69, 0, 0x7a])], "hi"],
      ["%s", [null], "(null)"],
      ["%s", [undefined], "(null)"],
      ["%s", [0], "(null)"],
      ["[%10s]", [null], "[    (null)]"],
      ["%.3s", [null], "(nu"],
      ["%s", [16], "(efault)"],
      ["%s", [-14], "(efault)"],
      ["%s", [DIRECT_MAP], "(efault)"],
      ["100%%", [], "100%"],
      ["%5%|", [], "%|"],
      ["%lu%%", [50], "50%"],
    ];
    for (const [fmt, args, want] of cases) {
      it(`${JSON.stringify(fmt)} ${JSON.stringify(args.map(String))} -> ${JSON.stringify(want)}`, () =>
        assert.equal(f(fmt, ...args), want));
    }

    it("treats a negative * precision as 0, not as absent", () => {
      assert.equal(f("[%.*s]", -1, "abc"), "[]");
    });

    it("takes only the first bare '.' as an unset precision", () => {
      assert.equal(f("%.s", "abc"), "abc");
    });
  });

  describe("%p family", () => {
    it("%p prints the caller's hash zero-padded to pointer width", () => {
      assert.equal(f("%p", DIRECT_MAP), "000000001a2b3c4d");
      assert.equal(f("%p", 0x1234), "00000000deadbeef");
      assert.equal(f32("%p", 0xc1000000), "0badf00d");
    });

    it("%p passes the address to hashPointer in the simulator's signed form", () => {
      const seen: number[] = [];
      vsnprintf("%p %p", [0xffff888000001000n, DIRECT_MAP], { ...ctx64, hashPointer: (p) => (seen.push(p), 1) });
      assert.deepEqual(seen, [-0x777ffffff000, DIRECT_MAP]);
    });

    it("%p prints NULL and ERR_PTR values unhashed", () => {
      assert.equal(f("%p", 0), "0000000000000000");
      assert.equal(f("%p", null), "0000000000000000");
      assert.equal(f("%p", -12), "fffffffffffffff4");
      assert.equal(f32("%p", -12), "fffffff4");
    });

    it("%pK hashes like %p", () => {
      assert.equal(f("%pK", DIRECT_MAP), "000000001a2b3c4d");
    });

    it("%px prints the raw value zero-padded to pointer width", () => {
      assert.equal(f("%px", DIRECT_MAP), "ffff888000000000");
      assert.equal(f("%px", 0xffff888000000000n), "ffff888000000000");
      assert.equal(f("%px", 0x1000), "0000000000001000");
      assert.equal(f32("%px", 0xc0001000), "c0001000");
      assert.equal(f32("%px", -0x40000000), "c0000000");
      assert.equal(f32("%px", DIRECT_MAP), "00000000");
    });

    it("%px honours an explicit width (space padded) and '-'", () => {
      assert.equal(f("[%20px]", DIRECT_MAP), "[    ffff888000000000]");
      assert.equal(f("[%-10px]", 0x1000), "[1000      ]");
      assert.equal(f("[%010px]", 0x1000), "[0000001000]");
    });

    it("%pa / %pap / %pad print 0x plus phys_addr_t-wide digits", () => {
      assert.equal(f("%pa", 0x1000), "0x0000000000001000");
      assert.equal(f("%pap", 0xfee00000), "0x00000000fee00000");
      assert.equal(f("%pad", 0x7f000000n), "0x000000007f000000");
      assert.equal(f32("%pa", 0x1000), "0x00001000");
      assert.equal(vsnprintf("%pa", [0x100000000], ctx32pae), "0x0000000100000000");
      assert.equal(f32("%pad", 0x123456789), "0x23456789");
      assert.equal(f("[%20pa]", 0x1000), "[0x0000000000001000]"); // width ignored
      assert.equal(f("%pa", undefined), "(null)");
    });

    it("%pS / %ps / %pB symbolize", () => {
      const ip = -0x3fff0000 + 0x40;
      assert.equal(f("%pS", ip), "mydrv_probe+0x40/0x120 [mydrv]");
      assert.equal(f("%ps", ip), "mydrv_probe [mydrv]");
      assert.equal(f("%pSR", ip), "mydrv_probe+0x40/0x120 [mydrv]");
      // %pB looks up ip-1 and reports the offset of ip itself.
      assert.equal(f("%pB", ip), "mydrv_probe+0x40/0x120 [mydrv]");
      assert.equal(f("[%-34pS]", ip), "[mydrv_probe+0x40/0x120 [mydrv]    ]");
      assert.equal(f("%.11pS", ip), "mydrv_probe");
    });

    it("unknown symbols print as unpadded 0x%lx; without kallsyms as a full-width address", () => {
      assert.equal(f("%pS", DIRECT_MAP), "0xffff888000000000");
      assert.equal(f("%pS", 0x1234), "0x1234");
      assert.equal(f("%pB", 0x1234), "0x1234");
      assert.equal(f32("%pS", 0x1234), "0x00001234");
      assert.equal(f32("%pS", -0x3fff0000), "0xc0010000");
    });

    it("%*ph and its separators", () => {
      const b = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01]);
      assert.equal(f("%*ph", 4, b), "de ad be ef");
      assert.equal(f("%*phC", 4, b), "de:ad:be:ef");
      assert.equal(f("%*phD", 4, b), "de-ad-be-ef");
      assert.equal(f("%*phN", 5, b), "deadbeef01");
      assert.equal(f("%4ph", [1, 2, 3, 0x1ff]), "01 02 03 ff");
      assert.equal(f("%ph", b), "de"); // no width: one byte
      assert.equal(f("[%*ph]", 0, b), "[]");
      assert.equal(f("%*ph", 10, b), "de ad be ef 01"); // never past the buffer
      assert.equal(f("%*ph", 4, null), "(null)");
      assert.equal(f("%*phN", 100, new Uint8Array(100)), "00".repeat(64)); // Linux caps at 64
    });

    it("%pe names ERR_PTR codes, otherwise acts as %p", () => {
      assert.equal(f("%pe", -12), "-ENOMEM");
      assert.equal(f("%pe", -517), "-EPROBE_DEFER");
      assert.equal(f("%pe", -4000), "-4000");
      assert.equal(f("%pe", DIRECT_MAP), "000000001a2b3c4d");
    });

    it("swallows all alphanumerics after %p", () => {
      assert.equal(f("%pxyz!", 0x10), "0000000000000010!");
      assert.equal(f("at %pS2 end", 0x1234), "at 0x1234 end");
      assert.equal(f("%p_%p", 0, 0), "0000000000000000_0000000000000000");
    });

    it("unimplemented extensions fall back to the hashed pointer", () => {
      assert.equal(f("%pM", DIRECT_MAP), "000000001a2b3c4d");
    });
  });

  describe("bad format strings and arguments", () => {
    it("stops at an unsupported conversion like Linux, without throwing", () => {
      assert.equal(f("a=%d b=%y c=%d", 1, 2, 3), "a=1 b=");
      assert.equal(f("%n", 1), "");
      assert.equal(f("%lf", 1.5), "");
      assert.equal(f("trailing %"), "trailing ");
      assert.equal(f("width %5"), "width ");
    });

    it("prints missing arguments as 0 / (null)", () => {
      assert.equal(f("%d %x %s %c|", 7), "7 0 (null) \0|");
      assert.equal(f("%p"), "0000000000000000");
      assert.equal(f("%*d"), "0");
    });

    it("never throws on mismatched argument types", () => {
      const junk: unknown[] = [{}, [], "str", Symbol("s"), () => 1, Infinity, -Infinity, NaN, true, new Map(), 10n ** 40n];
      for (const fmt of ["%d", "%llx", "%s", "%c", "%p", "%px", "%pa", "%pS", "%*ph", "%pe", "%-*.*s"]) {
        for (const a of junk) assert.doesNotThrow(() => f(fmt, a, a, a), `${fmt} with ${String(typeof a)}`);
      }
      assert.equal(f("%d %s", "12", {}), "0 (efault)");
      assert.equal(f("%llx", 10n ** 40n), "b9f5610000000000");
    });

    it("clamps absurd widths instead of allocating gigabytes", () => {
      assert.equal(f("%99999999999d", 1).length, (1 << 23) - 1);
      assert.equal(f("%*d", 2 ** 40, 1).length, 1);
    });
  });
});
