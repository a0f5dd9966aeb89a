// My work: overdue police notifications say so in words, not only in colour.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/svelte';
import MyWork from './MyWork.svelte';
import { setBackend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { codes } from '../lib/codes.svelte';
import { setLanguage } from '../lib/i18n';
import { catalogue, summary } from '../test/fixtures';

describe('MyWork', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(catalogue) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => {
    cleanup();
    setLanguage('en');
  });

  it('lists police notifications with their deadline, overdue ones marked in words', async () => {
    setBackend(
      fakeBackend({
        workQueues: (today) =>
          Promise.resolve({
            today,
            my_open_cases: [summary(1), summary(2)],
            follow_ups_due: [],
            police_to_contact: [
              { case: summary(1), notified_on: '2026-11-16', deadline: '2026-11-17', overdue: true },
              { case: summary(2), notified_on: '2026-11-20', deadline: '2026-11-23', overdue: false },
            ],
            safety_plan_reviews: [{ case: summary(2), review_on: '2026-11-18', overdue: true }],
            conference_follow_ups: [],
            recently_opened: [],
          }),
        drafts: () => Promise.resolve([]),
      }),
    );
    render(MyWork);
    await screen.findByText('Notified');
    const police = document.getElementById('police-queue') as HTMLElement;
    const rows = within(police).getAllByRole('row');
    expect(rows[1]!.textContent).toMatch(/KLP-01-2026-0001.*Overdue: was due 17 Nov 2026/);
    expect(rows[2]!.textContent).toMatch(/By 23 Nov 2026/);
    expect(rows[2]!.textContent).not.toMatch(/Overdue/);
    expect(screen.getByText(/My open cases/).textContent).toMatch(/2 cases/);
    expect(screen.getByText(/Police notifications to contact/).textContent).toMatch(/2 cases/);
    const reviews = document.getElementById('plan-reviews-queue') as HTMLElement;
    expect(within(reviews).getAllByRole('row')[1]!.textContent).toMatch(
      /KLP-01-2026-0002.*Overdue: review was due 18 Nov 2026/,
    );
  });

  it('lists drafts to finish', async () => {
    setBackend(
      fakeBackend({
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
        drafts: () =>
          Promise.resolve([
            {
              id: 'd1',
              kind: 'intake',
              title: 'Intake — Police notification',
              body: '{}',
              updated_at: '2026-11-20T10:00:00Z',
              case_id: null,
              record_id: null,
            },
          ]),
      }),
    );
    render(MyWork);
    expect(await screen.findByText('Intake — Police notification')).toBeTruthy();
    expect(screen.getByText(/You have no open cases/)).toBeTruthy();
  });

  it("tells a failed call in the person's language, by the error's code", async () => {
    setBackend(
      fakeBackend({
        workQueues: () => Promise.reject({ code: 'locked', message: 'the store is locked; unlock it first' }),
        drafts: () => Promise.resolve([]),
      }),
    );
    setLanguage('lt');
    render(MyWork);
    expect((await screen.findByRole('alert')).textContent).toBe('Saugykla užrakinta; pirmiausia ją atrakinkite.');
  });
});
