// The languages a client may prefer, named in the app's language (Intl.DisplayNames), never
// as bare codes: the store keeps the ISO 639 code, the person sees and picks a name.
import { locale } from './i18n';

/** The usual languages of the centres' clients first, then other common ones. */
export const CLIENT_LANGUAGES = [
  'lt',
  'lv',
  'ru',
  'az',
  'en',
  'uk',
  'pl',
  'be',
  'et',
  'de',
  'fr',
  'es',
  'tr',
  'ka',
  'hy',
  'ar',
  'fa',
  'ro',
  'zh',
  'vi',
] as const;

const names = new Map<string, Intl.DisplayNames>();

/** The language's name in the app's language (the code itself if it has no name). */
export function languageName(code: string | null | undefined): string {
  if (!code) return '';
  const loc = locale();
  let dn = names.get(loc);
  if (!dn) {
    dn = new Intl.DisplayNames([loc], { type: 'language', fallback: 'code' });
    names.set(loc, dn);
  }
  try {
    const name = dn.of(code) ?? code;
    return name.charAt(0).toLocaleUpperCase(loc) + name.slice(1);
  } catch {
    return code;
  }
}

/** The choices for a select: the usual languages by name, and `current` if it is another. */
export function languageChoices(current: string | null | undefined): { code: string; name: string }[] {
  const codes: string[] = [...CLIENT_LANGUAGES];
  if (current && !codes.includes(current)) codes.push(current);
  return codes.map((code) => ({ code, name: languageName(code) }));
}
