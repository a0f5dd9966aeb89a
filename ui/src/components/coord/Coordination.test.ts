// Component tests of the coordination screen against a test double of the backend (the e2e
// test in tests/e2e/coord.test.js drives the real app and core): overdue centres and gaps
// are said in words, the inbox runs on demand, and a centre's cadence is sent as typed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Board from './Board.svelte';
import Centres from './Centres.svelte';
import { setBackend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { SyncBoard } from '../../lib/bindings/SyncBoard';
import type { CentreEntry } from '../../lib/bindings/CentreEntry';
import type { CentreUpdate } from '../../lib/bindings/CentreUpdate';

afterEach(() => cleanup());

const entry = (code: string, city = ''): CentreEntry => ({
  code,
  name: `${code} centre`,
  country: 'LT',
  region: '',
  city,
  cadence_days: 30,
  enrolled_at: '2026-01-01T00:00:00Z',
});

const board: SyncBoard = {
  today: '2026-11-20',
  grace_days: 5,
  rows: [
    {
      centre: entry('KLP-01', 'Klaipėda'),
      bundles_received: 2,
      last_sequence: 3,
      last_received_at: '2026-11-01T10:00:00Z',
      last_sealed_at: '2026-11-01T09:00:00Z',
      periods: ['2026-09 – 2026-10'],
      months_missing: [],
      missing_sequences: [2],
      days_since: 19,
      overdue_from: '2026-12-07',
      overdue: false,
    },
    {
      centre: entry('LIE-01'),
      bundles_received: 1,
      last_sequence: 1,
      last_received_at: '2026-09-01T10:00:00Z',
      last_sealed_at: '2026-09-01T09:00:00Z',
      periods: ['2026-08'],
      months_missing: ['2026-09', '2026-10'],
      missing_sequences: [],
      days_since: 80,
      overdue_from: '2026-10-07',
      overdue: true,
    },
  ],
};

describe('coordination screen', () => {
  it('flags overdue centres and gaps in words, overdue first', async () => {
    const runInbox = vi.fn(async () => ({
      folder: '/srv/inbox',
      ran_at: '2026-11-20T08:00:00Z',
      items: [
        {
          file_name: 'x.txt',
          outcome: 'rejected' as const,
          moved_to: '/srv/inbox/rejected/x.txt',
          reason_file: null,
          reason: 'not a bundle',
          summary: null,
        },
      ],
    }));
    setBackend(fakeBackend({ syncBoard: async () => board, inboxFolder: async () => '/srv/inbox', runInbox }));
    render(Board);
    const rows = await screen.findAllByRole('row');
    const text = rows.map((r) => r.textContent ?? '');
    const lie = text.findIndex((t) => t.includes('LIE-01'));
    const klp = text.findIndex((t) => t.includes('KLP-01'));
    expect(lie).toBeGreaterThan(0);
    expect(lie).toBeLessThan(klp);
    expect(text[lie]).toMatch(/Overdue/);
    expect(text[lie]).toMatch(/no bundle for 80 days/);
    expect(text[lie]).toMatch(/2026-09, 2026-10/);
    expect(text[klp]).toMatch(/Bundles never received: #2/);
    expect(text[klp]).not.toMatch(/Overdue/);
    await fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    expect(runInbox).toHaveBeenCalledOnce();
    expect(await screen.findByText('not a bundle')).toBeTruthy();
  });

  it('sends the edited cadence and shows the answer', async () => {
    const updateCentre = vi.fn(async (u: CentreUpdate) => ({
      ...entry(u.code),
      region: u.region ?? '',
      city: u.city ?? '',
      cadence_days: u.cadence_days ?? 30,
    }));
    setBackend(fakeBackend({ centres: async () => [entry('KLP-01')], updateCentre }));
    render(Centres);
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit KLP-01' }));
    await fireEvent.input(screen.getByLabelText('City'), { target: { value: 'Klaipėda' } });
    await fireEvent.input(screen.getByLabelText('A bundle every … days'), { target: { value: '60' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(updateCentre).toHaveBeenCalledWith({ code: 'KLP-01', region: '', city: 'Klaipėda', cadence_days: 60 });
    expect(await screen.findByText('every 60 days')).toBeTruthy();
  });
});
