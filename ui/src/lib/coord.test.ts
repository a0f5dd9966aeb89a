import { describe, expect, it } from 'vitest';
import { boardOrder, chartDescription, chartsOf, citiesOf, dayOf, trendQuery } from './coord';
import type { TrendReport } from './bindings/TrendReport';
import type { BoardRow } from './bindings/BoardRow';

const trend: TrendReport = {
  from: '2026-01',
  to: '2026-03',
  months: ['2026-01', '2026-02', '2026-03'],
  by: 'centre',
  measures: [
    { measure: 'cases_opened', table: 'T1', label: 'Cases opened', source: 'T1' },
    { measure: 'women', table: 'T1', label: 'Women', source: 'T1' },
  ],
  series: [
    { key: 'KLP-01', centres: ['KLP-01'], measure: 'cases_opened', values: [1, 2, 3], total: 6 },
    { key: 'LIE-01', centres: ['LIE-01'], measure: 'cases_opened', values: [0, 5, 1], total: 6 },
    { key: 'KLP-01', centres: ['KLP-01'], measure: 'women', values: [1, 1, 0], total: 2 },
  ],
  generated_at: '2026-04-01T00:00:00Z',
};

describe('coordination helpers', () => {
  it('sends centres or cities as chosen', () => {
    expect(trendQuery('2026-01', '', ['women'], ['Klaipėda'], 'city')).toEqual({
      from: '2026-01',
      to: null,
      measures: ['women'],
      centres: [],
      cities: ['Klaipėda'],
      by: 'city',
    });
    expect(trendQuery(' 2026-01 ', '2026-02', ['women'], ['KLP-01'], 'centre').centres).toEqual(['KLP-01']);
  });

  it('splits a trend into one chart per measure', () => {
    const charts = chartsOf(trend);
    expect(charts.map((c) => c.measure)).toEqual(['cases_opened', 'women']);
    expect(charts[0]?.lines.map((l) => l.key)).toEqual(['KLP-01', 'LIE-01']);
    expect(charts[1]?.lines[0]?.values).toEqual([1, 1, 0]);
  });

  it('marks the month still under way as incomplete, and only that one', () => {
    const [c] = chartsOf(trend, '2026-03', (m) => `${m} (so far)`);
    expect(c?.labels).toEqual(['2026-01', '2026-02', '2026-03 (so far)']);
    expect(chartsOf(trend, '2026-04', (m) => `${m} (so far)`)[0]?.labels).toEqual(trend.months);
  });

  it('describes a chart in words', () => {
    const [c] = chartsOf(trend);
    expect(chartDescription(c!, 'Cases opened', 'total', String)).toBe(
      'Cases opened, 2026-01 – 2026-03: KLP-01 total 6; LIE-01 total 6.',
    );
  });

  it('lists cities once, sorted, without blanks', () => {
    expect(citiesOf([{ city: 'Liepāja' }, { city: ' ' }, { city: 'Klaipėda' }, { city: 'Liepāja' }])).toEqual([
      'Klaipėda',
      'Liepāja',
    ]);
  });

  it('puts overdue centres first', () => {
    const row = (code: string, overdue: boolean) => ({ centre: { code }, overdue }) as unknown as BoardRow;
    expect(boardOrder([row('A', false), row('C', true), row('B', true)]).map((r) => r.centre.code)).toEqual([
      'B',
      'C',
      'A',
    ]);
    expect(dayOf('2026-11-20T10:00:00Z')).toBe('2026-11-20');
    expect(dayOf(null)).toBe('');
  });
});
