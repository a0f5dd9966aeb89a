// The coordination screen's helpers: queries sent to the core, and how the core's answers
// are arranged for a chart and its data table. No counting here: the core computes the
// board, trends, targets and data quality; this only lays them out.
import type { BoardRow } from './bindings/BoardRow';
import type { Grouping } from './bindings/Grouping';
import type { Measure } from './bindings/Measure';
import type { TrendReport } from './bindings/TrendReport';
import type { TrendQuery } from './bindings/TrendQuery';

/** The query for a trend: chosen measures, centres or cities, grouped by centre or city. */
export function trendQuery(from: string, to: string, measures: Measure[], picks: string[], by: Grouping): TrendQuery {
  return {
    from: from.trim(),
    to: to.trim() === '' ? null : to.trim(),
    measures: [...measures],
    centres: by === 'centre' ? [...picks] : [],
    cities: by === 'city' ? [...picks] : [],
    by,
  };
}

/** The distinct non-empty cities of the registry, sorted. */
export function citiesOf(rows: { city: string }[]): string[] {
  return [...new Set(rows.map((r) => r.city.trim()).filter((c) => c !== ''))].sort((a, b) => a.localeCompare(b));
}

/** One chart: the series of one measure, with a label per line. */
export interface ChartData {
  measure: Measure;
  labels: string[];
  lines: { key: string; values: number[]; total: number }[];
}

/** This month as `YYYY-MM` (local time): the month whose figures are still coming in. */
export function currentMonth(now: Date = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

/**
 * The trend split into one chart per measure (series in the core's order). The month still
 * under way (`current`) is labelled by `incomplete`, so that its low figures are not read as
 * a fall.
 */
export function chartsOf(
  trend: TrendReport,
  current: string = currentMonth(),
  incomplete: (month: string) => string = (m) => m,
): ChartData[] {
  return trend.measures.map((m) => ({
    measure: m.measure,
    labels: trend.months.map((month) => (month === current ? incomplete(month) : month)),
    lines: trend.series
      .filter((s) => s.measure === m.measure)
      .map((s) => ({ key: s.key, values: [...s.values], total: s.total })),
  }));
}

/** A sentence describing a chart for screen readers: what, when, and each line's total. */
export function chartDescription(
  chart: ChartData,
  measureLabel: string,
  totalWord: string,
  format: (n: number) => string,
): string {
  const from = chart.labels[0] ?? '';
  const to = chart.labels[chart.labels.length - 1] ?? '';
  const parts = chart.lines.map((l) => `${l.key} ${totalWord} ${format(l.total)}`);
  return `${measureLabel}, ${from} – ${to}: ${parts.join('; ')}.`;
}

/** Board rows with the overdue first, then by code. */
export function boardOrder(rows: BoardRow[]): BoardRow[] {
  return [...rows].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.centre.code.localeCompare(b.centre.code));
}

/** The day part of an RFC 3339 stamp. */
export function dayOf(stamp: string | null | undefined): string {
  return stamp ? stamp.slice(0, 10) : '';
}
