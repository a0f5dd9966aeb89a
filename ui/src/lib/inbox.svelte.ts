// The last inbox run of this session: the workspace runs the inbox once when a coordinator
// unlocks, and the sync board shows what it did (and offers to run it again).
import { backend } from './backend';
import type { InboxReport } from './bindings/InboxReport';

class Inbox {
  last = $state<InboxReport | null>(null);
  error = $state<string | null>(null);
  running = $state(false);

  async run(): Promise<InboxReport | null> {
    this.running = true;
    try {
      const report = await backend().runInbox();
      if (report) this.last = report;
      this.error = null;
      return report;
    } finally {
      this.running = false;
    }
  }

  clear(): void {
    this.last = null;
    this.error = null;
  }
}

export const inbox = new Inbox();
