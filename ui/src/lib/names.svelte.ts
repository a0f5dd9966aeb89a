// Clients' names in lists (Cases, Today, calendar, home queues). The core puts a name in a
// list row only when the signed-in person chose to see names and their role may; this holds
// that stored choice for the Settings screen, and the top bar's "hide names" toggle, which
// hides the names at once for this session (someone walked in) without changing the choice.
import { backend } from './backend';
import { permissions } from './permissions.svelte';

class Names {
  /** The person's stored choice (only loaded for a role that may see names in lists). */
  chosen = $state(false);
  /** Hidden for this session by the top bar's toggle. */
  hidden = $state(false);

  /** Whether this person may choose names in lists at all. */
  get allowed(): boolean {
    return permissions.has('client_names_in_lists');
  }

  /** Whether names are on for this person (the top bar then offers to hide them). */
  get on(): boolean {
    return this.allowed && this.chosen;
  }

  /** Whether the lists show the names the rows carry right now. */
  get shown(): boolean {
    return this.on && !this.hidden;
  }

  async load(): Promise<void> {
    this.hidden = false;
    this.chosen = this.allowed ? await backend().clientNamesInLists() : false;
  }

  async set(on: boolean): Promise<void> {
    await backend().setClientNamesInLists(on);
    this.chosen = on;
    if (on) this.hidden = false;
  }

  toggleHidden(): void {
    this.hidden = !this.hidden;
  }

  clear(): void {
    this.chosen = false;
    this.hidden = false;
  }
}

export const names = new Names();

/** The name to show beside a row's pseudonym, or null. */
export function shownName(row: { client_name?: string | null }): string | null {
  return names.shown && row.client_name ? row.client_name : null;
}
