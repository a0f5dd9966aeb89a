// A client's preferred language is shown and chosen by its name in the app's language.
import { afterEach, describe, expect, it } from 'vitest';
import { setLanguage } from './i18n';
import { languageChoices, languageName } from './languages';

describe('client languages', () => {
  afterEach(() => setLanguage('en'));

  it('are named in the app language, never shown as bare codes', () => {
    expect(languageName('uk')).toBe('Ukrainian');
    expect(languageName('lt')).toBe('Lithuanian');
    setLanguage('ru');
    expect(languageName('lt')).toBe('Литовский');
    expect(languageName(null)).toBe('');
  });

  it('keep a recorded language that is not in the usual list', () => {
    const choices = languageChoices('sq');
    expect(choices.at(-1)).toEqual({ code: 'sq', name: 'Albanian' });
    expect(languageChoices('lt').filter((c) => c.code === 'lt')).toHaveLength(1);
  });
});
