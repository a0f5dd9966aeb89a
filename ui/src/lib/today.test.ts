import { describe, expect, it } from 'vitest';
import { byDay, pages, shift, viewDays, weekStart } from './today';
import type { CalendarEntry } from './bindings/CalendarEntry';
import { summary } from '../test/fixtures';

function entry(due_on: string, at_time: string | null): CalendarEntry {
  return {
    kind: 'appointment',
    item: { case: summary(1), due_on, at_time, overdue: false, warn: false, detail: 'meeting', record_id: null },
  };
}

describe('today', () => {
  it('starts a week on Monday, also across a month and a year', () => {
    expect(weekStart('2026-12-07')).toBe('2026-12-07'); // a Monday
    expect(weekStart('2026-12-13')).toBe('2026-12-07'); // Sunday
    expect(weekStart('2027-01-01')).toBe('2026-12-28'); // Friday
  });

  it('shows whole weeks holding the month, and one week in week mode', () => {
    const dec = viewDays('month', '2026-12-15');
    expect(dec[0]).toBe('2026-11-30');
    expect(dec.at(-1)).toBe('2027-01-03');
    expect(dec.length % 7).toBe(0);
    expect(dec).toContain('2026-12-31');
    const feb = viewDays('month', '2027-02-10'); // 1 Feb 2027 is a Monday
    expect(feb[0]).toBe('2027-02-01');
    expect(feb.length).toBe(28);
    expect(viewDays('week', '2026-12-10')).toEqual([
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
      '2026-12-10',
      '2026-12-11',
      '2026-12-12',
      '2026-12-13',
    ]);
  });

  it('moves a month at a time across the year, a week at a time', () => {
    expect(shift('month', '2026-12-15', 1)).toBe('2027-01-01');
    expect(shift('month', '2026-01-15', -1)).toBe('2025-12-01');
    expect(shift('week', '2026-12-29', 1)).toBe('2027-01-05');
  });

  it('groups entries by day in time order, whole-day ones first', () => {
    const days = byDay([entry('2026-12-14', '10:00'), entry('2026-12-14', null), entry('2026-12-14', '08:15')]);
    expect(days.get('2026-12-14')!.map((e) => e.item.at_time)).toEqual([null, '08:15', '10:00']);
  });

  it('counts pages, at least one', () => {
    expect(pages(0, 5)).toBe(1);
    expect(pages(23, 5)).toBe(5);
    expect(pages(25, 5)).toBe(5);
  });
});
