// Deterministic randomness: the same seed gives the same run (invariant 3).

/** splitmix64 step over a 32-bit lane pair; returns a generator of uint32. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A stateless 32-bit mix of (seed, key): lets lazily created state not depend on creation order. */
export function mix32(seed: number, key: number): number {
  let h = (seed ^ Math.imul(key >>> 0, 0x9e3779b1) ^ Math.floor(key / 4294967296)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
