// Session state shared by the views: which phase the app is in. The core decides the
// phase; this file only mirrors its last answer.
import { backend, type AppPhase } from './backend';

class Session {
  phase = $state<AppPhase | null>(null);

  async refresh(): Promise<void> {
    this.phase = await backend().appPhase();
  }

  set(phase: AppPhase): void {
    this.phase = phase;
  }

  async lock(): Promise<void> {
    this.phase = await backend().lock();
  }
}

export const session = new Session();
