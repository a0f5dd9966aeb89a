// Message lookup, plurals and locale formatting. Catalogues live in assets/i18n/ (shared
// with packaging); English is the reference catalogue and the fallback for missing keys.
// A plural message is a family of keys `base.one`, `base.few`, `base.other`, … named after
// the categories of Intl.PluralRules for each language.
import en from '../../../../assets/i18n/en.json';
import lt from '../../../../assets/i18n/lt.json';
import lv from '../../../../assets/i18n/lv.json';
import az from '../../../../assets/i18n/az.json';
import ru from '../../../../assets/i18n/ru.json';
import type { Language } from '../bindings/Language';
import { i18n } from './state.svelte';

type Catalogue = Record<string, string>;
export type MessageKey = keyof typeof en;
/** The base of a plural family: `x` for the keys `x.one` … `x.other`. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer B}.other` ? B : never) : never;

export const LANGUAGES: readonly Language[] = ['en', 'lt', 'lv', 'az', 'ru'];
export const catalogues: Record<Language, Catalogue> = { en, lt, lv, az, ru };
/** The BCP 47 locale each UI language formats dates and numbers with. */
export const LOCALES: Record<Language, string> = {
  en: 'en-GB',
  lt: 'lt-LT',
  lv: 'lv-LV',
  az: 'az-Latn-AZ',
  ru: 'ru-RU',
};

export { i18n };

export function isLanguage(code: unknown): code is Language {
  return typeof code === 'string' && (LANGUAGES as readonly string[]).includes(code);
}

export function setLanguage(code: string): void {
  if (isLanguage(code)) {
    i18n.lang = code;
    if (typeof document !== 'undefined') document.documentElement.lang = code;
  }
}

export function language(): Language {
  return i18n.lang;
}

export function locale(): string {
  return LOCALES[i18n.lang];
}

// Building an Intl formatter costs far more than using one (in WebKit, a fraction of a
// millisecond each: a case with 60 dated rows spent most of its first render here), so one of
// each kind is kept per locale.
type Formatters = {
  plural: Intl.PluralRules;
  date: Intl.DateTimeFormat;
  dateTime: Intl.DateTimeFormat;
  number: Intl.NumberFormat;
};
const formatters = new Map<string, Partial<Formatters>>();

function formatter<K extends keyof Formatters>(kind: K, make: () => Formatters[K]): Formatters[K] {
  const loc = locale();
  let set = formatters.get(loc);
  if (!set) formatters.set(loc, (set = {}));
  return (set[kind] ??= make());
}

/**
 * A year is a name, not a quantity: `{year}` (and any placeholder whose name ends in "year",
 * e.g. `{birthYear}`) is never grouped ("2,026", "2 026", "2.026").
 */
function isYearPlaceholder(name: string): boolean {
  return /year$/i.test(name);
}

function fill(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in params)) return whole;
    const v = params[name];
    return typeof v === 'number' && !isYearPlaceholder(name) ? formatNumber(v) : String(v);
  });
}

function lookup(key: string): string | undefined {
  return catalogues[i18n.lang][key] ?? (en as Catalogue)[key];
}

/** The message for `key`, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return fill(lookup(key) ?? key, params);
}

/** The plural message for `count` (also available as `{count}` in the text). */
export function tn(base: PluralKey, count: number, params: Record<string, string | number> = {}): string {
  const category = formatter('plural', () => new Intl.PluralRules(locale())).select(count);
  const text = catalogues[i18n.lang][`${base}.${category}`] ?? lookup(`${base}.other`) ?? base;
  return fill(text, { count, ...params });
}

/** A calendar date (`YYYY-MM-DD`) in the chosen locale. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return iso;
  return formatter('date', () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' })).format(d);
}

/** A moment (RFC 3339) in the chosen locale, in local time. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return formatter(
    'dateTime',
    () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }),
  ).format(d);
}

export function formatNumber(n: number): string {
  return formatter('number', () => new Intl.NumberFormat(locale())).format(n);
}
