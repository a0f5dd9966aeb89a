// Typed dates in the app's language: the short date of each language's locale, what a
// person types read back into the ISO date, and the month grid of the calendar.
import { describe, expect, it } from 'vitest';
import { LANGUAGES, LOCALES } from './i18n';
import { addMonths, DATE_PATTERNS, formatTyped, monthWeeks, parseTyped, weekday } from './dateInput';

describe('the short date of each language', () => {
  it('follows the locale of the language (CLDR short date), not a fixed or OS format', () => {
    for (const lang of LANGUAGES) {
      const parts = new Intl.DateTimeFormat(LOCALES[lang], {
        day: '2-digit',
        month: '2-digit',
        year: 'numeric',
        timeZone: 'UTC',
      }).formatToParts(new Date('2026-12-07T00:00:00Z'));
      const expected = parts
        .filter((p) => p.type !== 'literal' || /\S/.test(p.value))
        .map((p) => p.value)
        .join('')
        .replace(/\.$/, '');
      expect(formatTyped('2026-12-07', lang), lang).toBe(expected);
    }
  });

  it('writes each language its own way', () => {
    expect(formatTyped('2026-12-07', 'en')).toBe('07/12/2026');
    expect(formatTyped('2026-12-07', 'lt')).toBe('2026-12-07');
    expect(formatTyped('2026-12-07', 'lv')).toBe('07.12.2026');
    expect(formatTyped('2026-12-07', 'ru')).toBe('07.12.2026');
    expect(formatTyped('2026-12-07', 'az')).toBe('07.12.2026');
    expect(formatTyped('', 'ru')).toBe('');
    expect(formatTyped(null, 'ru')).toBe('');
  });
});

describe('reading a typed date', () => {
  it('reads the language order, with or without leading zeros, and the ISO form everywhere', () => {
    expect(parseTyped('7.12.2026', 'ru')).toEqual({ kind: 'date', iso: '2026-12-07' });
    expect(parseTyped(' 07.12.2026. ', 'lv')).toEqual({ kind: 'date', iso: '2026-12-07' });
    expect(parseTyped('07/12/2026', 'en')).toEqual({ kind: 'date', iso: '2026-12-07' });
    expect(parseTyped('2026-12-7', 'lt')).toEqual({ kind: 'date', iso: '2026-12-07' });
    expect(parseTyped('2026.12.07', 'lt')).toEqual({ kind: 'date', iso: '2026-12-07' });
    for (const lang of LANGUAGES)
      expect(parseTyped('2026-12-07', lang), lang).toEqual({ kind: 'date', iso: '2026-12-07' });
    expect(parseTyped('   ', 'en')).toEqual({ kind: 'empty' });
  });

  it('never takes the OS or US order: day first in English', () => {
    expect(parseTyped('12/07/2026', 'en')).toEqual({ kind: 'date', iso: '2026-07-12' });
    expect(parseTyped('12/31/2026', 'en')).toEqual({ kind: 'invalid' });
  });

  it('refuses what is not a day of the calendar, and guesses no century', () => {
    for (const [text, lang] of [
      ['31.02.2026', 'ru'],
      ['29.02.2026', 'lv'],
      ['2026-13-01', 'lt'],
      ['00.01.2026', 'az'],
      ['07.12.26', 'ru'],
      ['07.12.20261', 'ru'],
      ['tomorrow', 'en'],
      ['07..12.2026', 'ru'],
    ] as const) {
      expect(parseTyped(text, lang), `${lang} ${text}`).toEqual({ kind: 'invalid' });
    }
    expect(parseTyped('29.02.2028', 'ru')).toEqual({ kind: 'date', iso: '2028-02-29' });
  });

  it('has a pattern for every language', () => {
    expect(Object.keys(DATE_PATTERNS).sort()).toEqual([...LANGUAGES].sort());
  });
});

describe('the month grid', () => {
  it('weeks start on Monday, with blanks outside the month', () => {
    // December 2026 starts on a Tuesday and ends on a Thursday.
    const weeks = monthWeeks('2026-12-15');
    expect(weeks[0]).toEqual([
      null,
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
    ]);
    expect(weeks.at(-1)).toEqual(['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', null, null, null]);
    expect(weeks.flat().filter(Boolean)).toHaveLength(31);
    expect(weekday('2026-12-07')).toBe(0);
    expect(weekday('2026-12-13')).toBe(6);
  });

  it('moves by months keeping the day, or the month end', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-12-07', 1)).toBe('2027-01-07');
    expect(addMonths('2026-01-07', -1)).toBe('2025-12-07');
    expect(addMonths('2026-12-07', -12)).toBe('2025-12-07');
  });
});
