// Component tests of the Statistics screen against a test double of the backend (the e2e
// test in tests/e2e/stats.test.js drives the real app and core): the query sent, the labels
// from the core's report, the compare mode, and publishing to the typed path.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Statistics from '../../views/Statistics.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { StatsQuery } from '../../lib/bindings/StatsQuery';
import type { StatsReport } from '../../lib/bindings/StatsReport';

afterEach(() => cleanup());

const cell = (value: number) => ({ value, suppressed: null });

function report(q: StatsQuery): StatsReport {
  return {
    from: q.from,
    to: q.to ?? q.from,
    centres: [
      { code: 'KLP', name: 'Klaipėda', country: 'LT' },
      { code: 'VLN', name: 'Vilnius', country: 'LT' },
    ],
    by_centre: true,
    by_month: false,
    consented_only: false,
    language: 'en',
    code_lists_version: '1',
    made_by: 'KOORD',
    generated_at: '2026-11-25T00:00:00Z',
    disclosure: null,
    tables: [
      {
        id: 'T2a',
        number: 2,
        title: '',
        note: '',
        unit: 'count',
        columns: [
          {
            code: 'physical',
            label: 'Label from the core',
            group: null,
            group_code: null,
            known: true,
            subtotal: false,
          },
        ],
        rows: [
          { centre: 'KLP', month: null },
          { centre: 'VLN', month: null },
        ],
        cells: [[cell(6)], [cell(9)]],
        row_totals: [cell(6), cell(9)],
        column_totals: [cell(15)],
        total: cell(15),
      },
    ],
  };
}

describe('Statistics', () => {
  it('shows a table with the core labels, compares two centres and publishes', async () => {
    const statsTables = vi.fn<Backend['statsTables']>((q) => Promise.resolve(report(q)));
    const publishStats = vi.fn<Backend['publishStats']>().mockResolvedValue({ path: '/tmp/r.xlsx', size: 5120 });
    const preparePublication = vi.fn<Backend['preparePublication']>().mockResolvedValue(undefined);
    setBackend(fakeBackend({ statsTables, publishStats, preparePublication }));
    render(Statistics);
    const grid = await screen.findByRole('table');
    // The publication's audit is asked for ahead, for the period on screen.
    await vi.waitFor(() => expect(preparePublication).toHaveBeenCalled());
    expect(preparePublication.mock.calls[0]![0]).toMatchObject({ from: statsTables.mock.calls[0]![0].from });
    expect(grid.querySelector('caption')?.textContent).toMatch(/^T2a Incidents by form of violence/);
    expect(screen.getByRole('columnheader', { name: 'Label from the core' })).toBeTruthy();
    expect(screen.getByRole('rowheader', { name: 'KLP — Klaipėda' })).toBeTruthy();
    expect(statsTables.mock.calls[0]![0]).toMatchObject({
      by_centre: true,
      by_month: false,
      centres: [],
      country: null,
    });

    await fireEvent.click(screen.getByRole('button', { name: 'Compare centres' }));
    await fireEvent.click(await screen.findByLabelText('VLN — Vilnius', { selector: '#stats-compare-VLN' }));
    expect(screen.queryByRole('table')).toBeNull();
    await fireEvent.click(screen.getByLabelText('KLP — Klaipėda', { selector: '#stats-compare-KLP' }));
    const compared = await screen.findByRole('table');
    expect([...compared.querySelectorAll('tfoot td')].map((td) => td.textContent)).toEqual(['6', '9']);

    await fireEvent.input(screen.getByLabelText('Save as (full path)'), { target: { value: '/tmp/r.xlsx' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Publish' }));
    expect((await screen.findByRole('status')).textContent).toBe('Published: /tmp/r.xlsx (5,120 bytes).');
    expect(publishStats.mock.calls[0]!.slice(1)).toEqual(['xlsx', '/tmp/r.xlsx', false]);
  });

  it('refuses a month not written as YYYY-MM without asking the core', async () => {
    const statsTables = vi.fn<Backend['statsTables']>((q) => Promise.resolve(report(q)));
    setBackend(fakeBackend({ statsTables }));
    render(Statistics);
    await screen.findByRole('table');
    await fireEvent.input(screen.getByLabelText('From (month)'), { target: { value: '2026-13' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Show tables' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/YYYY-MM/);
    expect(statsTables).toHaveBeenCalledTimes(1);
  });
});
