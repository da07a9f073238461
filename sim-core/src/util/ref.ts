// What C passes as `T *` for an out-parameter (`loff_t *ppos`, `dev_t *dev`).

export interface Ref<T> {
  /** The value behind the pointer (*p in C). */ value: T }

/**
 * ```c
 * T *ref(T value)  // &x
 * ```
 * A box standing for a C out-parameter (`&handle`): the callee writes .value. E.g. `const h = ref(0); dma_alloc_coherent(dev, size, h, GFP_KERNEL)` then `h.value` is the dma_addr_t.
 */
export function ref<T>(value: T): Ref<T> {
  return { value };
}
