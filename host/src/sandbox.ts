// The driver's world inside the host process: a V8 context of its own that
// holds plain JavaScript built-ins and the kernel API, and nothing of Node.
// The context's globals and prototypes are the driver's to break; the host's
// are not reachable from them: kernel API objects are frozen copies, and the
// host realm's Function constructors (the way from any host object back to
// host code) are locked before the driver runs.

import * as vm from "node:vm";
import type { Frame } from "../../sim-core/src";

/** What the lockdown's constructor says when a driver reaches for it. */
export const BLOCKED_CONSTRUCTOR = "code generation in the host is blocked";

/** Names a driver may reach for that exist in Node but not in a kernel, and what to use instead. */
const NODE_GLOBALS: Readonly<Record<string, string>> = {
  process: "there is no process object in the kernel",
  require: "drivers import the kernel API (linux/*, asm/*, faultline/*) with import statements; nothing else is loadable",
  module: "drivers are modules already: export what you mean with export",
  exports: "drivers are modules already: export what you mean with export",
  Buffer: "use a Uint8Array, or kernel memory from kmalloc()",
  __dirname: "a driver has no file system",
  __filename: "a driver has no file system",
  global: "use globalThis (the driver's own)",
  console: "the kernel has no console object: print with printk() or pr_info() from linux/printk",
  setTimeout: "time in the simulator is virtual: use a workqueue (schedule_delayed_work) or msleep()",
  setInterval: "time in the simulator is virtual: use a delayed work item that re-queues itself",
  setImmediate: "use a workqueue (schedule_work)",
  queueMicrotask: "use a workqueue (schedule_work)",
  fetch: "the simulated kernel has no network",
  performance: "time in the simulator is virtual: use ktime_get() or jiffies",
};

/** One line that says what went wrong, for the JavaScript errors a sandboxed driver typically meets. */
export function explainDriverError(e: Error, frames: readonly Frame[], rawStack?: string): string | undefined {
  const msg = e.message;
  let m: RegExpExecArray | null;
  if (e.name === "ReferenceError" && (m = /^(\w+) is not defined$/.exec(msg)) && m[1] in NODE_GLOBALS) {
    return `\`${m[1]}\` is Node's, not the kernel's: the driver runs with the kernel API only, and ${NODE_GLOBALS[m[1]]}`;
  }
  if ((m = /^Cannot assign to read only property '([^']+)'/.exec(msg)) || (m = /^Cannot set property (\S+) of .* which has only a getter$/.exec(msg))
    || (m = /^Cannot add property (\S+), object is not extensible$/.exec(msg)) || (m = /^Cannot delete property '([^']+)'/.exec(msg))) {
    return `the kernel API is read-only: the driver tried to replace or change \`${m[1]}\``;
  }
  if (msg === BLOCKED_CONSTRUCTOR) {
    return "the driver reached for the host's Function constructor through a kernel object: code outside the driver's sandbox cannot be created";
  }
  if (/dynamic import callback/.test(msg)) {
    return "import() at run time: a driver can import only the kernel API, with static import statements";
  }
  if (e.name === "RangeError" && /Maximum call stack size exceeded/.test(msg)) {
    // The innermost frame a built-in (JSON.stringify, Array.prototype.join …): the stack ran out inside it, not in a recursion of the driver's.
    const first = /^\s*at (?:new )?([\w$.<>\[\] ]+?) \((?:<anonymous>|native)\)$/m.exec((rawStack ?? e.stack ?? "").split("\n").find((l) => /^\s*at /.test(l)) ?? "");
    if (first) {
      const caller = frames[0];
      return `the stack ran out inside ${first[1]}, a built-in${caller ? `, called from ${caller.fn} (${caller.file}:${caller.line})` : ""}: the value it was given is nested too deeply for it (or refers to itself)`;
    }
    const top = mostRepeated(frames);
    return top ? `unbounded recursion: ${top.fn} (${top.file}:${top.line}) keeps calling itself until the stack runs out` : "unbounded recursion: the stack ran out";
  }
  return undefined;
}

function mostRepeated(frames: readonly Frame[]): Frame | undefined {
  const n = new Map<string, { f: Frame; count: number }>();
  for (const f of frames) {
    const key = `${f.file}:${f.line}`;
    const e = n.get(key);
    if (e) e.count++;
    else n.set(key, { f, count: 1 });
  }
  let best: { f: Frame; count: number } | undefined;
  for (const e of n.values()) if (!best || e.count > best.count) best = e;
  return best?.f;
}

