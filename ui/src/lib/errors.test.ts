// A failed call is told in the person's language through the error's stable code: the
// catalogue's message in every language but English (which shows the core's own English
// message), with the core's free-text detail where the code carries one, and the core's
// message with its code when the code is unknown.
import { afterEach, describe, expect, it } from 'vitest';
import { catalogues, LANGUAGES, setLanguage } from './i18n';
import { DETAIL_CODES, describeError, ERROR_KEYS } from './errors';
import type { ErrorCode } from './bindings/ErrorCode';

const err = (code: string, message: string) => ({ code, message });

describe('describeError', () => {
  afterEach(() => setLanguage('en'));

  it("shows the core's own message in English", () => {
    expect(describeError(err('wrong_passphrase', "wrong passphrase for user 'ona'"))).toBe(
      "wrong passphrase for user 'ona'",
    );
    expect(describeError(err('invalid_input', 'the intake date is in the future'))).toBe(
      'the intake date is in the future',
    );
  });

  it("shows the code's message in the person's language", () => {
    setLanguage('lt');
    expect(describeError(err('wrong_passphrase', "wrong passphrase for user 'ona'"))).toBe(
      'Neteisinga šio naudotojo slaptafrazė; patikrinkite ją ir bandykite dar kartą.',
    );
    setLanguage('ru');
    expect(describeError(err('locked', 'the store is locked; unlock it first'))).toBe(
      'Хранилище заблокировано; сначала разблокируйте его.',
    );
  });

  it('keeps the detail of a free-text error inside the translated message', () => {
    setLanguage('lv');
    expect(describeError(err('invalid_input', 'the intake date is in the future'))).toBe(
      'Tas netika pieņemts: the intake date is in the future',
    );
    setLanguage('az');
    expect(describeError(err('not_allowed', 'only an administrator may purge cases'))).toBe(
      'Bunu etməyə icazəniz yoxdur: only an administrator may purge cases',
    );
  });

  it("falls back to the core's message with its code when the code is unknown", () => {
    setLanguage('lt');
    expect(describeError(err('quota_exceeded', 'the disk is full'))).toBe('the disk is full (quota_exceeded)');
    // Not a code at all: a property of every object is not mistaken for one.
    expect(describeError(err('toString', 'odd'))).toBe('odd (toString)');
  });

  it('tells what is not an IPC error as an internal one', () => {
    setLanguage('ru');
    expect(describeError('a plain string')).toBe('Произошла ошибка: a plain string');
    expect(describeError(undefined)).toBe('Произошла ошибка: something went wrong; try again');
  });
});

describe('error messages in the catalogues', () => {
  const codes = Object.keys(ERROR_KEYS) as ErrorCode[];

  it('every code has its message in every language, with {detail} exactly where the core sends free text', () => {
    expect(codes.length).toBe(18);
    for (const lang of LANGUAGES) {
      for (const code of codes) {
        const text = catalogues[lang][ERROR_KEYS[code]];
        expect(text, `${lang} ${code}`).toBeTruthy();
        expect(text!.includes('{detail}'), `${lang} ${code}`).toBe(DETAIL_CODES.has(code));
        if (lang !== 'en') expect(text, `${lang} ${code}`).not.toBe(catalogues.en[ERROR_KEYS[code]]);
      }
    }
  });

  it('every code is told differently in each language (no message shared by two codes)', () => {
    for (const lang of LANGUAGES) {
      const texts = codes.map((c) => catalogues[lang][ERROR_KEYS[c]]);
      expect(new Set(texts).size, lang).toBe(codes.length);
    }
  });
});
