// The code lists (violence forms, relationships, statuses, …) with labels from the core in
// the chosen language. Codes the build does not know are shown as they are, flagged.
import { backend } from './backend';
import type { CodeCatalogue } from './bindings/CodeCatalogue';
import type { CodeOption } from './bindings/CodeOption';
import type { Language } from './bindings/Language';
import { t } from './i18n';

class Codes {
  catalogue = $state<CodeCatalogue | null>(null);

  async load(language: Language): Promise<void> {
    if (this.catalogue?.language === language) return;
    this.catalogue = await backend().codeLists(language);
  }

  options(list: string): CodeOption[] {
    return this.catalogue?.lists[list] ?? [];
  }

  label(list: string, code: string | null | undefined): string {
    if (code == null || code === '') return '';
    const found = this.options(list).find((o) => o.code === code);
    return found ? found.label : t('code.unknown', { code });
  }

  clear(): void {
    this.catalogue = null;
  }
}

export const codes = new Codes();
