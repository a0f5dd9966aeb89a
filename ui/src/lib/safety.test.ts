// The safety timers: auto-lock after inactivity or sleep, and the double Escape.
import { describe, expect, it, vi } from 'vitest';
import { DoubleEscape, IDLE_TICK_MS, IdleTimer } from './safety';

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
