// What the kernel expects a driver callback to return, by the callback's
// name as callDriver() knows it. In C the compiler enforces these types; a
// TypeScript driver can return anything at run time (a Promise from an
// `async` function, undefined from a missing return, a string), and the
// kernel would take it as success or crash on it inside its own code.

/** The C return type of a callback, and what it is for, as a report names it. */
interface Contract { readonly type: "int" | "long" | "ssize_t" | "loff_t" | "vm_fault_t" | "irqreturn_t" | "void"; readonly what: string }

const CONTRACTS: Readonly<Record<string, Contract>> = {
  init: { type: "int", what: "module_init functions" },
  exit: { type: "void", what: "module_exit functions" },
  probe: { type: "int", what: "probe functions" },
  remove: { type: "void", what: "remove functions" },
  open: { type: "int", what: "file operations" },
  release: { type: "int", what: "file operations" },
  mmap: { type: "int", what: "file operations" },
  ioctl: { type: "long", what: "file operations" },
  read: { type: "ssize_t", what: "file operations" },
  write: { type: "ssize_t", what: "file operations" },
  read_iter: { type: "ssize_t", what: "file operations" },
  write_iter: { type: "ssize_t", what: "file operations" },
  llseek: { type: "loff_t", what: "file operations" },
  fault: { type: "vm_fault_t", what: "fault handlers" },
  page_mkwrite: { type: "vm_fault_t", what: "fault handlers" },
  irq: { type: "irqreturn_t", what: "interrupt handlers" },
  vm_open: { type: "void", what: "vm_operations_struct open functions" },
  vm_close: { type: "void", what: "vm_operations_struct close functions" },
  work: { type: "void", what: "work functions" },
};

const EXPECT: Readonly<Record<Contract["type"], string>> = {
  int: "an int (0, or a negative errno)",
  long: "a long (a result, or a negative errno)",
  ssize_t: "ssize_t (a byte count, or a negative errno)",
  loff_t: "loff_t (the new position, or a negative errno)",
  vm_fault_t: "vm_fault_t (0 or VM_FAULT_* bits)",
  irqreturn_t: "irqreturn_t (IRQ_NONE, IRQ_HANDLED or IRQ_WAKE_THREAD)",
  void: "nothing",
};

const INT_MIN = -(2 ** 31), INT_MAX = 2 ** 31 - 1;

/** A value as a report shows it: its type, and the value when short. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  switch (typeof v) {
    case "string": return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)})`;
    case "boolean": return `a boolean (${v})`;
    case "bigint": return `a bigint (${v}n)`;
    case "number": return String(v);
    case "symbol": return "a symbol";
    case "function": return "a function";
    default: return isThenable(v) ? "a Promise" : Array.isArray(v) ? "an array" : "an object";
  }
}

function isThenable(v: unknown): boolean {
  if ((typeof v !== "object" && typeof v !== "function") || v === null) return false;
  // A getter on `then` is the driver's code: look at the property without running it.
  for (let o: object | null = v; o; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, "then");
    if (d) return "get" in d || typeof d.value === "function";
  }
  return false;
}

/**
 * Why a callback's return value breaks its C contract, or undefined when it
 * keeps it: "init returned a Promise: module_init functions run
 * synchronously in the kernel; remove async".
 */
export function badReturn(callback: string, v: unknown): string | undefined {
  const c = CONTRACTS[callback];
  if (isThenable(v)) {
    return `${callback} returned a Promise: ${c?.what ?? "driver callbacks"} run synchronously in the kernel; remove async`;
  }
  if (!c) return undefined;
  if (c.type === "void") return undefined; // C discards it; nothing the kernel reads
  // Checked first and without building the report: this runs on every callback's return (every fault).
  if (typeof v === "number" && Number.isInteger(v) && keepsRange(c.type, v)) return undefined;
  const one = c.what.replace(/s$/, "");
  const expect = `${c.what === "file operations" ? `the file operation ${callback}` : `${/^[aeiou]/.test(one) ? "an" : "a"} ${one}`} returns ${EXPECT[c.type]}`;
  if (typeof v !== "number") {
    return `${callback} returned ${describeValue(v)}${v === undefined ? " (a missing return statement?)" : ""}: ${expect}`;
  }
  if (!Number.isInteger(v)) return `${callback} returned ${describeValue(v)}, not an integer: ${expect}`;
  switch (c.type) {
    case "int":
      if (v < INT_MIN || v > INT_MAX) return `${callback} returned ${v}, which does not fit in an int: ${expect}`;
      return undefined;
    case "vm_fault_t":
      if (v < 0 || v > 0xffffffff) return `${callback} returned ${v}: ${expect}; a negative errno is not a vm_fault_t (use vmf_error())`;
      return undefined;
    case "irqreturn_t":
      if (v < 0 || v > 3) return `${callback} returned ${v}: ${expect}`;
      return undefined;
    default:
      if (!Number.isSafeInteger(v)) return `${callback} returned ${v}, which does not fit in 64 bits: ${expect}`;
      return undefined;
  }
}

/** An integer return value within what its C type holds (and, for irqreturn_t and vm_fault_t, means). */
function keepsRange(type: Contract["type"], v: number): boolean {
  switch (type) {
    case "int": return v >= INT_MIN && v <= INT_MAX;
    case "vm_fault_t": return v >= 0 && v <= 0xffffffff;
    case "irqreturn_t": return v >= 0 && v <= 3;
    default: return Number.isSafeInteger(v);
  }
}
