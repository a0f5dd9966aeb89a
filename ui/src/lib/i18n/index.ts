// Message lookup. Catalogues live in assets/i18n/ (shared with packaging); English is the
// reference catalogue and the fallback for missing keys.
import en from '../../../../assets/i18n/en.json';

type Catalogue = Record<string, string>;
export type MessageKey = keyof typeof en;

const catalogues: Record<string, Catalogue> = { en };
let active: Catalogue = en;

export function setLanguage(code: string): void {
  active = catalogues[code] ?? en;
}

/** The message for `key`, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = active[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
