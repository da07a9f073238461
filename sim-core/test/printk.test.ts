import assert from "node:assert/strict";
import {
  DEFAULT_MESSAGE_LOGLEVEL, KERN_CONT, KERN_DEFAULT, KERN_ERR, KERN_INFO, KERN_SOH, KERN_WARNING,
  LogBuffer, LogRecord, formatDmesg, formatKmsg, parsePrintkPrefix,
} from "../src/kernel/printk";

function texts(b: LogBuffer): string[] {
  return b.records().map((r) => r.text);
}

function rec(seq: number, tsNs: number, level: LogRecord["level"], text: string, facility = 0): LogRecord {
  return { seq, tsNs, level, facility, text };
}

describe("printk", () => {
  describe("parsePrintkPrefix", () => {
    it("strips level prefixes", () => {
      assert.deepEqual(parsePrintkPrefix(KERN_ERR + "x"), { level: 3, cont: false, body: "x" });
      assert.deepEqual(parsePrintkPrefix("plain"), { level: undefined, cont: false, body: "plain" });
      assert.deepEqual(parsePrintkPrefix(KERN_DEFAULT + "d"), { level: undefined, cont: false, body: "d" });
      assert.deepEqual(parsePrintkPrefix(""), { level: undefined, cont: false, body: "" });
    });

    it("recognises KERN_CONT alone or combined with a level", () => {
      assert.deepEqual(parsePrintkPrefix(KERN_CONT + "y"), { level: undefined, cont: true, body: "y" });
      assert.deepEqual(parsePrintkPrefix(KERN_CONT + KERN_INFO + "z"), { level: 6, cont: true, body: "z" });
    });

    it("keeps the first level when several are given", () => {
      assert.deepEqual(parsePrintkPrefix(KERN_INFO + KERN_ERR + "w"), { level: 6, cont: false, body: "w" });
    });

    it("leaves a SOH that is not followed by a level in the text", () => {
      assert.deepEqual(parsePrintkPrefix(KERN_SOH + "8x"), { level: undefined, cont: false, body: "\x018x" });
      assert.deepEqual(parsePrintkPrefix(KERN_ERR + KERN_SOH), { level: 3, cont: false, body: "\x01" });
      assert.deepEqual(parsePrintkPrefix("a" + KERN_ERR), { level: undefined, cont: false, body: "a\x013" });
    });
  });

  describe("LogBuffer", () => {
    it("stores a line with its level, default level 4", () => {
      const seen: LogRecord[] = [];
      const b = new LogBuffer({ capacityBytes: 4096, onRecord: (r) => seen.push(r) });
      b.write(KERN_INFO + "hello\n", 1000);
      b.write("no level\n", 2000);
      assert.equal(DEFAULT_MESSAGE_LOGLEVEL, 4);
      assert.deepEqual(b.records(), [rec(0, 1000, 6, "hello"), rec(1, 2000, 4, "no level")]);
      assert.deepEqual(seen, [rec(0, 1000, 6, "hello"), rec(1, 2000, 4, "no level")]);
    });

    it("splits a multi-line printk into one record per line with the same time and level", () => {
      const b = new LogBuffer({ capacityBytes: 4096 });
      b.write(KERN_ERR + "a\nb\n\nc\n", 5);
      assert.deepEqual(b.records(), [rec(0, 5, 3, "a"), rec(1, 5, 3, "b"), rec(2, 5, 3, ""), rec(3, 5, 3, "c")]);
    });

    it("joins KERN_CONT fragments into the open line, keeping its level and time", () => {
      const seen: string[] = [];
      const b = new LogBuffer({ capacityBytes: 4096, onRecord: (r) => seen.push(r.text) });
      b.write(KERN_INFO + "mydrv: probing...", 100);
      assert.deepEqual(b.records(), [rec(0, 100, 6, "mydrv: probing...")]);
      assert.deepEqual(seen, []); // not complete yet
      b.write(KERN_CONT + " bar0", 200);
      b.write(KERN_CONT + KERN_ERR + " ok\n", 300);
      assert.deepEqual(b.records(), [rec(0, 100, 6, "mydrv: probing... bar0 ok")]);
      assert.deepEqual(seen, ["mydrv: probing... bar0 ok"]);
    });

    it("starts a new line for KERN_CONT after a completed line", () => {
      const b = new LogBuffer({ capacityBytes: 4096 });
      b.write(KERN_INFO + "done\n", 1);
      b.write(KERN_CONT + "orphan\n", 2);
      b.write(KERN_CONT + KERN_ERR + "with level\n", 3);
      assert.deepEqual(b.records(), [rec(0, 1, 6, "done"), rec(1, 2, 4, "orphan"), rec(2, 3, 3, "with level")]);
    });

    it("ends a partial line when a non-continuation printk arrives", () => {
      const seen: string[] = [];
      const b = new LogBuffer({ capacityBytes: 4096, onRecord: (r) => seen.push(r.text) });
      b.write("abc", 1);
      assert.deepEqual(seen, []);
      b.write(KERN_INFO + "def\n", 2);
      assert.deepEqual(b.records(), [rec(0, 1, 4, "abc"), rec(1, 2, 6, "def")]);
      assert.deepEqual(seen, ["abc", "def"]);
    });

    it("continues with a fragment that itself spans lines", () => {
      const b = new LogBuffer({ capacityBytes: 4096 });
      b.write(KERN_ERR + "a", 1);
      b.write(KERN_CONT + "b\nc", 2);
      assert.deepEqual(b.records(), [rec(0, 1, 3, "ab"), rec(1, 2, 3, "c")]);
      b.write(KERN_CONT + "d\n", 3);
      assert.deepEqual(b.records(), [rec(0, 1, 3, "ab"), rec(1, 2, 3, "cd")]);
    });

    it("flush() completes the pending line so KERN_CONT can no longer join it", () => {
      const seen: string[] = [];
      const b = new LogBuffer({ capacityBytes: 4096, onRecord: (r) => seen.push(r.text) });
      b.write(KERN_WARNING + "partial", 1);
      b.flush();
      assert.deepEqual(seen, ["partial"]);
      b.flush();
      assert.deepEqual(seen, ["partial"]);
      b.write(KERN_CONT + "more\n", 2);
      assert.deepEqual(b.records(), [rec(0, 1, 4, "partial"), rec(1, 2, 4, "more")]);
      assert.deepEqual(seen, ["partial", "more"]);
    });

    it("parses prefixes only for kernel (facility 0) messages", () => {
      const b = new LogBuffer({ capacityBytes: 4096 });
      b.write(KERN_ERR + "from userspace\n", 1, 1);
      b.write("open", 2, 1);
      b.write(KERN_CONT + "kernel\n", 3);
      assert.deepEqual(b.records(), [
        rec(0, 1, 4, "\x013from userspace", 1), rec(1, 2, 4, "open", 1), rec(2, 3, 4, "kernel"),
      ]);
    });

    it("drops the oldest records when full and counts them", () => {
      // Each 10-character line costs 26 bytes: three fit in 100.
      const b = new LogBuffer({ capacityBytes: 100 });
      for (let i = 0; i < 10; i++) b.write(`line ${i}    \n`, i);
      assert.deepEqual(texts(b), ["line 7    ", "line 8    ", "line 9    "]);
      assert.deepEqual(b.records().map((r) => r.seq), [7, 8, 9]);
      assert.equal(b.dropped, 7);
    });

    it("drops older records when a continuation grows the open line", () => {
      const b = new LogBuffer({ capacityBytes: 60 });
      b.write("aaaa\n", 1);
      b.write("bbbb", 2);
      assert.equal(b.dropped, 0);
      b.write(KERN_CONT + "x".repeat(30), 3);
      assert.deepEqual(texts(b), ["bbbb" + "x".repeat(30)]);
      assert.equal(b.dropped, 1);
    });

    it("truncates a single line larger than the whole ring", () => {
      const b = new LogBuffer({ capacityBytes: 30 });
      b.write("old\n", 1);
      b.write("y".repeat(100) + "\n", 2);
      assert.deepEqual(texts(b), ["y".repeat(14)]);
      assert.equal(b.dropped, 1);
    });

    it("clear() empties the ring but keeps sequence numbers increasing", () => {
      const b = new LogBuffer({ capacityBytes: 40 });
      b.write("one\n", 1);
      b.write("two\n", 2);
      b.write("three", 3);
      assert.equal(b.dropped, 1);
      b.clear();
      assert.deepEqual(b.records(), []);
      assert.equal(b.dropped, 0);
      b.write(KERN_CONT + "four\n", 4); // the partial line went with the clear
      assert.deepEqual(b.records(), [rec(3, 4, 4, "four")]);
    });

    it("returns snapshots that callers cannot use to corrupt the ring", () => {
      const b = new LogBuffer({ capacityBytes: 4096 });
      b.write("x\n", 1);
      const snap = b.records() as LogRecord[];
      snap[0]!.text = "changed";
      snap.pop();
      assert.deepEqual(texts(b), ["x"]);
    });
  });

  describe("formatDmesg", () => {
    const recs = [rec(0, 0, 6, "Linux version 6.8.0"), rec(1, 12_345_678_901, 3, "mydrv: DMA mapping failed")];

    it("prints [%5lu.%06lu] timestamps", () => {
      assert.equal(formatDmesg(recs),
        "[    0.000000] Linux version 6.8.0\n" +
        "[   12.345678] mydrv: DMA mapping failed\n");
      assert.equal(formatDmesg([rec(0, 123456_000_001_999, 6, "late")]), "[123456.000001] late\n");
      assert.equal(formatDmesg([]), "");
    });

    it("decode adds dmesg -x facility:level names", () => {
      assert.equal(formatDmesg([...recs, rec(2, 1_000, 4, "from user", 1), rec(3, 2_000, 7, "auth", 10)], { decode: true }),
        "kern  :info  : [    0.000000] Linux version 6.8.0\n" +
        "kern  :err   : [   12.345678] mydrv: DMA mapping failed\n" +
        "user  :warn  : [    0.000001] from user\n" +
        "authpriv:debug : [    0.000002] auth\n");
    });

    it("prints an empty record as a bare newline, like util-linux", () => {
      assert.equal(formatDmesg([rec(0, 5_000, 6, ""), rec(1, 5_000, 6, "x")], { decode: true }),
        "\nkern  :info  : [    0.000005] x\n");
    });

    it("escapes control characters but not whitespace or UTF-8", () => {
      assert.equal(formatDmesg([rec(0, 0, 4, "a\x1bb\tc\x00d é\x7f")]), "[    0.000000] a\\x1bb\tc\\x00d é\\x7f\n");
    });
  });

  describe("formatKmsg", () => {
    it("formats prival,seq,ts_usec,flags;text", () => {
      assert.equal(formatKmsg(rec(5, 1_234_567_890, 6, "hello")), "6,5,1234567,-;hello\n");
      assert.equal(formatKmsg(rec(0, 999, 5, "user", 1)), "13,0,0,-;user\n");
    });

    it("escapes bytes below space, from 127 up, and backslash as \\xNN", () => {
      assert.equal(formatKmsg(rec(1, 0, 3, "a\\b\x01c\té~\x7f")), "3,1,0,-;a\\x5cb\\x01c\\x09\\xc3\\xa9~\\x7f\n");
    });
  });
});
