// What C passes as `T *` for an out-parameter (`loff_t *ppos`, `dev_t *dev`).

export interface Ref<T> { value: T }

export function ref<T>(value: T): Ref<T> {
  return { value };
}
