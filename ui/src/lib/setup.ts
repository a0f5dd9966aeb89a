// Pure helpers of the setup screen.
import type { Country } from './bindings/Country';
import type { Language } from './bindings/Language';

/** The usual language of a country, preselected for a new centre (mirrors the core's default). */
export function defaultLanguage(country: Country): Language {
  switch (country) {
    case 'LT':
      return 'lt';
    case 'LV':
      return 'lv';
    case 'AZ':
      return 'az';
    default:
      return 'en';
  }
}

/** Splits a displayed recovery key `XXXX-XXXX-…` into its groups. */
export function groupsOf(recoveryKey: string): string[] {
  return recoveryKey.split('-').filter((g) => g.length > 0);
}
