// The C return contracts of driver callbacks: what each callback may return,
// and the words a report uses when it returns something else.

import { strict as assert } from "node:assert";
import fc from "fast-check";
import { badReturn } from "../src/kernel/contract";

describe("driver callbacks' return contracts", () => {
  it("takes what C would: ints for init, ssize_t for read, vm_fault_t bits for fault, irqreturn_t for irq, anything for void", () => {
    for (const [cb, v] of [["init", 0], ["init", -12], ["probe", -19], ["read", 4096], ["read", -14], ["llseek", 2 ** 40], ["fault", 0x200], ["fault", 0],
      ["irq", 0], ["irq", 1], ["irq", 2], ["exit", undefined], ["remove", 7], ["work", "x"], ["vm_open", undefined], ["devm_action", undefined]] as const) {
      assert.equal(badReturn(cb, v), undefined, `${cb} returning ${String(v)}`);
    }
  });

  it("refuses a Promise from any callback, void ones and unknown ones included, with the fix", () => {
    const p = Promise.resolve(0);
    assert.equal(badReturn("init", p), "init returned a Promise: module_init functions run synchronously in the kernel; remove async");
    assert.equal(badReturn("exit", p), "exit returned a Promise: module_exit functions run synchronously in the kernel; remove async");
    assert.equal(badReturn("timer", p), "timer returned a Promise: driver callbacks run synchronously in the kernel; remove async");
    // A thenable is a Promise as far as await is concerned; its then getter is not run to find out.
    let ran = false;
    const sly = Object.defineProperty({}, "then", { get() { ran = true; return () => undefined; } });
    assert.match(badReturn("read", sly) ?? "", /^read returned a Promise/);
    assert.equal(ran, false);
  });

  it("names what came back and what the callback returns in C", () => {
    assert.equal(badReturn("read", undefined), "read returned undefined (a missing return statement?): the file operation read returns ssize_t (a byte count, or a negative errno)");
    assert.equal(badReturn("fault", "oops"), 'fault returned a string ("oops"): a fault handler returns vm_fault_t (0 or VM_FAULT_* bits)');
    assert.equal(badReturn("fault", -14), "fault returned -14: a fault handler returns vm_fault_t (0 or VM_FAULT_* bits); a negative errno is not a vm_fault_t (use vmf_error())");
    assert.equal(badReturn("irq", 7), "irq returned 7: an interrupt handler returns irqreturn_t (IRQ_NONE, IRQ_HANDLED or IRQ_WAKE_THREAD)");
    assert.equal(badReturn("probe", 1.5), "probe returned 1.5, not an integer: a probe function returns an int (0, or a negative errno)");
    assert.equal(badReturn("init", 2 ** 31), "init returned 2147483648, which does not fit in an int: a module_init function returns an int (0, or a negative errno)");
    assert.equal(badReturn("open", true), "open returned a boolean (true): the file operation open returns an int (0, or a negative errno)");
    assert.equal(badReturn("ioctl", 10n), "ioctl returned a bigint (10n): the file operation ioctl returns a long (a result, or a negative errno)");
  });

  it("accepts exactly the numbers each C type holds (the check before any report is built agrees with the reference)", () => {
    // The reference: the C types' ranges, written out once more.
    const fits: Record<string, (v: number) => boolean> = {
      init: (v) => v >= -(2 ** 31) && v <= 2 ** 31 - 1,
      fault: (v) => v >= 0 && v <= 0xffffffff,
      irq: (v) => v >= 0 && v <= 3,
      read: (v) => Number.isSafeInteger(v),
    };
    const edges = [0, 1, 3, 4, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 0xffffffff, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 0.5, -0, NaN, Infinity, -Infinity];
    const value = fc.oneof(fc.constantFrom(...edges), fc.integer(), fc.double(), fc.maxSafeInteger());
    fc.assert(fc.property(fc.constantFrom(...Object.keys(fits)), value, (cb, v) => {
      const ok = Number.isInteger(v) && fits[cb](v);
      assert.equal(badReturn(cb, v) === undefined, ok, `${cb} returning ${v}`);
    }), { numRuns: 2000 });
  });
});
