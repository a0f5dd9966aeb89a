// Typed dates in the app's language, not the operating system's: the format each UI language
// writes a short date in (the CLDR short date of its locale: 07/12/2026, 2026-12-07,
// 07.12.2026), parsing what a person types into the ISO date the model keeps, and the month
// grid of the calendar popup. The model never sees anything but `YYYY-MM-DD` or ''.
import type { Language } from './bindings/Language';

/** The order of the parts and the separator of a language's short date. */
export type DatePattern = { order: readonly ('d' | 'm' | 'y')[]; sep: string };

/**
 * The short date of each UI language's locale (LOCALES in i18n): fixed here rather than asked
 * of the engine's Intl at run time, so WebKit's ICU and the tests' agree; a test checks the
 * table against Intl.
 */
export const DATE_PATTERNS: Record<Language, DatePattern> = {
  en: { order: ['d', 'm', 'y'], sep: '/' },
  lt: { order: ['y', 'm', 'd'], sep: '-' },
  lv: { order: ['d', 'm', 'y'], sep: '.' },
  az: { order: ['d', 'm', 'y'], sep: '.' },
  ru: { order: ['d', 'm', 'y'], sep: '.' },
};

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Whether `y-m-d` is a day of the calendar (31.02 is not; 29.02 only in a leap year). */
export function isRealDate(y: number, m: number, d: number): boolean {
  return y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function toIso(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** `[y, m, d]` of an ISO date, or null when it is not one. */
export function fromIso(iso: string | null | undefined): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  if (!m) return null;
  const parts: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isRealDate(...parts) ? parts : null;
}

/** An ISO date as the language writes it in a field ('' for no date). */
export function formatTyped(iso: string | null | undefined, lang: Language): string {
  const parts = fromIso(iso);
  if (!parts) return iso ?? '';
  const [y, m, d] = parts;
  const { order, sep } = DATE_PATTERNS[lang];
  const text = { y: pad(y, 4), m: pad(m, 2), d: pad(d, 2) };
  return order.map((p) => text[p]).join(sep);
}

export type Parsed = { kind: 'empty' } | { kind: 'date'; iso: string } | { kind: 'invalid' };

/**
 * What a person typed, in the language's order: one- or two-digit day and month, a
 * four-digit year (a two-digit year is not guessed), any of . / - or a space between, a
 * trailing separator allowed (Latvian writes "07.12.2026."). The ISO form (2026-12-07) is
 * understood in every language: it cannot be mistaken for anything else.
 */
export function parseTyped(text: string, lang: Language): Parsed {
  const s = text.trim();
  if (s === '') return { kind: 'empty' };
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (iso) return checked(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const m = /^(\d{1,4})[./\-\s]\s*(\d{1,4})[./\-\s]\s*(\d{1,4})[./-]?$/.exec(s);
  if (!m) return { kind: 'invalid' };
  const { order } = DATE_PATTERNS[lang];
  const got: Record<'d' | 'm' | 'y', string> = { d: '', m: '', y: '' };
  order.forEach((p, i) => (got[p] = m[i + 1] ?? ''));
  if (got.y.length !== 4 || got.m.length > 2 || got.d.length > 2) return { kind: 'invalid' };
  return checked(Number(got.y), Number(got.m), Number(got.d));
}

function checked(y: number, m: number, d: number): Parsed {
  return isRealDate(y, m, d) ? { kind: 'date', iso: toIso(y, m, d) } : { kind: 'invalid' };
}

/** `iso` moved by `days` days (negative: back). */
export function addDays(iso: string, days: number): string {
  const [y, m, d] = fromIso(iso)!;
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return toIso(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** `iso` moved by `months` months, the day kept or, past the month's end, its last day. */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = fromIso(iso)!;
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = (index % 12) + 1;
  return toIso(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** Day of the week, Monday 0 … Sunday 6 (every UI language's week starts on Monday). */
export function weekday(iso: string): number {
  const [y, m, d] = fromIso(iso)!;
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** The weeks (Monday first) of the month of `iso`, each day ISO or null outside the month. */
export function monthWeeks(iso: string): (string | null)[][] {
  const [y, m] = fromIso(iso)!;
  const first = toIso(y, m, 1);
  const days: (string | null)[] = Array.from({ length: weekday(first) }, () => null);
  for (let d = 1; d <= daysInMonth(y, m); d++) days.push(toIso(y, m, d));
  while (days.length % 7 !== 0) days.push(null);
  const weeks: (string | null)[][] = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));
  return weeks;
}
