// The statistics screen's helpers: the query sent to the core, the rows of a table as shown
// (centres or months, with totals), the side-by-side comparison of chosen centres, and the
// file name suggested for a published report. No counting and no labels here: the core
// computes the tables and names the categories from its code lists.
import type { Country } from './bindings/Country';
import type { Language } from './bindings/Language';
import type { StatsCell } from './bindings/StatsCell';
import type { StatsCentre } from './bindings/StatsCentre';
import type { StatsQuery } from './bindings/StatsQuery';
import type { StatsReport } from './bindings/StatsReport';
import type { StatsTable } from './bindings/StatsTable';

/** Rows by centre (the whole period) or by month (all chosen centres together). */
export type RowsBy = 'centre' | 'month';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Whether `text` is a month `YYYY-MM`. */
export function isMonth(text: string): boolean {
  return MONTH.test(text.trim());
}

/** The month `n` months before `month` (`YYYY-MM`). */
export function monthsBefore(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The query for the screen: exact counts, rows by centre or by month. */
export function statsQuery(
  from: string,
  to: string,
  centres: string[],
  country: Country | '',
  rowsBy: RowsBy,
  language: Language,
): StatsQuery {
  return {
    from: from.trim(),
    to: to.trim() === '' ? null : to.trim(),
    centres: [...centres],
    country: country === '' ? null : country,
    by_centre: rowsBy === 'centre',
    by_month: rowsBy === 'month',
    consented_only: false,
    language,
  };
}

/** A cell as text: the count (or hours, for minutes), or the suppression mark. */
export function cellText(
  cell: StatsCell | null | undefined,
  unit: StatsTable['unit'],
  format: (n: number) => string,
  threshold = 5,
): string {
  if (!cell) return '';
  // "<5" only on a small count; a figure hidden to protect one reads "x" (issue 20).
  if (cell.value === null) return cell.suppressed === 'primary' && unit === 'count' ? `<${threshold}` : 'x';
  if (unit === 'minutes') return format(Math.round((cell.value / 60) * 10) / 10);
  return format(cell.value);
}

/** How a row is named: the centre (code — name), the month, or "all". */
export function rowLabel(
  row: { centre: string | null; month: string | null },
  centres: StatsCentre[],
  all: string,
): string {
  const parts: string[] = [];
  if (row.centre !== null) {
    const c = centres.find((x) => x.code === row.centre);
    parts.push(c && c.name ? `${c.code} — ${c.name}` : row.centre);
  }
  if (row.month !== null) parts.push(row.month);
  return parts.length > 0 ? parts.join(' · ') : all;
}

/** One line of a comparison: a category, and its count for each compared centre. */
export interface CompareLine {
  code: string;
  label: string;
  group: string | null;
  subtotal: boolean;
  cells: (StatsCell | null)[];
}

/**
 * One table with the chosen centres side by side: a line per category (then the total),
 * a column per centre in the order chosen. The table must have rows by centre over the
 * whole period; a centre without a row (no records) counts zero.
 */
export function compare(table: StatsTable, centres: string[]): { lines: CompareLine[]; totals: (StatsCell | null)[] } {
  const rowOf = centres.map((code) => table.rows.findIndex((r) => r.centre === code && r.month === null));
  const zero: StatsCell = { value: 0, suppressed: null };
  const lines = table.columns.map((col, j) => ({
    code: col.code,
    label: col.label,
    group: col.group,
    subtotal: col.subtotal,
    cells: rowOf.map((i) => (i < 0 ? zero : (table.cells[i]?.[j] ?? null))),
  }));
  const totals = rowOf.map((i) => {
    if (!table.row_totals) return null;
    return i < 0 ? zero : (table.row_totals[i] ?? null);
  });
  return { lines, totals };
}

/** The centres a report can be filtered by or compared: every centre it covers, by code. */
export function centresOf(report: StatsReport): StatsCentre[] {
  return [...report.centres].sort((a, b) => a.code.localeCompare(b.code));
}

/** The file name suggested for a published report. */
export function reportFileName(madeBy: string, from: string, to: string, format: 'csv' | 'xlsx'): string {
  const period = to && to !== from ? `${from}_${to}` : from;
  return `${madeBy}-statistics-${period}.${format}`;
}

/** The table ids in the order of the report (T1, T2a, …), for the table picker. */
export function tableIds(report: StatsReport): string[] {
  return report.tables.map((t) => t.id);
}

/** Columns a printed page holds beside the row headers (A4 landscape, 9–10 pt). */
export const PRINT_COLUMNS = 12;

/**
 * The column indices of a wide table split into parts of at most `per` columns, for print:
 * each part is printed as its own table with the row headers repeated (T1 has 33 columns).
 */
export function columnParts(count: number, per: number = PRINT_COLUMNS): number[][] {
  const parts: number[][] = [];
  for (let start = 0; start < count; start += per) {
    parts.push(Array.from({ length: Math.min(per, count - start) }, (_, i) => start + i));
  }
  return parts.length > 0 ? parts : [[]];
}
