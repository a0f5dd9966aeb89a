// The statistics screen's helpers: the query, cells as text, row names, the side-by-side
// comparison of centres and the suggested file name.
import { describe, expect, it } from 'vitest';
import { cellText, columnParts, compare, isMonth, monthsBefore, reportFileName, rowLabel, statsQuery } from './stats';
import type { StatsTable } from './bindings/StatsTable';

const cell = (value: number | null) => ({ value, suppressed: value === null ? ('primary' as const) : null });
const column = (code: string, label: string, subtotal = false) => ({
  code,
  label,
  group: null,
  group_code: null,
  known: true,
  subtotal,
});

const table: StatsTable = {
  id: 'T2a',
  number: 2,
  title: 'Incidents by form of violence',
  note: '',
  unit: 'count',
  columns: [column('physical', 'Physical'), column('sexual', 'Sexual')],
  rows: [
    { centre: 'KLP', month: null },
    { centre: 'VLN', month: null },
  ],
  cells: [
    [cell(3), cell(1)],
    [cell(7), cell(0)],
  ],
  row_totals: [cell(4), cell(7)],
  column_totals: [cell(10), cell(1)],
  total: cell(11),
};

describe('stats helpers', () => {
  it('builds the query for rows by centre or by month', () => {
    const q = statsQuery(' 2026-01 ', '2026-03', ['KLP'], 'LT', 'centre', 'lt');
    expect(q).toMatchObject({
      from: '2026-01',
      to: '2026-03',
      centres: ['KLP'],
      country: 'LT',
      by_centre: true,
      by_month: false,
      language: 'lt',
    });
    const m = statsQuery('2026-01', '', [], '', 'month', 'en');
    expect(m).toMatchObject({ to: null, country: null, by_centre: false, by_month: true, consented_only: false });
  });

  it('checks and steps months across a year', () => {
    expect(isMonth('2026-12')).toBe(true);
    expect(isMonth('2026-13')).toBe(false);
    expect(isMonth('26-01')).toBe(false);
    expect(monthsBefore('2026-02', 3)).toBe('2025-11');
    expect(monthsBefore('2026-12', 11)).toBe('2026-01');
  });

  it('shows counts, hours for minutes, and the suppression mark', () => {
    const f = (n: number) => String(n);
    expect(cellText(cell(12), 'count', f)).toBe('12');
    expect(cellText(cell(90), 'minutes', f)).toBe('1.5');
    expect(cellText(cell(null), 'count', f)).toBe('<5');
    expect(cellText({ value: null, suppressed: 'secondary' }, 'count', f)).toBe('x');
    expect(cellText(cell(null), 'minutes', f)).toBe('x');
    expect(cellText(null, 'count', f)).toBe('');
  });

  it('names rows by centre, month or all', () => {
    const centres = [{ code: 'KLP', name: 'Klaipėda', country: 'LT' }];
    expect(rowLabel({ centre: 'KLP', month: null }, centres, 'All')).toBe('KLP — Klaipėda');
    expect(rowLabel({ centre: 'ZZZ', month: '2026-01' }, centres, 'All')).toBe('ZZZ · 2026-01');
    expect(rowLabel({ centre: null, month: null }, centres, 'All')).toBe('All');
  });

  it('puts chosen centres side by side in the order chosen, a missing one at zero', () => {
    const { lines, totals } = compare(table, ['VLN', 'KLP', 'RIX']);
    expect(lines.map((l) => l.label)).toEqual(['Physical', 'Sexual']);
    expect(lines[0]!.cells.map((c) => c?.value)).toEqual([7, 3, 0]);
    expect(lines[1]!.cells.map((c) => c?.value)).toEqual([0, 1, 0]);
    expect(totals.map((c) => c?.value)).toEqual([7, 4, 0]);
    const noTotals = compare({ ...table, row_totals: null }, ['KLP']);
    expect(noTotals.totals).toEqual([null]);
  });

  it('suggests a file name with the period', () => {
    expect(reportFileName('KOORD', '2026-01', '2026-03', 'xlsx')).toBe('KOORD-statistics-2026-01_2026-03.xlsx');
    expect(reportFileName('KOORD', '2026-01', '2026-01', 'csv')).toBe('KOORD-statistics-2026-01.csv');
  });
});

describe('columnParts', () => {
  it('splits a wide table into parts that each fit a printed page, every column once', () => {
    const parts = columnParts(33);
    expect(parts.map((p) => p.length)).toEqual([12, 12, 9]);
    expect(parts.flat()).toEqual(Array.from({ length: 33 }, (_, i) => i));
    expect(columnParts(5)).toEqual([[0, 1, 2, 3, 4]]);
    expect(columnParts(0)).toEqual([[]]);
  });
});
