// A node of the kernel scopes in the Variables view: a label, a one-line
// value and, when it can be expanded, children fetched page by page. Nodes
// speak Faultline (no DAP types); session.ts turns them into variables.

export interface KernelSource {
  kernel<T>(name: string, ...args: unknown[]): Promise<T>;
}

export interface KNode {
  readonly name: string;
  readonly value: string;
  readonly type?: string;
  /** protocol.ts's address scheme: phys:0x…, kva:0x…, uva:<pid>:0x…. */
  readonly memoryReference?: string;
  /** Bytes at memoryReference that belong to this node (a frame, a buffer): what a data breakpoint on it watches. */
  readonly size?: number;
  readonly evaluateName?: string;
  /** Children are indexed 0..indexed-1 (VS Code pages them 100 at a time). */
  readonly indexed?: number;
  /** Children fetched in one go. */
  readonly named?: number;
  children?(src: KernelSource, start: number, count: number): Promise<KNode[]>;
}

/** Hex as the kernel prints it: sim-core keeps upper-half kernel addresses as negative numbers, shown here as the 64-bit value. */
export const hex = (n: number): string => (n < 0 && Number.isInteger(n) ? "0x" + BigInt.asUintN(64, BigInt(n)).toString(16) : "0x" + n.toString(16));

export function leaf(name: string, value: string | number | boolean | null, extra: Partial<KNode> = {}): KNode {
  return { name, value: typeof value === "number" ? hex(value) : value === null ? "null" : String(value), ...extra };
}

/** A node with a fixed list of children (computed when expanded). */
export function group(name: string, value: string, make: (src: KernelSource) => Promise<KNode[]> | KNode[], extra: Partial<KNode> = {}): KNode {
  return { name, value, named: 1, ...extra, children: async (src, start, count) => (await make(src)).slice(start, start + count) };
}

/** A node whose fields are an object's, numbers in hex. */
export function record(name: string, value: string, fields: Record<string, unknown>, extra: Partial<KNode> = {}): KNode {
  return group(name, value, () => Object.entries(fields).map(([k, v]) => fieldNode(k, v)), extra);
}

export function fieldNode(k: string, v: unknown): KNode {
  if (Array.isArray(v)) return v.every((x) => typeof x !== "object") && v.join(", ").length < 100 ? leaf(k, `[${v.map((x) => (typeof x === "number" ? hex(x) : String(x))).join(", ")}]`) : group(k, `Array(${v.length})`, () => v.map((x, i) => fieldNode(String(i), x)));
  if (v && typeof v === "object") return record(k, "{…}", v as Record<string, unknown>);
  return leaf(k, v as string | number | boolean | null);
}
