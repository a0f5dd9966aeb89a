// Session state shared by the views: which phase the app is in. The core decides the
// phase; this file only mirrors its last answer. Locking (and quick hide) first blanks the
// window, gives open forms a short moment to save their drafts into the encrypted store,
// then drops the store in the core.
import { backend, type AppPhase } from './backend';

/** How long open forms may take to save their drafts before the store is locked anyway. */
export const SAVE_BEFORE_LOCK_MS = 400;

type BeforeLock = () => Promise<unknown>;

class Session {
  phase = $state<AppPhase | null>(null);
  /** The window is blanked (quick hide or auto-lock in progress). */
  hidden = $state(false);
  private beforeLock = new Set<BeforeLock>();

  async refresh(): Promise<void> {
    this.phase = await backend().appPhase();
  }

  set(phase: AppPhase): void {
    this.phase = phase;
  }

  /** Registers work to do just before the store locks (e.g. save a draft); returns the
   *  function that removes it. */
  onBeforeLock(hook: BeforeLock): () => void {
    this.beforeLock.add(hook);
    return () => this.beforeLock.delete(hook);
  }

  async lock(): Promise<void> {
    const hooks = [...this.beforeLock];
    if (hooks.length > 0) {
      const timeout = new Promise((resolve) => setTimeout(resolve, SAVE_BEFORE_LOCK_MS));
      await Promise.race([Promise.allSettled(hooks.map((h) => h())), timeout]);
    }
    try {
      this.phase = await backend().lock();
    } catch {
      // Whatever the core says, show the neutral unlock screen: never stay unlocked on screen.
      this.phase = { phase: 'locked' };
    }
  }

  /** Follows the computer going to sleep: hide and lock at once, as quick hide does; when
   *  the core had to lock the store itself, show the unlock screen. Returns the function
   *  that stops following. */
  followSystemSleep(): Promise<() => void> {
    return backend().onSystemSleep(
      () => void this.quickHide(),
      () => {
        this.phase = { phase: 'locked' };
      },
    );
  }

  /** Quick hide: blank the window at once, then lock. */
  async quickHide(): Promise<void> {
    if (this.hidden) return;
    this.hidden = true;
    // Off the screen too; a window manager that refuses changes nothing else.
    backend()
      .hideWindow()
      .catch(() => {});
    try {
      await this.lock();
    } finally {
      this.hidden = false;
    }
  }
}

export const session = new Session();
