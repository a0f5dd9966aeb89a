// A test double of the backend for component unit tests only (end-to-end tests always drive
// the real core): every method the test does not give fails loudly.
import type { Backend } from './index';

export function fakeBackend(given: Partial<Backend>): Backend {
  return new Proxy(given as Backend, {
    get(target, name: string) {
      if (name in target) return target[name as keyof Backend];
      return () => Promise.reject(new Error(`backend.${name} is not used in this test`));
    },
  });
}