// Run once in each realm before its code: FinalizationRegistry callbacks are
// asked for by the host (they would otherwise run from the event loop, outside
// every limit, after the run), and Atomics.wait() says when it blocks. The
// originals stay only in these closures.
const REALM_GUARDS = `"use strict"; (function (hooks) {
  const Orig = FinalizationRegistry;
  const capture = hooks.capture, finalizer = hooks.finalizer, blocking = hooks.blocking, construct = Reflect.construct;
  const FR = function FinalizationRegistry(cleanup) {
    if (new.target === undefined) throw new TypeError("Constructor FinalizationRegistry requires 'new'");
    if (typeof cleanup !== "function") throw new TypeError("FinalizationRegistry: cleanup must be callable");
    const where = capture();
    return construct(Orig, [function (held) { if (finalizer(where)) cleanup(held); }], new.target);
  };
  FR.prototype = Orig.prototype;
  Object.defineProperty(Orig.prototype, "constructor", { value: FR, writable: false, configurable: false });
  Object.defineProperty(globalThis, "FinalizationRegistry", { value: FR, writable: false, configurable: false });
  const origWait = Atomics.wait, apply = Reflect.apply;
  Object.defineProperty(Atomics, "wait", { writable: false, configurable: false, value: function wait(ta, index, value, timeout) {
    blocking(capture());
    try { return apply(origWait, Atomics, [ta, index, value, timeout]); } finally { blocking(undefined); }
  } });
})`;

// Stacks of the driver's and scenario's errors, as V8 captured them. Node
// formats a realm's error through that realm's \`globalThis.Error.prepareStackTrace\`,
// so a driver that swaps its global Error, or assigns an error's \`stack\`,
// could make an oops name any line (the scenario's); what it cannot do is
// make V8's own formatting call this function from Node's internals with
// its own trace. Only those calls are recorded.
const genuineStacks = new WeakMap<object, string>();

function recordStack(err: unknown, trace: readonly unknown[]): string {
  const caller: { stack?: string } = {};
  Error.captureStackTrace(caller, recordStack);
  let head = "Error";
  try {
    head = String(Error.prototype.toString.call(err));
  } catch { /* a name or message getter of the driver's threw */ }
  const text = head + (Array.isArray(trace) ? trace.map((c) => `\n    at ${String(c)}`).join("") : "");
  const from = String(caller.stack).split("\n")[1] ?? "";
  if (/\(node:internal\/errors:\d+:\d+\)$/.test(from) && typeof err === "object" && err !== null) genuineStacks.set(err, text);
  return text;
}

/**
 * The stack V8 captured for an error of a driver's or scenario's realm, or
 * undefined when there is none to trust (its \`stack\` was assigned before V8
 * formatted it, its realm's global Error was swapped, or it is no error).
 */
export function genuineStack(err: unknown): string | undefined {
  if ((typeof err !== "object" && typeof err !== "function") || err === null) return undefined;
  if (!genuineStacks.has(err)) {
    try {
      void (err as { stack?: unknown }).stack; // V8 formats on first read
    } catch { /* a getter of the driver's */ }
  }
  return genuineStacks.get(err);
}

let locked = false;

/**
 * Locks the host realm: every function's `constructor` (Function,
 * AsyncFunction, GeneratorFunction, AsyncGeneratorFunction) throws instead of
 * compiling code here. Run once, in the host child, before any driver code.
 */
export function lockdownHostRealm(): void {
  if (locked) return;
  locked = true;
  const blocked = function constructor(): never { throw new EvalError(BLOCKED_CONSTRUCTOR); };
  Object.freeze(blocked);
  const kinds = [function () {}, async function () {}, function* () {}, async function* () {}];
  for (const f of kinds) {
    Object.defineProperty(Object.getPrototypeOf(f), "constructor", { value: blocked, writable: false, configurable: false });
  }
  // Any kernel object leads to these (its prototype chain, its constructor): a
  // driver that changed them would change the kernel's own code paths, and
  // could make every message the host sends say something else (toJSON).
  // Error's prepareStackTrace is pinned (stack formatting is how findings
  // find the driver's lines); its stackTraceLimit stays the host's to set.
  Object.defineProperty(Error, "prepareStackTrace", { value: undefined, writable: false, configurable: false });
  const typedArray = Object.getPrototypeOf(Uint8Array) as object;
  const intrinsics: object[] = [
    Object, Function, Array, String, Number, Boolean, Symbol, BigInt, RegExp, Date, Map, Set, WeakMap, WeakSet, Promise,
    ArrayBuffer, DataView, typedArray, Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array, Uint8ClampedArray, JSON, Math, Reflect,
  ];
  for (const c of intrinsics) {
    Object.freeze(c);
    if (typeof c === "function" && c.prototype) Object.freeze(c.prototype);
  }
  for (const e of [Error, TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError]) Object.freeze(e.prototype);
  // What generators, async functions and iterators lead to (their hidden constructors' prototypes, %IteratorPrototype%
  // and the per-kind iterator prototypes): not globals, but every kernel generator or Map a driver holds reaches them.
  const hidden: object[] = [];
  for (const f of kinds) {
    const fnProto = Object.getPrototypeOf(f) as { prototype?: object };
    hidden.push(fnProto);
    if (fnProto.prototype) hidden.push(fnProto.prototype);
  }
  for (const it of [[][Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](), ""[Symbol.iterator](), /./[Symbol.matchAll]("")]) hidden.push(Object.getPrototypeOf(it));
  for (let o of hidden) {
    for (; o && !Object.isFrozen(o); o = Object.getPrototypeOf(o)) Object.freeze(o);
  }
  // Not ECMAScript's, but both realms are handed them: patched, they would make the scenario's byte checks pass on anything.
  for (const c of [TextEncoder, TextDecoder]) { Object.freeze(c.prototype); Object.freeze(c); }
}

