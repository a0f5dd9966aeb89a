// My work as today's work: true counts (not the length of a page), lists sorted and paged
// by asking the core, overdue and ending-soon items said in words, not only in colour.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import MyWork from './MyWork.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { codes } from '../lib/codes.svelte';
import { setLanguage } from '../lib/i18n';
import { catalogue, summary } from '../test/fixtures';
import { today } from '../lib/dates';
import { addDays } from '../lib/risk';
import type { TodayCounts } from '../lib/bindings/TodayCounts';
import type { TodayItem } from '../lib/bindings/TodayItem';
import type { TodayPage } from '../lib/bindings/TodayPage';
import type { TodayQueue } from '../lib/bindings/TodayQueue';

const counts = (today: string, extra: Partial<TodayCounts> = {}): TodayCounts => ({
  today,
  police: 0,
  appointments: 0,
  appointments_today: 0,
  follow_ups: 0,
  plan_reviews: 0,
  order_expiries: 0,
  conferences: 0,
  my_open_cases: 0,
  ...extra,
});

const item = (n: number, due_on: string, extra: Partial<TodayItem> = {}): TodayItem => ({
  case: summary(n),
  due_on,
  at_time: null,
  overdue: false,
  warn: false,
  detail: null,
  record_id: null,
  ...extra,
});

function pages(lists: Partial<Record<TodayQueue, { total: number; items: TodayItem[] }>>): Backend['todayPage'] {
  return (_today, queue, _sort, _desc, offset) =>
    Promise.resolve<TodayPage>({ queue, offset, total: lists[queue]?.total ?? 0, items: lists[queue]?.items ?? [] });
}

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

  it('shows true counts, not the page, and says overdue and ending soon in words', async () => {
    setBackend(
      fakeBackend({
        todayCounts: (today) => Promise.resolve(counts(today, { police: 2, my_open_cases: 230, order_expiries: 1 })),
        todayPage: pages({
          police: {
            total: 2,
            items: [item(1, '2026-11-17', { overdue: true }), item(2, '2026-11-23')],
          },
          my_cases: { total: 230, items: [item(1, '2026-11-20', { detail: 'open' })] },
          order_expiries: { total: 1, items: [item(3, addDays(today(), 3), { warn: true, detail: 'other' })] },
        }),
        drafts: () => Promise.resolve([]),
      }),
    );
    render(MyWork);
    await screen.findByText('Contact by');
    expect(document.getElementById('today-count-mine')!.textContent).toMatch(/230/);
    expect(document.getElementById('mine-count')!.textContent).toBe('230 cases');
    const police = document.getElementById('police-queue') as HTMLElement;
    const rows = within(police).getAllByRole('row');
    expect(rows[1]!.textContent).toMatch(/KLP-01-2026-0001.*Overdue: was due 17 Nov 2026/);
    expect(rows[2]!.textContent).toMatch(/By 23 Nov 2026/);
    expect(rows[2]!.textContent).not.toMatch(/Overdue/);
    await vi.waitFor(() => expect(document.getElementById('orders-queue')).toBeTruthy());
    expect(document.getElementById('orders-queue')!.textContent).toMatch(/⚠ Ends in 3 days/);
  });

  it('asks the core for the next page and for another order', async () => {
    const todayPage = vi.fn<Backend['todayPage']>(pages({ my_cases: { total: 12, items: [item(1, '2026-11-20')] } }));
    setBackend(
      fakeBackend({
        todayCounts: (today) => Promise.resolve(counts(today, { my_open_cases: 12 })),
        todayPage,
        drafts: () => Promise.resolve([]),
      }),
    );
    render(MyWork);
    await screen.findByText('Page 1 of 3');
    await fireEvent.click(document.getElementById('mine-next')!);
    await vi.waitFor(() => expect(todayPage).toHaveBeenCalledWith(expect.any(String), 'my_cases', 'due', true, 5, 5));
    await fireEvent.change(document.getElementById('mine-sort')!, { target: { value: 'pseudonym' } });
    await vi.waitFor(() =>
      expect(todayPage).toHaveBeenCalledWith(expect.any(String), 'my_cases', 'pseudonym', true, 0, 5),
    );
  });

  it('lists drafts to finish', async () => {
    setBackend(
      fakeBackend({
        todayCounts: (today) => Promise.resolve(counts(today)),
        todayPage: pages({}),
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
    expect(await screen.findByText(/You have no open cases/)).toBeTruthy();
  });

  it("tells a failed call in the person's language, by the error's code", async () => {
    setBackend(
      fakeBackend({
        todayCounts: () => Promise.reject({ code: 'locked', message: 'the store is locked; unlock it first' }),
        drafts: () => Promise.resolve([]),
      }),
    );
    setLanguage('lt');
    render(MyWork);
    expect((await screen.findByRole('alert')).textContent).toBe('Saugykla užrakinta; pirmiausia ją atrakinkite.');
  });
});
