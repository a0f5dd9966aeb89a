// Quick hide blanks the window at once, lets open forms save their drafts, then locks.
import { describe, expect, it, vi } from 'vitest';
import { setBackend, type AppPhase } from './backend';
import { fakeBackend } from './backend/testing';
import { session } from './session.svelte';

describe('session', () => {
  it('quick hide blanks first, saves drafts, then locks in the core', async () => {
    const order: string[] = [];
    let releaseLock: () => void = () => {};
    setBackend(
      fakeBackend({
        lock: vi.fn(
          () =>
            new Promise<AppPhase>((resolve) => {
              order.push('lock');
              releaseLock = () => resolve({ phase: 'locked' });
            }),
        ),
      }),
    );
    session.set({
      phase: 'unlocked',
      user: 'ona',
      centre: { code: 'K', name: 'C', country: 'LT', language: 'lt', mode: 'centre' },
    });
    const off = session.onBeforeLock(async () => {
      order.push('save draft');
    });
    const hiding = session.quickHide();
    expect(session.hidden).toBe(true);
    await vi.waitFor(() => expect(order).toEqual(['save draft', 'lock']));
    releaseLock();
    await hiding;
    off();
    expect(session.hidden).toBe(false);
    expect(session.phase).toEqual({ phase: 'locked' });
  });

  it('shows the locked screen even when the core fails to answer', async () => {
    setBackend(fakeBackend({ lock: () => Promise.reject({ code: 'internal', message: 'x' }) }));
    session.set({
      phase: 'unlocked',
      user: 'ona',
      centre: { code: 'K', name: 'C', country: 'LT', language: 'lt', mode: 'centre' },
    });
    await session.quickHide();
    expect(session.phase).toEqual({ phase: 'locked' });
  });

  it('does not wait for a slow draft save before locking', async () => {
    vi.useFakeTimers();
    try {
      const lock = vi.fn(() => Promise.resolve({ phase: 'locked' as const }));
      setBackend(fakeBackend({ lock }));
      const off = session.onBeforeLock(() => new Promise(() => {}));
      const done = session.lock();
      await vi.advanceTimersByTimeAsync(1000);
      await done;
      off();
      expect(lock).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hides and locks when the computer is about to sleep, and shows the lock the core made', async () => {
    let sleeping: () => void = () => {};
    let locked: () => void = () => {};
    const stop = vi.fn();
    const lock = vi.fn<() => Promise<AppPhase>>().mockResolvedValue({ phase: 'locked' });
    const hideWindow = vi.fn<() => Promise<void>>().mockResolvedValue();
    setBackend(
      fakeBackend({
        lock,
        hideWindow,
        onSystemSleep: (s, l) => {
          sleeping = s;
          locked = l;
          return Promise.resolve(stop);
        },
      }),
    );
    const unlocked = {
      phase: 'unlocked',
      user: 'ona',
      centre: { code: 'K', name: 'C', country: 'LT', language: 'lt', mode: 'centre' },
    } as const;
    session.set(unlocked);
    const unfollow = await session.followSystemSleep();
    sleeping();
    expect(session.hidden).toBe(true);
    await vi.waitFor(() => expect(session.phase).toEqual({ phase: 'locked' }));
    expect(hideWindow).toHaveBeenCalled();
    expect(lock).toHaveBeenCalled();
    // The core locked the store itself (the window had not): the unlock screen, no call.
    session.set(unlocked);
    lock.mockClear();
    locked();
    expect(session.phase).toEqual({ phase: 'locked' });
    expect(lock).not.toHaveBeenCalled();
    unfollow();
    expect(stop).toHaveBeenCalled();
  });
});
