// A test double of the backend for component unit tests only (end-to-end tests always drive
// the real core): every method the test does not give fails loudly, but for the drafts of
// forms, which a test that does not look at them gets as an empty store.
import type { Backend } from './index';

export function fakeBackend(given: Partial<Backend>): Backend {
  // Forms keep drafts as they are typed; a test that does not look at drafts has none.
  const drafts: Partial<Backend> = {
    formDraft: () => Promise.resolve(null),
    saveFormDraft: (key, title, body) =>
      Promise.resolve({
        id: 'draft',
        kind: key.kind,
        title,
        body,
        updated_at: '',
        case_id: key.case_id,
        record_id: key.record_id,
      }),
    discardFormDraft: () => Promise.resolve(),
  };
  return new Proxy({ ...drafts, ...given } as Backend, {
    get(target, name: string) {
      if (name in target) return target[name as keyof Backend];
      return () => Promise.reject(new Error(`backend.${name} is not used in this test`));
    },
  });
}
