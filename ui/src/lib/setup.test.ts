import { describe, expect, it } from 'vitest';
import { defaultLanguage, groupsOf } from './setup';
import { t } from './i18n';

describe('setup helpers', () => {
  it('preselects the language of the country', () => {
    expect(defaultLanguage('LT')).toBe('lt');
    expect(defaultLanguage('LV')).toBe('lv');
    expect(defaultLanguage('AZ')).toBe('az');
    expect(defaultLanguage('other')).toBe('en');
  });

  it('splits a recovery key into its eight groups', () => {
    const groups = groupsOf('ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789');
    expect(groups).toHaveLength(8);
    expect(groups[2]).toBe('JKMN');
  });
});

describe('messages', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('home.signedIn', { user: 'ona' })).toBe('Signed in as ona');
    expect(t('confirm.group', {})).toBe('Group {n}');
  });
});