/**
 * Freezes the classes (and their prototypes) whose instances drivers and
 * scenarios are handed, so that replacing a method of an mm, a VMA or a task
 * cannot change what the kernel reports (/proc/<pid>/maps, the leak report).
 * Their static state is in readonly fields holding containers, which stay
 * usable; instances stay writable (drivers set vm_private_data, vm_ops …).
 */
export function freezeClassPrototypes(modules: Iterable<object>): void {
  for (const mod of modules) {
    for (const v of Object.values(mod)) {
      if (typeof v !== "function" || !v.prototype || Object.isFrozen(v.prototype)) continue;
      Object.freeze(v.prototype);
      Object.freeze(v);
    }
  }
}

/** What the host is told from inside a driver's realm; every hook is a host function, held only by closures there. */
export interface RealmHooks {
  /** A stack captured by the host realm at the call (the realm's own Error may be replaced). */
  capture(): string;
  /** May a FinalizationRegistry callback created at `where` run now? (After the run's end it is reported and refused.) */
  finalizer(where: string): boolean;
  /** Atomics.wait() is entered (with where it was called) and left: a stop at the time limit in between is a block, not a spin. */
  blocking(where: string | undefined): void;
}

/** A frozen copy of an API module: functions and plain constants frozen too, getters kept. */
export function frozenModule(mod: object): object {
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(mod))) {
    if ("value" in d) {
      deepFreeze(d.value);
      Object.defineProperty(copy, key, { ...d, writable: false, configurable: false });
    } else Object.defineProperty(copy, key, { ...d, configurable: false });
  }
  return Object.freeze(copy);
}

function deepFreeze(v: unknown): void {
  if ((typeof v !== "object" && typeof v !== "function") || v === null || Object.isFrozen(v)) return;
  // Class instances are live kernel state (frozen, they would stop working); plain data and functions are not.
  const proto = Object.getPrototypeOf(v);
  const plain = typeof v === "function" || Array.isArray(v) || proto === Object.prototype || proto === null;
  if (!plain) return;
  Object.freeze(v);
  for (const k of Object.getOwnPropertyNames(v)) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (d && "value" in d) deepFreeze(d.value);
  }
}

export interface DriverContext {
  readonly context: vm.Context;
  /** Evaluates a CommonJS bundle in the context; returns its exports. */
  evaluate(code: string, filename: string): Record<string, unknown>;
}

/**
 * A fresh context for a driver or a scenario. `modules` are the kernel API's
 * modules by import name, already frozen (frozenModule()); anything else a
 * bundle asks for is refused.
 */
export function createDriverContext(modules: ReadonlyMap<string, object>, names: readonly string[], globals: Record<string, unknown> = {}, hooks?: RealmHooks): DriverContext {
  const context = vm.createContext(Object.assign(Object.create(null), globals), {
    name: "driver",
    codeGeneration: { strings: true, wasm: false },
    // The realm's promise jobs wait in a queue of their own, run only when the host drains it under its time limit.
    microtaskMode: "afterEvaluate",
  });
  // The context's own error machinery stays the host's: stack formatting is how findings find the driver's lines,
  // and a stackTraceLimit of 0 would leave oopses without them. V8 reads the limit from the realm's intrinsic
  // Error whatever the global \`Error\` is made to be; formatting goes through the host's recordStack (see genuineStack()).
  (vm.runInContext(`"use strict"; (function (record) {
    Object.defineProperty(Error, "prepareStackTrace", { value: record, writable: false, configurable: false });
    Object.defineProperty(Error, "stackTraceLimit", { value: 32, writable: false, configurable: false });
  })`, context) as (r: typeof recordStack) => void)(recordStack);
  if (hooks) (vm.runInContext(REALM_GUARDS, context) as (h: RealmHooks) => void)(hooks);
  const req = Object.freeze(function require(spec: string): object {
    const m = modules.get(spec);
    if (!m) throw new Error(`cannot find module '${spec}': drivers may import only the kernel API (${names.join(", ")})`);
    return m;
  });
  return {
    context,
    evaluate(code, filename) {
      const wrapper = vm.runInContext(`(function (require, module, exports) {${code}\n})`, context, { filename }) as (r: unknown, m: unknown, e: unknown) => void;
      const module = { exports: {} as Record<string, unknown> };
      wrapper(req, module, module.exports);
      return module.exports;
    },
  };
}
