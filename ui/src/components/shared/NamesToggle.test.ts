// The top bar's "hide names" toggle: offered only while names are on for this person, hides
// the names in lists at once (and shows them again), keyboard-reachable, and never changes
// the stored choice.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import NamesHost from '../../test/NamesHost.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { permissions } from '../../lib/permissions.svelte';
import { names } from '../../lib/names.svelte';
import { setLanguage } from '../../lib/i18n';
import type { CaseSummary } from '../../lib/bindings/CaseSummary';

const row: CaseSummary = {
  id: '0190a0a0-0000-7000-8000-000000000001',
  case_number: 'KLP-01-2026-0001',
  pseudonym: 'P-0',
  status: 'open',
  opened_on: '2026-11-01',
  referral_source: 'self',
  lead_worker: 'rasa',
  follow_up_on: null,
  client_name: 'Žydrūnė Kazlauskienė',
};

function backendWith(chosen: boolean) {
  const setClientNamesInLists = vi.fn(async () => {});
  setBackend({
    clientNamesInLists: async () => chosen,
    setClientNamesInLists,
  } as unknown as Backend);
  return setClientNamesInLists;
}

const toggle = () => document.getElementById('hide-names') as HTMLButtonElement | null;
const table = () => document.getElementById('rows')!.textContent ?? '';

describe('hide names toggle', () => {
  afterEach(() => {
    cleanup();
    names.clear();
    permissions.clear();
  });

  it('hides the names at once and shows them again, leaving the stored choice alone', async () => {
    setLanguage('en');
    const set = backendWith(true);
    permissions.held = ['client_names_in_lists'];
    await names.load();
    render(NamesHost, { cases: [row] });
    expect(table()).toContain('Žydrūnė Kazlauskienė');
    const button = toggle()!;
    expect(button.tagName).toBe('BUTTON');
    expect(button.getAttribute('aria-pressed')).toBe('false');
    expect(button.textContent?.trim()).toBe('Hide names');
    button.focus();
    expect(document.activeElement).toBe(button);

    flushSync(() => button.click());
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect(table()).not.toContain('Kazlauskienė');
    expect(table()).toContain('P-0');
    expect(names.chosen).toBe(true);
    expect(set).not.toHaveBeenCalled();

    flushSync(() => button.click());
    expect(table()).toContain('Žydrūnė Kazlauskienė');
  });

  it('is not offered, and no name is shown, when names are off or the role may not', async () => {
    backendWith(true);
    permissions.held = [];
    await names.load();
    render(NamesHost, { cases: [row] });
    expect(toggle()).toBeNull();
    expect(table()).not.toContain('Kazlauskienė');
    cleanup();

    backendWith(false);
    permissions.held = ['client_names_in_lists'];
    await names.load();
    render(NamesHost, { cases: [row] });
    expect(toggle()).toBeNull();
    expect(table()).not.toContain('Kazlauskienė');
  });
});
