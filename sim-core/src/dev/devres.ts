// Managed device resources (drivers/base/devres.c): what a driver takes with
// devm_*/pcim_*/dmam_* is recorded against the device and released, newest
// first, when the driver unbinds — after remove(), or when probe() fails —
// so those resources are never leaks and never need an explicit free.

import type { Device } from "./device";

export interface Devres {
  /** What it is, for messages ("devm_kzalloc", "devm_request_irq 16"). */
  readonly what: string;
  /** The resource's identity for devm_kfree()-style early release (an address, an IRQ, …). */
  readonly key: unknown;
  readonly release: () => void;
}

const lists = new WeakMap<Device, Devres[]>();

export function devresAdd(dev: Device, r: Devres): void {
  let l = lists.get(dev);
  if (!l) lists.set(dev, (l = []));
  l.push(r);
}

/** devres_release(): releases the newest entry of this kind and key now; false when there is none. */
export function devresRelease(dev: Device, what: string, key: unknown): boolean {
  const l = lists.get(dev);
  if (!l) return false;
  for (let i = l.length - 1; i >= 0; i--) {
    if (l[i].what === what && l[i].key === key) {
      const [r] = l.splice(i, 1);
      r.release();
      return true;
    }
  }
  return false;
}

/** devres_release_all(): at unbind, newest first. */
export function devresReleaseAll(dev: Device): void {
  const l = lists.get(dev);
  if (!l) return;
  lists.delete(dev);
  for (let i = l.length - 1; i >= 0; i--) {
    // A devm_add_action() action is the driver's own code: what it frees twice is its own double free.
    const managed = l[i].what !== "devm_add_action";
    if (managed) releasing++;
    try {
      l[i].release();
    } finally {
      if (managed) releasing--;
    }
  }
}

let releasing = 0;
/**
 * devres is releasing a driver's managed resources at unbind right now: a double free reported here was
 * made by the driver's own earlier free of something it did not own, and that free is the line to change.
 */
export function inDevresRelease(): boolean { return releasing > 0; }

export function devresCount(dev: Device): number { return lists.get(dev)?.length ?? 0; }
