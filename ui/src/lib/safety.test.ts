// The safety timers: auto-lock after inactivity or sleep, and the double Escape.
import { describe, expect, it, vi } from 'vitest';
import { DoubleEscape, IDLE_TICK_MS, IdleTimer, LOCK_WARNING_MS } from './safety';

describe('IdleTimer', () => {
  it('fires once after the set minutes without activity, not before', () => {
    let now = 0;
    const onIdle = vi.fn();
    const idle = new IdleTimer(5, onIdle, () => now);
    for (now = IDLE_TICK_MS; now < 5 * 60_000; now += IDLE_TICK_MS) idle.tick();
    expect(onIdle).not.toHaveBeenCalled();
    now = 5 * 60_000;
    idle.tick();
    expect(onIdle).toHaveBeenCalledTimes(1);
    now += IDLE_TICK_MS;
    idle.tick();
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('starts again from every touch', () => {
    let now = 0;
    const onIdle = vi.fn();
    const idle = new IdleTimer(1, onIdle, () => now);
    for (now = IDLE_TICK_MS; now <= 3 * 60_000; now += IDLE_TICK_MS) {
      idle.touch();
      idle.tick();
    }
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('locks when the clock jumps (the computer slept)', () => {
    let now = 0;
    const onIdle = vi.fn();
    const idle = new IdleTimer(30, onIdle, () => now);
    now = IDLE_TICK_MS;
    idle.tick();
    now += 60_000 * 2;
    idle.touch();
    idle.tick();
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('warns for the last 30 seconds, counting down, before an inactivity lock', () => {
    let now = 0;
    const onIdle = vi.fn();
    const warnings: (number | null)[] = [];
    const idle = new IdleTimer(
      1,
      onIdle,
      () => now,
      (s) => warnings.push(s),
    );
    for (now = IDLE_TICK_MS; now < 60_000 - LOCK_WARNING_MS; now += IDLE_TICK_MS) idle.tick();
    expect(warnings).toEqual([]);
    now = 60_000 - LOCK_WARNING_MS;
    idle.tick();
    expect(warnings).toEqual([30]);
    now += 10_000;
    idle.tick();
    expect(warnings).toEqual([30, 20]);
    expect(onIdle).not.toHaveBeenCalled();
    now = 60_000;
    idle.tick();
    expect(onIdle).toHaveBeenCalledTimes(1);
    // The lock ends the warning.
    expect(warnings).toEqual([30, 20, null]);
  });

  it('a touch during the warning cancels it and the lock', () => {
    let now = 0;
    const onIdle = vi.fn();
    const warnings: (number | null)[] = [];
    const idle = new IdleTimer(
      1,
      onIdle,
      () => now,
      (s) => warnings.push(s),
    );
    for (now = IDLE_TICK_MS; now <= 45_000; now += IDLE_TICK_MS) idle.tick();
    expect(warnings.at(-1)).toBe(15);
    idle.touch();
    expect(warnings.at(-1)).toBeNull();
    const count = warnings.length;
    for (; now < 45_000 + 60_000 - LOCK_WARNING_MS; now += IDLE_TICK_MS) idle.tick();
    expect(warnings.length).toBe(count);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('locks at once, with no warning, when the computer slept', () => {
    let now = 0;
    const onIdle = vi.fn();
    const onWarn = vi.fn();
    const idle = new IdleTimer(30, onIdle, () => now, onWarn);
    now = IDLE_TICK_MS;
    idle.tick();
    now += 60_000;
    idle.touch();
    idle.tick();
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(onWarn).not.toHaveBeenCalled();
  });

  it('runs on real timers when started', () => {
    vi.useFakeTimers();
    try {
      const onIdle = vi.fn();
      const idle = new IdleTimer(1, onIdle);
      idle.start();
      vi.advanceTimersByTime(55_000);
      expect(onIdle).not.toHaveBeenCalled();
      vi.advanceTimersByTime(10_000);
      expect(onIdle).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('DoubleEscape', () => {
  it('needs two presses close together', () => {
    let now = 0;
    const esc = new DoubleEscape(() => now);
    expect(esc.press()).toBe(false);
    now = 2000;
    expect(esc.press()).toBe(false);
    now = 2300;
    expect(esc.press()).toBe(true);
    now = 2400;
    expect(esc.press()).toBe(false);
  });
});
