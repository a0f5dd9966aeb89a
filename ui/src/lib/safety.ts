// The safety timers of the workspace: auto-lock after inactivity (or after the computer
// slept), and quick hide on Escape pressed twice.

/** Two Escape presses within this many milliseconds hide and lock. */
export const DOUBLE_ESCAPE_MS = 600;
/** How often the idle timer checks the clock (also to notice that the system slept). */
export const IDLE_TICK_MS = 5000;

/** Calls `onIdle` once nothing was touched for `minutes`, or when the clock jumped (the
 *  computer slept). Call `touch()` on every key press, click or pointer move. */
export class IdleTimer {
  private last: number;
  private lastTick: number;
  private handle: ReturnType<typeof setInterval> | undefined;
  private fired = false;

  constructor(
    private minutes: number,
    private onIdle: () => void,
    private now: () => number = () => Date.now(),
  ) {
    this.last = now();
    this.lastTick = this.last;
  }

  start(): void {
    this.stop();
    this.handle = setInterval(() => this.tick(), IDLE_TICK_MS);
  }

  stop(): void {
    if (this.handle !== undefined) clearInterval(this.handle);
    this.handle = undefined;
  }

  touch(): void {
    this.last = this.now();
  }

  setMinutes(minutes: number): void {
    this.minutes = minutes;
  }

  tick(): void {
    const now = this.now();
    const slept = now - this.lastTick > IDLE_TICK_MS * 6;
    this.lastTick = now;
    if (this.fired) return;
    if (slept || now - this.last >= this.minutes * 60_000) {
      this.fired = true;
      this.stop();
      this.onIdle();
    }
  }
}

/** Tells whether an Escape press completes a double press. */
export class DoubleEscape {
  private lastAt = -Infinity;

  constructor(private now: () => number = () => Date.now()) {}

  press(): boolean {
    const now = this.now();
    const double = now - this.lastAt <= DOUBLE_ESCAPE_MS;
    this.lastAt = double ? -Infinity : now;
    return double;
  }
}
