// Keeping a form's typed input as a draft in the encrypted store: the logic without Svelte,
// so that it is tested on its own (lib/forms.svelte.ts wires it to a form). The form tells
// the keeper its content (as JSON) whenever it changes; the keeper writes it to the store a
// moment after the typing stops, removes it once the form is back to what needs no draft
// (opened afresh, saved, or its input thrown away), and writes at once when asked (before
// the app locks, when the person leaves the form). Writes go one after another, so the
// store always ends with the last word.
import type { DraftKey } from './bindings/DraftKey';

/** How long after the last change a draft is written. */
export const DRAFT_SAVE_DELAY_MS = 500;

/** Where drafts are kept: the core, through the backend (a double in unit tests). */
export interface DraftStore {
  save(key: DraftKey, title: string, body: string): Promise<unknown>;
  load(key: DraftKey): Promise<{ body: string } | null>;
  discard(key: DraftKey): Promise<unknown>;
}

export class DraftKeeper {
  /** The content that needs no draft: the form as opened, or as last saved. */
  private clean: string;
  private current: string;
  /** What the store holds for this form (null: nothing). */
  private stored: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** The last write failed (e.g. the store was locked meanwhile); the next change tries again. */
  failed = false;

  constructor(
    readonly key: DraftKey,
    private store: DraftStore,
    private title: () => string,
    initial: string,
    private delayMs = DRAFT_SAVE_DELAY_MS,
  ) {
    this.clean = initial;
    this.current = initial;
  }

  /** The form holds input that is not saved. */
  get dirty(): boolean {
    return this.current !== this.clean;
  }

  /** Reads the draft kept for this form; returns its body, which is then the form's content
   *  (the caller puts it back into the form), or null when there is none. */
  async restore(): Promise<string | null> {
    const kept = await this.store.load(this.key);
    if (!kept) return null;
    this.stored = kept.body;
    this.current = kept.body;
    return kept.body;
  }

  /** The form's content changed: written after a short pause. */
  change(body: string): void {
    if (body === this.current) return;
    this.current = body;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** The form as it is now (`body`) needs no draft — opened afresh, saved, or its input
   *  thrown away: the kept draft is removed. */
  settle(body: string): Promise<void> {
    this.clean = body;
    this.current = body;
    return this.flush();
  }

  /** Writes what is pending now (or removes the draft when nothing is). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = this.queue.then(() => this.write());
    return this.queue;
  }

  private async write(): Promise<void> {
    const want = this.dirty ? this.current : null;
    if (want === this.stored) return;
    try {
      if (want === null) await this.store.discard(this.key);
      else await this.store.save(this.key, this.title(), want);
      this.stored = want;
      this.failed = false;
    } catch {
      this.failed = true;
    }
  }
}

/**
 * Saves a draft whose id comes from its first save (the intake, kept as a whole): one save
 * after another, each with the id the one before got. Two saves close together — the one
 * just before the app locks and the one as the screen closes — then write one draft, not
 * two; `saved` hears each id as soon as the store gave it, however late that is.
 */
export class DraftWriter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    public id: string | null,
    private write: (id: string | null) => Promise<string>,
    private saved: (id: string) => void,
  ) {}

  /** Writes the form as it is when the save's turn comes; resolves with the draft's id. */
  save(): Promise<string> {
    const run = this.queue.then(async () => {
      const id = await this.write(this.id);
      this.id = id;
      this.saved(id);
      return id;
    });
    this.queue = run.catch(() => {});
    return run;
  }
}
