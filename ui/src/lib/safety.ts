// The safety timers of the workspace: auto-lock after inactivity (or after the computer
// slept), with a warning shown for the last 30 seconds of inactivity, and quick hide on
// Escape pressed twice. Quick hide and sleep lock at once, with no warning.

/** Two Escape presses within this many milliseconds hide and lock. */
export const DOUBLE_ESCAPE_MS = 600;
/** How often the idle timer checks the clock. */
export const IDLE_TICK_MS = 1000;
/** A jump of the clock between two checks at least this long means the computer slept. */
export const SLEEP_JUMP_MS = 30_000;
/** How long before an inactivity lock the warning shows. */
export const LOCK_WARNING_MS = 30_000;

/** Calls `onIdle` once nothing was touched for `minutes`, or when the clock jumped (the
 *  computer slept). For the last `LOCK_WARNING_MS` of inactivity it calls `onWarn` with the
 *  seconds left at every check, and `onWarn(null)` when a touch (or the lock) ends the
 *  warning. Call `touch()` on every key press, click or pointer move. */
export class IdleTimer {
  private last: number;
  private lastTick: number;
  private handle: ReturnType<typeof setInterval> | undefined;
  private fired = false;
  private warning = false;

  constructor(
    private minutes: number,
    private onIdle: () => void,
    private now: () => number = () => Date.now(),
    private onWarn: (secondsLeft: number | null) => void = () => {},
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
    this.calm();
  }

  setMinutes(minutes: number): void {
    this.minutes = minutes;
  }

  private calm(): void {
    if (this.warning) {
      this.warning = false;
      this.onWarn(null);
    }
  }

  tick(): void {
    const now = this.now();
    const slept = now - this.lastTick >= SLEEP_JUMP_MS;
    this.lastTick = now;
    if (this.fired) return;
    const left = this.minutes * 60_000 - (now - this.last);
    if (slept || left <= 0) {
      this.fired = true;
      this.stop();
      this.calm();
      this.onIdle();
    } else if (left <= LOCK_WARNING_MS) {
      this.warning = true;
      this.onWarn(Math.ceil(left / 1000));
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
