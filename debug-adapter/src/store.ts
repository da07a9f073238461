// Variable handles live only while the run is stopped (DAP's rule: a
// variablesReference is valid until the next continue or step). One store
// per stop, dropped on every continue, so handles do not pile up across
// stops and a stale reference answers an empty list instead of the wrong
// variables.

import type { KNode } from "./kernel/node";

export type Container =
  | { readonly kind: "object"; readonly objectId: string; readonly frameId?: number; readonly scope?: boolean }
  | { readonly kind: "kernel"; readonly node: KNode };

export class VariableStore {
  // Numbers are never reused (unlike @vscode/debugadapter's Handles after reset()): a reference from
  // an earlier stop must not name a container of this one.
  private readonly map = new Map<number, Container>();
  private next = 1000;
  private generation = 0;

  /** A handle for a container, valid until reset(). */
  add(c: Container): number {
    const ref = this.next++;
    this.map.set(ref, c);
    return ref;
  }

  get(ref: number): Container | undefined {
    return this.map.get(ref);
  }

  /** The run continued: every handle of the last stop is stale. */
  reset(): void {
    this.map.clear();
    this.generation++;
  }

  get stop(): number { return this.generation; }
}
