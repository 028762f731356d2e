/**
 * Sets an own, enumerable property. Spec keys are user data: a network, label or option called
 * `__proto__` must become a key like any other, which plain assignment would not do.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // defineProperty is slow (it turns the object into a dictionary), so only where it matters.
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
