// The code lists (violence forms, relationships, statuses, …) with labels from the core in
// the chosen language. Codes the build does not know are shown as they are, flagged.
import { backend } from './backend';
import type { CodeCatalogue } from './bindings/CodeCatalogue';
import type { CodeOption } from './bindings/CodeOption';
import type { Language } from './bindings/Language';
import { t } from './i18n';

class Codes {
  // Raw state: the catalogue is replaced whole, never changed in place, so no deep proxy
  // (reading labels through one cost every row of a case view a proxy walk).
  catalogue = $state.raw<CodeCatalogue | null>(null);
  // code → label per list, built once per catalogue.
  #index = new Map<string, Map<string, string>>();
  #indexed: CodeCatalogue | null = null;

  async load(language: Language): Promise<void> {
    if (this.catalogue?.language === language) return;
    this.catalogue = await backend().codeLists(language);
  }

  options(list: string): CodeOption[] {
    return this.catalogue?.lists[list] ?? [];
  }

  label(list: string, code: string | null | undefined): string {
    if (code == null || code === '') return '';
    const catalogue = this.catalogue;
    if (this.#indexed !== catalogue) {
      this.#index.clear();
      this.#indexed = catalogue;
    }
    let labels = this.#index.get(list);
    if (!labels) {
      labels = new Map(this.options(list).map((o) => [o.code, o.label]));
      this.#index.set(list, labels);
    }
    return labels.get(code) ?? t('code.unknown', { code });
  }

  clear(): void {
    this.catalogue = null;
  }
}

export const codes = new Codes();
