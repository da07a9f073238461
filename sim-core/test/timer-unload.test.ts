// MEM009: a timer still pending when its module unloads, as debugobjects
// reports it ("ODEBUG: free active … object type: timer_list hint: …"):
// buggy and correct fixtures, the report's location (where it was armed)
// and its fix line (the exit function that returns without deleting it).

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { KernelOops } from "../src/kernel/report";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { del_timer, del_timer_sync, get_jiffies, mod_timer, timer_list, timer_setup, timer_shutdown_sync } from "../src/api/linux/timer";
import { boot, callerFile, lineHere, only, rulesFired } from "./helpers";

function insmod(k: Kernel, name: string, init: () => number, exit?: () => void): number {
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

describe("MEM009: a timer still pending at module unload", () => {
  it("a timer armed in init and forgotten by exit: one finding at the mod_timer(), fixed in the exit function; it never fires", () => {
    const k = boot();
    const t = new timer_list();
    let fired = 0, armLine = 0;
    function tmr_tick(): void { fired++; }
    function tmr_init(): number {
      timer_setup(t, tmr_tick, 0);
      armLine = lineHere() + 1;
      mod_timer(t, get_jiffies() + 50);
      return 0;
    }
    function tmr_exit(): void { /* the bug: no del_timer_sync(&t) */ }
    assert.equal(insmod(k, "tmr", tmr_init, tmr_exit), 0);
    const from = k.log.records().length;
    assert.equal(k.modules.unload("tmr"), 0);
    k.sched.drain();
    assert.equal(fired, 0, "debugobjects' fixup deletes the timer");
    const f = only(k, "MEM009");
    assert.equal(f.message, "ODEBUG: free active object type: timer_list hint: tmr_tick: still pending when its module unloads");
    assert.equal(f.location?.fn, "tmr_init");
    assert.equal(f.location?.line, armLine);
    assert.equal(f.location?.file, callerFile());
    assert.equal(f.fix?.fn, "tmr_exit");
    const log = logFrom(k, from);
    assert.match(log, /ODEBUG: free active \(active state 0\) object: [0-9a-f]{16} object type: timer_list hint: tmr_tick \[tmr\]\n/);
    assert.match(log, /WARNING: CPU: 0 PID: \d+ at lib\/debugobjects\.c:\d+ debug_print_object/);
    assert.match(log, /\(armed at tmr_init \(.*:\d+\); tmr_exit\(\) returns without del_timer_sync\(\)\)/);
  });

  it("a self re-arming timer is pending at every moment: the report names the callback's mod_timer()", () => {
    const k = boot();
    const t = new timer_list();
    let ticks = 0, rearmLine = 0;
    function periodic(tl: timer_list): void {
      ticks++;
      rearmLine = lineHere() + 1;
      mod_timer(tl, get_jiffies() + 2);
    }
    insmod(k, "per", () => { timer_setup(t, periodic, 0); mod_timer(t, get_jiffies() + 2); return 0; }, function per_exit() { /* nothing */ });
    k.sched.runUntil(() => ticks >= 3);
    assert.ok(ticks > 0, "it ran before the unload");
    k.modules.unload("per");
    const f = only(k, "MEM009");
    assert.equal(f.location?.fn, "periodic");
    assert.equal(f.location?.line, rearmLine);
    assert.equal(f.fix?.fn, "per_exit");
  });

  for (const [how, exit] of [
    ["del_timer_sync()", (t: timer_list) => { del_timer_sync(t); }],
    ["timer_shutdown_sync()", (t: timer_list) => { timer_shutdown_sync(t); }],
    ["del_timer()", (t: timer_list) => { del_timer(t); }],
  ] as const) {
    it(`correct: an exit that calls ${how} reports nothing`, () => {
      const k = boot();
      const t = new timer_list();
      insmod(k, "ok", () => { timer_setup(t, () => {}, 0); mod_timer(t, get_jiffies() + 50); return 0; }, () => exit(t));
      k.modules.unload("ok");
      assert.deepEqual(rulesFired(k), []);
    });
  }

  it("correct: a one-shot timer that already fired is not pending, and unloads clean", () => {
    const k = boot();
    const t = new timer_list();
    let fired = 0;
    insmod(k, "once", () => { timer_setup(t, () => { fired++; }, 0); mod_timer(t, get_jiffies() + 1); return 0; }, () => {});
    k.sched.drain();
    assert.equal(fired, 1);
    k.modules.unload("once");
    assert.deepEqual(rulesFired(k), []);
  });

  it("correct: a periodic timer shut down in exit, after it ran", () => {
    const k = boot();
    const t = new timer_list();
    let ticks = 0;
    insmod(k, "pok", () => { timer_setup(t, (tl) => { ticks++; mod_timer(tl, get_jiffies() + 2); }, 0); mod_timer(t, get_jiffies() + 2); return 0; }, () => { timer_shutdown_sync(t); });
    k.sched.runUntil(() => ticks >= 3);
    k.modules.unload("pok");
    assert.ok(ticks > 0);
    assert.deepEqual(rulesFired(k), []);
  });
});
