// Preferences of this computer's UI: the language, the auto-lock delay and discreet mode
// (window title and icon). They hold no case
// content, so they are kept in the webview's local storage, readable before unlocking (the
// unlock screen speaks the chosen language).
import type { Language } from './bindings/Language';
import { isLanguage, setLanguage } from './i18n';

const KEY = 'atrama.prefs';
export const AUTO_LOCK_CHOICES = [1, 2, 5, 10, 15, 30] as const;
export const DEFAULT_AUTO_LOCK_MINUTES = 5;

type Stored = { language?: string; autoLockMinutes?: number; discreetName?: string; neutralIcon?: boolean };

function read(): Stored {
  try {
    const text = globalThis.localStorage?.getItem(KEY);
    return text ? (JSON.parse(text) as Stored) : {};
  } catch {
    return {};
  }
}

function fromBrowser(): Language {
  const code = (globalThis.navigator?.language ?? 'en').slice(0, 2).toLowerCase();
  return isLanguage(code) ? code : 'en';
}

class Prefs {
  language = $state<Language>('en');
  autoLockMinutes = $state<number>(DEFAULT_AUTO_LOCK_MINUTES);
  /** The window title chosen in Settings; empty for "Atrama". */
  discreetName = $state('');
  /** Whether the window shows the neutral icon instead of Atrama's. */
  neutralIcon = $state(false);

  load(): void {
    const s = read();
    this.language = isLanguage(s.language) ? s.language : fromBrowser();
    this.autoLockMinutes =
      typeof s.autoLockMinutes === 'number' && s.autoLockMinutes > 0 ? s.autoLockMinutes : DEFAULT_AUTO_LOCK_MINUTES;
    this.discreetName = typeof s.discreetName === 'string' ? s.discreetName : '';
    this.neutralIcon = s.neutralIcon === true;
    setLanguage(this.language);
  }

  setLanguage(code: Language): void {
    this.language = code;
    setLanguage(code);
    this.save();
  }

  setAutoLock(minutes: number): void {
    if (minutes > 0) this.autoLockMinutes = minutes;
    this.save();
  }

  setDiscreetName(name: string): void {
    this.discreetName = name.trim();
    this.save();
  }

  setNeutralIcon(neutral: boolean): void {
    this.neutralIcon = neutral;
    this.save();
  }

  private save(): void {
    try {
      globalThis.localStorage?.setItem(
        KEY,
        JSON.stringify({
          language: this.language,
          autoLockMinutes: this.autoLockMinutes,
          discreetName: this.discreetName,
          neutralIcon: this.neutralIcon,
        }),
      );
    } catch {
      // Storage unavailable: the choice lasts until the app closes.
    }
  }
}

export const prefs = new Prefs();
