// The draft keeper: written after the typing stops, at once when asked, removed when the
// form is saved or its input thrown away, restored where it was; writes in order.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAFT_SAVE_DELAY_MS, DraftKeeper, DraftWriter, type DraftStore } from './drafts';
import type { DraftKey } from './bindings/DraftKey';

const KEY: DraftKey = { kind: 'note', case_id: 'c1', record_id: null };

/** A store in memory that records every call. */
function memoryStore(start: Record<string, string> = {}) {
  const kept = new Map(Object.entries(start));
  const calls: string[] = [];
  const id = (k: DraftKey) => `${k.kind}/${k.case_id}/${k.record_id}`;
  const store: DraftStore = {
    save: vi.fn(async (k, _title, body) => {
      calls.push(`save ${body}`);
      kept.set(id(k), body);
    }),
    load: vi.fn(async (k) => (kept.has(id(k)) ? { body: kept.get(id(k))! } : null)),
    discard: vi.fn(async (k) => {
      calls.push('discard');
      kept.delete(id(k));
    }),
  };
  return { store, kept, calls, get: () => kept.get(id(KEY)) ?? null };
}

describe('DraftKeeper', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes the input a moment after the typing stops, once', async () => {
    const m = memoryStore();
    const k = new DraftKeeper(KEY, m.store, () => 'Note', '""');
    k.change('"S"');
    k.change('"Sh"');
    k.change('"She called"');
    expect(k.dirty).toBe(true);
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_DELAY_MS - 1);
    expect(m.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.calls).toEqual(['save "She called"']);
    expect(m.get()).toBe('"She called"');
  });

  it('writes at once when flushed (before a lock), and not twice', async () => {
    const m = memoryStore();
    const k = new DraftKeeper(KEY, m.store, () => 'Note', '""');
    k.change('"half a note"');
    await k.flush();
    expect(m.get()).toBe('"half a note"');
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_DELAY_MS * 2);
    await k.flush();
    expect(m.calls).toEqual(['save "half a note"']);
  });

  it('removes the draft when the form is saved, and keeps nothing for a clean form', async () => {
    const m = memoryStore();
    const k = new DraftKeeper(KEY, m.store, () => 'Note', '""');
    k.change('"to save"');
    await k.flush();
    await k.settle('""');
    expect(k.dirty).toBe(false);
    expect(m.get()).toBeNull();
    expect(m.calls).toEqual(['save "to save"', 'discard']);
    // Typing back to what the form was opened with needs no draft either.
    k.change('"x"');
    k.change('""');
    await k.flush();
    expect(m.calls).toEqual(['save "to save"', 'discard']);
  });

  it('restores the kept draft, which stays until the form is saved', async () => {
    const m = memoryStore({ 'note/c1/null': '"typed before the lock"' });
    const k = new DraftKeeper(KEY, m.store, () => 'Note', '""');
    expect(await k.restore()).toBe('"typed before the lock"');
    expect(k.dirty).toBe(true);
    // Putting it back into the form is no change: nothing is written again.
    k.change('"typed before the lock"');
    await k.flush();
    expect(m.calls).toEqual([]);
    await k.settle('""');
    expect(m.get()).toBeNull();
  });

  it('finds nothing for a form with no draft', async () => {
    const m = memoryStore({ 'note/other/null': '"another case"' });
    const k = new DraftKeeper(KEY, m.store, () => 'Note', '""');
    expect(await k.restore()).toBeNull();
    expect(k.dirty).toBe(false);
  });

  it('keeps writes in order, so the store ends with the last word', async () => {
    const bodies: string[] = [];
    let release: () => void = () => {};
    const store: DraftStore = {
      save: vi.fn(
        (_k, _t, body) =>
          new Promise<void>((resolve) => {
            release = () => {
              bodies.push(body);
              resolve();
            };
          }),
      ),
      load: vi.fn(async () => null),
      discard: vi.fn(async () => bodies.push('discarded')),
    };
    const k = new DraftKeeper(KEY, store, () => 'Note', '""');
    k.change('"first"');
    const first = k.flush();
    await vi.waitFor(() => expect(store.save).toHaveBeenCalled());
    const saved = k.settle('""');
    // The removal waits for the slow write before it.
    await Promise.resolve();
    expect(store.discard).not.toHaveBeenCalled();
    release();
    await first;
    await saved;
    expect(bodies).toEqual(['"first"', 'discarded']);
  });

  it('says when a write failed and tries again at the next change', async () => {
    let fail = true;
    const m = memoryStore();
    const save = m.store.save;
    m.store.save = vi.fn((k, t, b) => (fail ? Promise.reject(new Error('locked')) : save(k, t, b)));
    const k = new DraftKeeper(KEY, m.store, () => 'Note', '""');
    k.change('"a"');
    await k.flush();
    expect(k.failed).toBe(true);
    fail = false;
    k.change('"ab"');
    await k.flush();
    expect(k.failed).toBe(false);
    expect(m.get()).toBe('"ab"');
  });
});

describe('DraftWriter', () => {
  it('writes saves one after another, each with the id the one before got', async () => {
    const calls: (string | null)[] = [];
    const answers: ((id: string) => void)[] = [];
    const heard: string[] = [];
    const w = new DraftWriter(
      null,
      (id) => {
        calls.push(id);
        return new Promise((resolve) => answers.push(resolve));
      },
      (id) => heard.push(id),
    );
    const first = w.save();
    const second = w.save();
    await Promise.resolve();
    // The second waits for the first: it must not create a draft of its own.
    expect(calls).toEqual([null]);
    answers[0]!('d1');
    expect(await first).toBe('d1');
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual([null, 'd1']);
    answers[1]!('d1');
    expect(await second).toBe('d1');
    expect(heard).toEqual(['d1', 'd1']);
  });

  it('goes on after a failed save, with the id it had', async () => {
    const calls: (string | null)[] = [];
    let fail = true;
    const w = new DraftWriter(
      'd7',
      async (id) => {
        calls.push(id);
        if (fail) throw new Error('locked');
        return id ?? 'new';
      },
      () => {},
    );
    await expect(w.save()).rejects.toThrow('locked');
    fail = false;
    expect(await w.save()).toBe('d7');
    expect(calls).toEqual(['d7', 'd7']);
  });
});
