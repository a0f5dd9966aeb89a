// An intake being filled when the app hides and locks (quick hide, the computer going to
// sleep) comes back after the unlock with what was typed: the window blanks at once, so
// the workspace closes before the draft's first save has answered; the place kept for the
// person must still become that draft, and the intake is kept once, not twice.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import App from '../App.svelte';
import { setBackend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { session } from '../lib/session.svelte';
import { nav } from '../lib/nav.svelte';
import { catalogue } from '../test/fixtures';

const centre = {
  code: 'KLP-01',
  name: 'Centre',
  country: 'LT' as const,
  language: 'en' as const,
  mode: 'centre' as const,
};
const unlocked = { phase: 'unlocked' as const, centre, user: 'ona' };

/** A backend whose draft saves answer a little later, as the core does over IPC. */
function backend() {
  const drafts = new Map<string, string>();
  const saves: (string | null)[] = [];
  let next = 0;
  const b = fakeBackend({
    appPhase: () => Promise.resolve(unlocked),
    onSystemSleep: () => Promise.resolve(() => {}),
    hideWindow: () => Promise.resolve(),
    lock: () => Promise.resolve({ phase: 'locked' }),
    permissions: () => Promise.resolve([]),
    codeLists: () => Promise.resolve(catalogue),
    workQueues: (today) =>
      Promise.resolve({
        today,
        my_open_cases: [],
        follow_ups_due: [],
        police_to_contact: [],
        safety_plan_reviews: [],
        conference_follow_ups: [],
        recently_opened: [],
      }),
    drafts: () => Promise.resolve([]),
    staff: () => Promise.resolve([]),
    saveDraft: (id, _kind, _title, body) => {
      saves.push(id);
      return new Promise((resolve) =>
        setTimeout(() => {
          const saved = id ?? `d${++next}`;
          drafts.set(saved, body);
          resolve(saved);
        }, 30),
      );
    },
    draft: (id) =>
      Promise.resolve({
        id,
        kind: 'intake',
        title: 'Intake',
        body: drafts.get(id) ?? '',
        updated_at: '',
        case_id: null,
        record_id: null,
      }),
  });
  return { b, drafts, saves };
}

describe('an intake across a quick hide', () => {
  afterEach(() => {
    cleanup();
    nav.reset();
  });

  it('comes back after the unlock with what was chosen, kept as one draft', async () => {
    const { b, drafts, saves } = backend();
    setBackend(b);
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'New intake' }));
    const source = (await screen.findByLabelText('Referral source')) as HTMLSelectElement;
    source.value = 'self';
    await fireEvent.change(source);

    await session.quickHide();
    expect(await screen.findByRole('heading', { name: 'Unlock' })).toBeTruthy();
    // Let the saves still under way answer (the core finishes them before it locks).
    await new Promise((r) => setTimeout(r, 100));
    expect(drafts.size).toBe(1);
    expect(saves[0]).toBeNull();

    session.set(unlocked);
    const again = (await screen.findByLabelText('Referral source')) as HTMLSelectElement;
    await screen.findByDisplayValue('Self-referral');
    expect(again.value).toBe('self');
  });
});
