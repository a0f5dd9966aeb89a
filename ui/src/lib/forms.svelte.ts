// Every form that takes typing keeps its input as an encrypted draft through `keepDraft`:
// restored where it was when the form opens again (after a tab switch, a lock, a restart),
// written a moment after the typing stops and at once before the app locks, removed when
// the form is saved or its input thrown away. `openForms` knows which forms hold unsaved
// input, so that leaving one (another tab, another screen, Cancel, closing a dialog) asks
// first; the Workspace shows the question.
import { onDestroy, untrack } from 'svelte';
import { backend } from './backend';
import type { CaseId } from './bindings/CaseId';
import type { DraftKey } from './bindings/DraftKey';
import { DraftKeeper, type DraftStore } from './drafts';
import { session } from './session.svelte';

interface OpenForm {
  dirty(): boolean;
  flush(): Promise<void>;
  discard(): Promise<void>;
}

/** A move waiting for the answer to "leave what you typed?". */
export interface PendingLeave {
  go: () => void;
  /** Whether "keep it as a draft" is offered (not when the form stays on screen, closed). */
  keepable: boolean;
  /** The forms being left (all open ones when none are named). */
  only: OpenForm[] | null;
}

class OpenForms {
  private forms = new Set<OpenForm>();
  asking = $state<PendingLeave | null>(null);

  add(form: OpenForm): () => void {
    this.forms.add(form);
    return () => this.forms.delete(form);
  }

  /** Some open form holds input that is not saved. */
  dirty(): boolean {
    return [...this.forms].some((f) => f.dirty());
  }

  /** Runs `go` (which leaves the forms on screen, or only the ones named) at once when
   *  nothing typed would be left behind; otherwise asks first. */
  leave(go: () => void, keepable = true, only: OpenForm[] | null = null): void {
    if (!(only ?? [...this.forms]).some((f) => f.dirty())) go();
    else this.asking = { go, keepable, only };
  }

  /** The answer: stay, keep the input as a draft and leave, or throw it away and leave. */
  async answer(choice: 'stay' | 'keep' | 'discard'): Promise<void> {
    const pending = this.asking;
    this.asking = null;
    if (!pending || choice === 'stay') return;
    const dirty = (pending.only ?? [...this.forms]).filter((f) => f.dirty());
    if (choice === 'keep' && pending.keepable) await Promise.all(dirty.map((f) => f.flush()));
    else await Promise.all(dirty.map((f) => f.discard()));
    pending.go();
  }

  clear(): void {
    this.asking = null;
  }
}

export const openForms = new OpenForms();

const coreStore: DraftStore = {
  save: (key, title, body) => backend().saveFormDraft(key, title, body),
  load: (key) => backend().formDraft(key),
  discard: (key) => backend().discardFormDraft(key),
};

export interface DraftOptions<T> {
  /** The form, e.g. `note` (see `DRAFT_SECTIONS` for where each is found again). */
  kind: string;
  /** The case the form belongs to (read when the draft starts). */
  caseId: () => CaseId | null;
  /** The record the form changes, if any (read when the draft starts). */
  recordId?: () => string | null;
  /** A title for the drafts list (no names). */
  title: () => string;
  /** The form's content; read inside an effect, so every change is seen. */
  read: () => T;
  /** Puts a kept draft's content back into the form. */
  write: (value: T) => void;
  /** Start only when `start()` is called (the form's data is still loading). */
  later?: boolean;
}

export class FormDraft<T> {
  dirty = $state(false);
  /** The form was filled from a kept draft. */
  restored = $state(false);
  /** A draft could not be written (shown, so that nobody relies on it). */
  failed = $state(false);
  private keeper: DraftKeeper | null = null;
  /** This form as the open-forms list knows it. */
  readonly entry: OpenForm = {
    dirty: () => this.isDirty(),
    flush: () => this.flush(),
    discard: () => this.settle(),
  };

  constructor(private options: DraftOptions<T>) {}

  /** Closes this form where it stands (`close` empties or hides it), asking first when it
   *  holds unsaved input; the input is then thrown away. */
  close(close: () => void): void {
    openForms.leave(
      () => {
        close();
        void this.settle();
      },
      false,
      [this.entry],
    );
  }

  /** Leaves this form by unmounting it (a dialog closing): asks first when it holds unsaved
   *  input, which may be kept as a draft. */
  leave(go: () => void): void {
    openForms.leave(go, true, [this.entry]);
  }

  private body(): string {
    return JSON.stringify(this.options.read() ?? null);
  }

  get key(): DraftKey {
    return { kind: this.options.kind, case_id: this.options.caseId(), record_id: this.options.recordId?.() ?? null };
  }

  /** Takes the form as it is now as its clean state and puts back a kept draft, if any. */
  async start(): Promise<void> {
    const keeper = new DraftKeeper(this.key, coreStore, this.options.title, this.body());
    this.keeper = keeper;
    try {
      const body = await keeper.restore();
      if (body !== null && this.keeper === keeper) {
        this.options.write(JSON.parse(body) as T);
        this.restored = true;
      }
    } catch {
      // No draft readable: the form starts as it is.
    }
    this.sync();
  }

  /** Called by the effect with the form's content. */
  seen(body: string): void {
    if (!this.keeper) return;
    this.keeper.change(body);
    this.sync();
  }

  /** The form as it is now needs no draft (opened afresh, closed, saved): the draft goes. */
  async settle(): Promise<void> {
    this.restored = false;
    const k = this.keeper;
    if (!k) return;
    const done = k.settle(this.body());
    this.sync();
    await done;
    this.sync();
  }

  async flush(): Promise<void> {
    await this.keeper?.flush();
    this.sync();
  }

  isDirty(): boolean {
    return this.keeper?.dirty ?? false;
  }

  private sync(): void {
    this.dirty = this.keeper?.dirty ?? false;
    this.failed = this.keeper?.failed ?? false;
  }
}

/** Keeps the calling form's input as a draft (call it while the component is created). */
export function keepDraft<T>(options: DraftOptions<T>): FormDraft<T> {
  const draft = new FormDraft(options);
  $effect(() => {
    const body = JSON.stringify(options.read() ?? null);
    untrack(() => draft.seen(body));
  });
  const offForm = openForms.add(draft.entry);
  const offLock = session.onBeforeLock(() => draft.flush());
  if (!options.later) void draft.start();
  onDestroy(() => {
    // Whatever was typed last goes into the draft (nothing, once saved or thrown away).
    void draft.flush();
    offForm();
    offLock();
  });
  return draft;
}
