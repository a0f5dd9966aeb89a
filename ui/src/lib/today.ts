// Today's work and the calendar: the days a week or month view shows and how its entries
// are grouped, worked out here so that they can be tested without the app.
import type { CalendarEntry } from './bindings/CalendarEntry';
import { addDays } from './risk';

export type CalendarMode = 'week' | 'month';

/** Monday of the week `date` (YYYY-MM-DD) is in. */
export function weekStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const day = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((day + 6) % 7));
}

/** The first of the month `date` is in. */
export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

/** The days a view shows around `anchor`: one week (Monday to Sunday), or the whole weeks
 *  that hold the month. */
export function viewDays(mode: CalendarMode, anchor: string): string[] {
  if (mode === 'week') {
    const first = weekStart(anchor);
    return Array.from({ length: 7 }, (_, i) => addDays(first, i));
  }
  const first = weekStart(monthStart(anchor));
  const month = anchor.slice(0, 7);
  const days: string[] = [];
  for (let day = first; ; day = addDays(day, 1)) {
    days.push(day);
    // Stop after the Sunday that ends the month's last week.
    if (days.length % 7 === 0 && addDays(day, 1).slice(0, 7) > month) break;
    if (days.length > 42) break;
  }
  return days;
}

/** The anchor one view earlier (`step` -1) or later (+1). */
export function shift(mode: CalendarMode, anchor: string, step: number): string {
  if (mode === 'week') return addDays(anchor, 7 * step);
  const [y, m] = anchor.split('-').map(Number);
  const total = (y ?? 1970) * 12 + ((m ?? 1) - 1) + step;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-01`;
}

/** Entries by day, each day's in time order (whole-day items first). */
export function byDay(entries: CalendarEntry[]): Map<string, CalendarEntry[]> {
  const out = new Map<string, CalendarEntry[]>();
  for (const e of entries) {
    const list = out.get(e.item.due_on) ?? [];
    list.push(e);
    out.set(e.item.due_on, list);
  }
  for (const list of out.values()) {
    list.sort((a, b) => (a.item.at_time ?? '').localeCompare(b.item.at_time ?? ''));
  }
  return out;
}

/** How many pages a list of `total` items has at `size` a page (at least one). */
export function pages(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}
