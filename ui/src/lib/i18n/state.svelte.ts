// The chosen UI language, as reactive state: every `t()` in a template re-renders when it
// changes.
import type { Language } from '../bindings/Language';

export const i18n = $state<{ lang: Language }>({ lang: 'en' });
