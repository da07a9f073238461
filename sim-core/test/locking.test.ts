// Locks and contexts: spinlocks (with the irq/irqsave/bh variants), mutexes,
// semaphores and claim_dma_lock(); interrupts held off while disabled and
// delivered at the unlock; CTX001 under a spinlock, with interrupts off and
// in softirq context; and lockdep's reports (LOCK001-LOCK005), each with a
// buggy fixture that trips exactly its rule and a correct one that stays
// silent.

import assert from "node:assert/strict";

import type { Kernel } from "../src";
import { KernelOops } from "../src/kernel/report";
import { GFP_KERNEL, GFP_ATOMIC } from "../src/api/linux/gfp";
import { kfree, kmalloc } from "../src/api/linux/slab";
import { MODULE_LICENSE, module_exit, module_init } from "../src/api/linux/module";
import { IRQ_HANDLED, request_irq, free_irq, in_interrupt } from "../src/api/linux/interrupt";
import { complete, completion, init_completion, wait_for_completion_timeout } from "../src/api/linux/completion";
import {
  DEFINE_SPINLOCK, irqs_disabled, local_bh_disable, local_bh_enable, local_irq_restore, local_irq_save, spin_is_locked, spin_lock,
  spin_lock_bh, spin_lock_init, spin_lock_irq, spin_lock_irqsave, spin_trylock, spin_unlock, spin_unlock_bh, spin_unlock_irq,
  spin_unlock_irqrestore, spinlock_t,
} from "../src/api/linux/spinlock";
import { DEFINE_MUTEX, mutex, mutex_init, mutex_is_locked, mutex_lock, mutex_lock_interruptible, mutex_trylock, mutex_unlock } from "../src/api/linux/mutex";
import { DEFINE_SEMAPHORE, down, down_interruptible, down_timeout, down_trylock, sema_init, semaphore, up } from "../src/api/linux/semaphore";
import { claim_dma_lock, release_dma_lock } from "../src/api/asm/dma";
import { get_jiffies, mod_timer, timer_list, timer_setup } from "../src/api/linux/timer";
import { boot, only, rulesFired } from "./helpers";

/** insmod of a module whose init (and exit) are given: init runs as a driver call from insmod, as module_init's does. */
function insmod(k: Kernel, init: () => number, exit?: () => void, name = "locktest"): number {
  try {
    return k.modules.load(name, () => {
      MODULE_LICENSE("GPL");
      module_init(init);
      if (exit) module_exit(exit);
    });
  } catch (e) {
    // An oops in init (a deadlock ended, a hung task) kills insmod, as in Linux ("Segmentation fault").
    if (e instanceof KernelOops) return -139;
    throw e;
  }
}

/** The log since `from`, as text. */
function logFrom(k: Kernel, from: number): string {
  return k.log.records().slice(from).map((r) => r.text).join("\n");
}

