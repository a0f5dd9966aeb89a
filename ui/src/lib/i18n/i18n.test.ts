// The catalogues are complete: every language has every message of the English reference,
// every plural form its locale needs, and the same placeholders.
import { afterEach, describe, expect, it } from 'vitest';
import { catalogues, formatDate, LANGUAGES, LOCALES, setLanguage, t, tn } from './index';

const en = catalogues.en;
const pluralBases = Object.keys(en)
  .filter((k) => k.endsWith('.other') && `${k.slice(0, -6)}.one` in en)
  .map((k) => k.slice(0, -6));
const isPluralKey = (k: string) =>
  pluralBases.some((b) => k.startsWith(`${b}.`) && !k.slice(b.length + 1).includes('.'));
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  afterEach(() => setLanguage('en'));

  for (const lang of LANGUAGES) {
    it(`${lang} has every message, every plural form and the same placeholders`, () => {
      const cat = catalogues[lang];
      const categories = new Intl.PluralRules(LOCALES[lang]).resolvedOptions().pluralCategories;
      const expected = new Set<string>();
      for (const key of Object.keys(en)) if (!isPluralKey(key)) expected.add(key);
      for (const base of pluralBases) for (const c of categories) expected.add(`${base}.${c}`);
      expect(Object.keys(cat).sort()).toEqual([...expected].sort());
      for (const [key, text] of Object.entries(cat)) {
        const ref = en[key] ?? en[`${key.slice(0, key.lastIndexOf('.'))}.other`] ?? '';
        expect(placeholders(text), `${lang} ${key}`).toEqual(placeholders(ref));
        expect(text.trim(), `${lang} ${key}`).not.toBe('');
      }
    });
  }

  it('no message writes a plural as "(s)" or names a developer file (docs/…)', () => {
    // A count takes its plural forms from the catalogue (tn with Intl.PluralRules), never
    // "1 bundle(s)"; a person is told what to do, not which file of the source to read.
    const found: string[] = [];
    for (const lang of LANGUAGES) {
      for (const [key, text] of Object.entries(catalogues[lang])) {
        if (/\p{L}\((?:s|es)\)/u.test(text)) found.push(`${lang} ${key}: plural written as (s)`);
        if (/\{(?:count|n)\}[^{]*?\p{L}\(-?\p{L}{1,3}\)/u.test(text)) found.push(`${lang} ${key}: plural in brackets`);
        if (/(?:^|[\s(“"'`])docs\//.test(text) || /\.md\b/.test(text)) found.push(`${lang} ${key}: developer file`);
      }
    }
    expect(found).toEqual([]);
  });

  it('non-English catalogues are translated, not copies', () => {
    for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
      // The app's name, units and a few words that are the same in both languages (az "Status").
      const same = Object.keys(en).filter(
        (k) => catalogues[lang][k] === en[k] && !/^(app\.name|document\.size|(case|referral|order)\.status)$/.test(k),
      );
      expect(same, lang).toEqual([]);
    }
  });
});

describe('plurals and formats', () => {
  afterEach(() => setLanguage('en'));

  it('chooses the plural form of the language', () => {
    expect(tn('home.casesCount', 1)).toBe('1 case');
    expect(tn('home.casesCount', 3)).toBe('3 cases');
    setLanguage('lt');
    expect(tn('home.casesCount', 1)).toBe('1 byla');
    expect(tn('home.casesCount', 3)).toBe('3 bylos');
    expect(tn('home.casesCount', 12)).toBe('12 bylų');
    expect(tn('home.casesCount', 21)).toBe('21 byla');
    setLanguage('ru');
    expect(tn('home.casesCount', 5)).toBe('5 дел');
    expect(tn('home.casesCount', 22)).toBe('22 дела');
    setLanguage('lv');
    expect(tn('home.casesCount', 1)).toBe('1 lieta');
    expect(tn('home.casesCount', 2)).toBe('2 lietas');
  });

  it('switches every message with the language', () => {
    expect(t('home.title')).toBe('My work');
    setLanguage('lt');
    expect(t('home.title')).toBe('Mano darbas');
    setLanguage('az');
    expect(t('home.title')).toBe('Mənim işim');
  });

  it('formats numbers and dates for the chosen locale', () => {
    setLanguage('ru');
    expect(tn('contact.minutesCount', 1500)).toMatch(/^1\s500 минут$/);
    setLanguage('lt');
    expect(formatDate('2026-11-20')).toMatch(/2026/);
    expect(formatDate('2026-11-20')).not.toBe(
      new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date('2026-11-20T00:00:00Z'),
      ),
    );
  });
});

describe('years', () => {
  afterEach(() => setLanguage('en'));

  it('a year is never formatted as a number in any language', () => {
    for (const lang of LANGUAGES) {
      setLanguage(lang);
      // Grouping would give "2,026" (en), "2 026" (lt, lv, ru) or "2.026" (az).
      expect(t('coord.targets.caption', { year: 2026 }), lang).toContain('2026');
      // Other numbers are still formatted in the language's way.
      expect(t('sync.import.applied', { from: 'KLP-01', n: 12345, unchanged: 0 }), lang).not.toContain('12345');
    }
  });
});