describe("spinlocks", () => {
  it("a correct lock/unlock pairing in every variant is silent, and the flags round-trip", () => {
    const k = boot();
    const lock = DEFINE_SPINLOCK("&dev->lock");
    assert.equal(insmod(k, () => {
      spin_lock(lock);
      assert.equal(spin_is_locked(lock), 1);
      assert.equal(spin_trylock(lock), 0, "a held spinlock cannot be taken by trylock");
      spin_unlock(lock);
      const flags = spin_lock_irqsave(lock);
      assert.equal(irqs_disabled(), true);
      const inner = local_irq_save();          // nested save of an already-disabled state
      local_irq_restore(inner);
      assert.equal(irqs_disabled(), true, "restoring the inner flags keeps interrupts off");
      spin_unlock_irqrestore(lock, flags);
      assert.equal(irqs_disabled(), false);
      spin_lock_irq(lock);
      spin_unlock_irq(lock);
      spin_lock_bh(lock);
      spin_unlock_bh(lock);
      assert.equal(spin_trylock(lock), 1);
      spin_unlock(lock);
      return 0;
    }), 0);
    assert.deepEqual(rulesFired(k), []);
  });

  it("holds an interrupt off while interrupts are disabled and delivers it at the unlock", () => {
    const k = boot();
    const irq = k.irqs.allocate();
    const seen: string[] = [];
    const lock = new spinlock_t();
    insmod(k, () => {
      spin_lock_init(lock, "&priv->lock");
      assert.equal(request_irq(irq, () => { seen.push(`irq in_interrupt=${in_interrupt()} disabled=${irqs_disabled()}`); return IRQ_HANDLED; }, 0, "t", {}), 0);
      const flags = spin_lock_irqsave(lock);
      k.irqs.deliver(irq);                       // the device raises its line now
      seen.push("still locked");
      spin_unlock_irqrestore(lock, flags);
      seen.push("unlocked");
      free_irq(irq, {});
      return 0;
    });
    assert.deepEqual(seen, ["still locked", "irq in_interrupt=true disabled=true", "unlocked"]);
  });

  it("CTX001: a GFP_KERNEL allocation under a spinlock, with lockdep's held-lock list and where the lock was taken", () => {
    const k = boot();
    const lock = DEFINE_SPINLOCK("&dev->lock");
    const from = k.log.records().length;
    insmod(k, () => {
      spin_lock(lock);
      const p = kmalloc(64, GFP_KERNEL);       // the bug: may sleep
      spin_unlock(lock);
      kfree(p);
      return 0;
    });
    const f = only(k, "CTX001");
    assert.equal(f.message, "sleeping function kmalloc() called from invalid context (spinlock &dev->lock held)");
    const log = logFrom(k, from);
    assert.match(log, /BUG: sleeping function called from invalid context at kmalloc/);
    assert.match(log, /in_atomic\(\): 1, irqs_disabled\(\): 0, non_block: 0, pid: 1, name: insmod/);
    assert.match(log, /1 lock held by insmod\/1:\n #0: [0-9a-f]{16} \(&dev->lock\)\{\+\.\+\.\}-\{3:3\}, at: /);
    assert.match(log, /\(the spinlock was taken at .*locking\.test\.ts:\d+\)/);
  });

  it("CTX001 correct twin: GFP_ATOMIC under the lock is silent", () => {
    const k = boot();
    const lock = DEFINE_SPINLOCK("&dev->lock");
    insmod(k, () => {
      spin_lock(lock);
      const p = kmalloc(64, GFP_ATOMIC);
      spin_unlock(lock);
      kfree(p);
      return 0;
    });
    assert.deepEqual(rulesFired(k), []);
  });

  it("CTX001 under claim_dma_lock(): the wait times out because the interrupt is held off, and is delivered at release_dma_lock()", () => {
    const k = boot({ devices: ["isa"] });
    const irq = k.irqs.allocate();
    const done = new completion();
    let got = -1;
    const order: string[] = [];
    insmod(k, () => {
      init_completion(done);
      request_irq(irq, () => { order.push("irq"); complete(done); return IRQ_HANDLED; }, 0, "isa", done);
      const flags = claim_dma_lock();
      k.irqs.raise(irq, 1000);                 // the card finishes 1 µs later
      got = wait_for_completion_timeout(done, 10);  // the bug: sleeping with interrupts off
      order.push(`waited ${got}`);
      release_dma_lock(flags);
      order.push("released");
      free_irq(irq, done);
      return 0;
    });
    const f = only(k, "CTX001");
    assert.equal(f.message, "sleeping function wait_for_completion_timeout() called from invalid context (spinlock dma_spin_lock held)");
    assert.deepEqual(order, ["waited 0", "irq", "released"]);
  });

  it("CTX001 with interrupts off and no lock, and in a timer callback (softirq)", () => {
    const k = boot();
    insmod(k, () => {
      const flags = local_irq_save();
      kfree(kmalloc(8, GFP_KERNEL));
      local_irq_restore(flags);
      return 0;
    });
    assert.match(only(k, "CTX001").message, /\(irqs disabled\)$/);
    const k2 = boot();
    const t = new timer_list();
    insmod(k2, () => {
      timer_setup(t, () => { kfree(kmalloc(8, GFP_KERNEL)); }, 0);
      mod_timer(t, get_jiffies() + 2);
      return 0;
    });
    k2.sched.drain();
    assert.match(only(k2, "CTX001").message, /\(softirq\)$/);
  });

  it("spin_lock_bh() holds a timer off until spin_unlock_bh()", () => {
    const k = boot();
    const lock = DEFINE_SPINLOCK("&jit->lock");
    const t = new timer_list();
    const order: string[] = [];
    insmod(k, () => {
      timer_setup(t, () => { spin_lock(lock); order.push("timer"); spin_unlock(lock); }, 0);
      mod_timer(t, get_jiffies());
      spin_lock_bh(lock);
      k.sched.drain();                         // the timer is due, but softirqs are off
      order.push("locked section");
      spin_unlock_bh(lock);
      order.push("unlocked");
      return 0;
    });
    assert.deepEqual(order, ["locked section", "timer", "unlocked"]);
    assert.deepEqual(rulesFired(k), []);
  });
});

describe("lockdep rules", () => {
  it("LOCK001: taking a spinlock twice is recursive locking; the call ends there", () => {
    const k = boot();
    const lock = DEFINE_SPINLOCK("&dev->lock");
    const from = k.log.records().length;
    const r = insmod(k, () => {
      spin_lock(lock);
      spin_lock(lock);                          // the bug
      spin_unlock(lock);
      return 0;
    });
    assert.notEqual(r, 0);
    const f = only(k, "LOCK001");
    assert.equal(f.message, "possible recursive locking detected: insmod/1 is trying to acquire lock &dev->lock in spin_lock(), but already holds it");
    const log = logFrom(k, from);
    assert.match(log, /WARNING: possible recursive locking detected\n6\.12\.0-faultline #1 Not tainted\n-+\ninsmod\/1 is trying to acquire lock:/);
    assert.match(log, / lock\(&dev->lock\);\n {2}lock\(&dev->lock\);\n\n \*\*\* DEADLOCK \*\*\*/);
    assert.equal(spin_is_locked(lock), 0, "the oops released what the dead call held");
  });

  it("LOCK001: a mutex taken again through a helper", () => {
    const k = boot();
    const m = DEFINE_MUTEX("&dev->mutex");
    const helper = () => { mutex_lock(m); mutex_unlock(m); };
    insmod(k, () => {
      mutex_lock(m);
      helper();
      mutex_unlock(m);
      return 0;
    });
    assert.match(only(k, "LOCK001").message, / acquire lock &dev->mutex in mutex_lock\(\)/);
  });

  it("LOCK001 correct twin: the helper's _locked variant, and trylock on a held mutex just fails", () => {
    const k = boot();
    const m = new mutex();
    insmod(k, () => {
      mutex_init(m, "&dev->mutex");
      mutex_lock(m);
      assert.equal(mutex_trylock(m), 0);
      assert.equal(mutex_is_locked(m), true);
      mutex_unlock(m);
      assert.equal(mutex_lock_interruptible(m), 0);
      mutex_unlock(m);
      return 0;
    });
    assert.deepEqual(rulesFired(k), []);
  });

  it("LOCK002: unlocking a mutex not held (an error path that never took it)", () => {
    const k = boot();
    const m = DEFINE_MUTEX("&dev->mutex");
    const from = k.log.records().length;
    const write = (fail: boolean): number => {
      if (fail) {
        mutex_unlock(m);                        // the bug: the lock was not taken on this path
        return -14;
      }
      mutex_lock(m);
      mutex_unlock(m);
      return 0;
    };
    insmod(k, () => { write(false); write(true); return 0; });
    const f = only(k, "LOCK002");
    assert.equal(f.message, "bad unlock balance detected: insmod/1 is trying to release lock (&dev->mutex) in mutex_unlock(), but there are no more locks to release");
    assert.match(logFrom(k, from), /WARNING: bad unlock balance detected!\n.*\n-+\ninsmod\/1 is trying to release lock \(&dev->mutex\) at:\n.*locking\.test\.ts:\d+\)\nbut there are no more locks to release!\n\nother info that might help us debug this:\nno locks held by insmod\/1\./);
  });

  it("LOCK003: a system call (here module init) returning with a mutex held, reported once; lockdep then drops it", () => {
    const k = boot();
    const m = DEFINE_MUTEX("&dev->mutex");
    const from = k.log.records().length;
    insmod(k, () => {
      mutex_lock(m);
      if (m) return -12;                        // the bug: an early return without mutex_unlock()
      mutex_unlock(m);
      return 0;
    });
    const f = only(k, "LOCK003");
    assert.equal(f.message, "insmod/1 is leaving init() with locks still held: &dev->mutex");
    assert.match(logFrom(k, from), /WARNING: lock held when returning to user space!\n.*\n-+\ninsmod\/1 is leaving the kernel with locks still held!\n1 lock held by insmod\/1:\n #0: [0-9a-f]{16} \(&dev->mutex\)\{\+\.\+\.\}-\{4:4\}, at: /);
    assert.equal(mutex_is_locked(m), false);
  });

  it("LOCK003: a work item returning with a spinlock held (the workqueue's report)", async () => {
    const { INIT_WORK, schedule_work, work_struct } = await import("../src/api/linux/workqueue");
    const k = boot();
    const lock = DEFINE_SPINLOCK("&dev->lock");
    const w = new work_struct();
    const from = k.log.records().length;
    insmod(k, () => {
      INIT_WORK(w, function mydev_work() { spin_lock(lock); });
      schedule_work(w);
      return 0;
    });
    k.sched.drain();
    assert.match(only(k, "LOCK003").message, /^kworker\/0:1\/2 is leaving work\(\) with locks still held: &dev->lock$/);
    assert.match(logFrom(k, from), /BUG: workqueue leaked atomic, lock or RCU: kworker\/0:1\[2\]\n {5}preempt=0x00000001 lock=1->0 RCU=0->0 workfn=mydev_work/);
  });

  it("LOCK004: A then B on one path, B then A on another (ABBA), found without a second CPU", () => {
    const k = boot();
    const a = DEFINE_MUTEX("&dev->cfg_lock"), b = DEFINE_SPINLOCK("&dev->ring_lock");
    const from = k.log.records().length;
    insmod(k, () => {
      mutex_lock(a); spin_lock(b); spin_unlock(b); mutex_unlock(a);
      spin_lock(b); mutex_trylock(a); mutex_unlock(a); spin_unlock(b);  // trylock adds no order
      return 0;
    });
    assert.deepEqual(rulesFired(k), []);
    insmod(k, () => {
      const flags = spin_lock_irqsave(b);
      spin_unlock_irqrestore(b, flags);
      mutex_lock(a);
      spin_lock(b);
      spin_unlock(b);
      mutex_unlock(a);
      return 0;
    }, undefined, "second");
    assert.deepEqual(rulesFired(k), []);
    const c = DEFINE_SPINLOCK("&dev->stats_lock");
    insmod(k, () => {
      spin_lock(b);
      spin_lock(c);
      spin_unlock(c);
      spin_unlock(b);
      spin_lock(c);
      spin_lock(b);                             // the bug: c then b, after b then c
      spin_unlock(b);
      spin_unlock(c);
      return 0;
    }, undefined, "third");
    const f = only(k, "LOCK004");
    assert.equal(f.message, "possible circular locking dependency detected: insmod/1 is trying to acquire lock &dev->ring_lock in spin_lock() while holding &dev->stats_lock, which already depends on the new lock");
    const log = logFrom(k, from);
    assert.match(log, /which lock already depends on the new lock\.\n\n\nthe existing dependency chain \(in reverse order\) is:\n\n-> #1 \(&dev->stats_lock\)/);
    assert.match(log, / {7}CPU0 {20}CPU1\n {7}---- {20}----\n {2}lock\(&dev->stats_lock\);\n {31}lock\(&dev->ring_lock\);\n {31}lock\(&dev->stats_lock\);\n {2}lock\(&dev->ring_lock\);/);
  });

  it("LOCK005: a lock taken in an interrupt handler and, with interrupts on, in process context", () => {
    const k = boot();
    const irq = k.irqs.allocate();
    const lock = DEFINE_SPINLOCK("&priv->lock");
    const from = k.log.records().length;
    insmod(k, () => {
      request_irq(irq, () => { spin_lock(lock); spin_unlock(lock); return IRQ_HANDLED; }, 0, "t", lock);
      k.irqs.deliver(irq);
      spin_lock(lock);                          // the bug: spin_lock_irqsave() is needed here
      spin_unlock(lock);
      free_irq(irq, lock);
      return 0;
    });
    const f = only(k, "LOCK005");
    assert.equal(f.message, "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage: insmod/1 takes &priv->lock in spin_lock()");
    assert.match(logFrom(k, from), /WARNING: inconsistent lock state\n.*\n-+\ninconsistent \{IN-HARDIRQ-W\} -> \{HARDIRQ-ON-W\} usage\.\ninsmod\/1 \[HC0\[0\]:SC0\[0\]:HE1:SE1\] takes:\n[0-9a-f]{16} \(&priv->lock\)\{-\.\.\.\}-\{3:3\}, at: .*\n\{IN-HARDIRQ-W\} state was registered at:\n/);
  });

  it("a mutex taken in a timer callback is CTX001 only: its softirq usage is that bug, not a LOCK005 beside it", () => {
    const k = boot();
    const m = DEFINE_MUTEX("&registry_lock");
    const t = new timer_list();
    insmod(k, () => {
      mutex_lock(m);
      mutex_unlock(m);
      timer_setup(t, () => { mutex_lock(m); mutex_unlock(m); }, 0);
      mod_timer(t, get_jiffies() + 2);
      return 0;
    });
    k.sched.drain();
    insmod(k, () => { mutex_lock(m); mutex_unlock(m); return 0; }, undefined, "again");
    assert.deepEqual(rulesFired(k), ["CTX001"]);
  });

  it("LOCK005 correct twin: spin_lock_irqsave() in process context", () => {
    const k = boot();
    const irq = k.irqs.allocate();
    const lock = DEFINE_SPINLOCK("&priv->lock");
    insmod(k, () => {
      request_irq(irq, () => { spin_lock(lock); spin_unlock(lock); return IRQ_HANDLED; }, 0, "t", lock);
      k.irqs.deliver(irq);
      const flags = spin_lock_irqsave(lock);
      spin_unlock_irqrestore(lock, flags);
      free_irq(irq, lock);
      return 0;
    });
    assert.deepEqual(rulesFired(k), []);
  });

  it("lockdep turns itself off after its first report", () => {
    const k = boot();
    const m = DEFINE_MUTEX("&a"), n = DEFINE_MUTEX("&b");
    insmod(k, () => {
      mutex_unlock(m);                          // LOCK002
      mutex_lock(m); mutex_lock(n); mutex_unlock(n); mutex_unlock(m);
      mutex_lock(n); mutex_lock(m); mutex_unlock(m); mutex_unlock(n);  // would be LOCK004
      return 0;
    });
    assert.deepEqual(rulesFired(k), ["LOCK002"]);
  });
});

describe("semaphores", () => {
  it("scull's pattern: down_interruptible()/up() around the critical section, counts and trylock", () => {
    const k = boot();
    const sem = new semaphore();
    insmod(k, () => {
      sema_init(sem, 1);
      assert.equal(down_interruptible(sem), 0);
      assert.equal(down_trylock(sem), 1, "down_trylock() returns 1 when it could not take it");
      up(sem);
      assert.equal(down_trylock(sem), 0);
      up(sem);
      const two = DEFINE_SEMAPHORE("slots", 2);
      down(two); down(two);
      assert.equal(two.count, 0);
      up(two); up(two);
      return 0;
    });
    assert.deepEqual(rulesFired(k), []);
  });

  it("a down() ended by an up() from a timer; a down_timeout() that expires; an interruptible wait nothing ends is -EINTR", () => {
    const k = boot();
    const sem = DEFINE_SEMAPHORE("sem", 0);
    const t = new timer_list();
    const got: number[] = [];
    insmod(k, () => {
      timer_setup(t, () => up(sem), 0);
      mod_timer(t, get_jiffies() + 5);
      const before = get_jiffies();
      down(sem);
      got.push(get_jiffies() - before);
      got.push(down_timeout(sem, 3));
      got.push(down_interruptible(sem));
      return 0;
    });
    assert.deepEqual(got, [5, -62, -4]);
    assert.deepEqual(rulesFired(k), []);
  });

  it("a down() nothing will up() is the hung-task report; down() under a spinlock is CTX001", () => {
    const k = boot();
    const sem = DEFINE_SEMAPHORE("sem", 1);
    const from = k.log.records().length;
    insmod(k, () => { down(sem); down(sem); return 0; });
    assert.match(logFrom(k, from), /INFO: task insmod:1 blocked for more than 120 seconds\.[\s\S]*sleeping in down\(\)/);
    const k2 = boot();
    const lock = DEFINE_SPINLOCK("&l");
    const s2 = DEFINE_SEMAPHORE("sem", 1);
    insmod(k2, () => { spin_lock(lock); down(s2); up(s2); spin_unlock(lock); return 0; });
    assert.match(only(k2, "CTX001").message, /^sleeping function down\(\) called/);
  });
});

describe("softirq switches", () => {
  it("local_bh_disable()/local_bh_enable() defer a due timer; an unbalanced enable warns", () => {
    const k = boot();
    const t = new timer_list();
    const order: string[] = [];
    const from = k.log.records().length;
    insmod(k, () => {
      timer_setup(t, () => order.push("timer"), 0);
      mod_timer(t, get_jiffies());
      local_bh_disable();
      k.sched.drain();
      order.push("bh off");
      local_bh_enable();
      local_bh_enable();
      return 0;
    });
    assert.deepEqual(order, ["bh off", "timer"]);
    assert.match(logFrom(k, from), /local_bh_enable\(\) with softirqs already enabled/);
  });

  it("rejects what is not a lock, naming the function", () => {
    boot();
    assert.throws(() => spin_lock({} as spinlock_t), /spin_lock\(\): argument 1 must be a spinlock_t/);
    assert.throws(() => mutex_lock(new spinlock_t() as unknown as mutex), /mutex_lock\(\): argument 1 must be a struct mutex/);
    assert.throws(() => up(null as unknown as semaphore), /up\(\): argument 1 must be a struct semaphore, got NULL|up\(\): argument 1 must be a struct semaphore/);
  });
});
