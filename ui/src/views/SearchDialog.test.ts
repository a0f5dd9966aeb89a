// Search as you type: results for the latest text only; Enter opens the case.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import SearchDialog from './SearchDialog.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { codes } from '../lib/codes.svelte';
import { nav } from '../lib/nav.svelte';
import { catalogue } from '../test/fixtures';
import type { SearchHit } from '../lib/bindings/SearchHit';

const hit = (n: number, extra: Partial<SearchHit> = {}): SearchHit => ({
  case_id: `case-${n}`,
  case_number: `KLP-01-2026-000${n}`,
  pseudonym: `P-${n}`,
  status: 'open',
  kind: 'case',
  note_id: null,
  snippet: null,
  matched: 'case_number',
  exact: false,
  opened_on: '2026-03-02',
  lead_worker: 'ona',
  birth_year: 1980 + n,
  age_band: '35_44',
  owner_centre: 'KLP-01',
  name: null,
  ...extra,
});

describe('SearchDialog', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(catalogue) }));
    codes.clear();
    await codes.load('en');
    nav.reset();
  });
  afterEach(() => cleanup());

  it('shows the answer to the latest text, not a slower earlier one', async () => {
    const answers: Record<string, (hits: SearchHit[]) => void> = {};
    const search = vi.fn<Backend['search']>((text) => new Promise((resolve) => (answers[text] = resolve)));
    setBackend(fakeBackend({ search }));
    render(SearchDialog, { onclose: () => {} });
    const input = screen.getByLabelText(/Name, pseudonym/);
    await fireEvent.input(input, { target: { value: 'zy' } });
    await fireEvent.input(input, { target: { value: 'zydrune' } });
    answers['zydrune']!([hit(2)]);
    await screen.findByText('P-2');
    answers['zy']!([hit(1)]);
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByText('P-1')).toBeNull();
    expect(search).toHaveBeenCalledWith('zydrune', 30);
  });

  it('shows note extracts with the matched words marked, as text', async () => {
    setBackend(
      fakeBackend({
        search: () =>
          Promise.resolve([hit(3, { kind: 'note', note_id: 'n1', snippet: '…asked about [ieškinys] <b>now</b>' })]),
      }),
    );
    render(SearchDialog, { onclose: () => {} });
    await fireEvent.input(screen.getByLabelText(/Name, pseudonym/), { target: { value: 'ieskinys' } });
    const mark = await screen.findByText('ieškinys');
    expect(mark.tagName).toBe('MARK');
    expect(document.querySelector('b')).toBeNull();
  });

  it('opens the chosen case with Enter and closes', async () => {
    setBackend(fakeBackend({ search: () => Promise.resolve([hit(1), hit(2)]) }));
    const onclose = vi.fn();
    render(SearchDialog, { onclose });
    const input = screen.getByLabelText(/Name, pseudonym/);
    await fireEvent.input(input, { target: { value: 'p' } });
    await screen.findByText('P-2');
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(onclose).toHaveBeenCalled();
    expect(nav.route).toEqual({ name: 'case', caseId: 'case-2', section: 'overview' });
  });

  it('puts the exact match alone at the top, says why each was found and tells people apart', async () => {
    setBackend(
      fakeBackend({
        search: () =>
          Promise.resolve([
            hit(4, { exact: true, matched: 'pseudonym' }),
            hit(5, { matched: 'name', name: 'Ona Žilinskienė' }),
            hit(6, { matched: 'name', name: 'Ona Žilinskienė', birth_year: null, age_band: '45_54' }),
          ]),
      }),
    );
    render(SearchDialog, { onclose: () => {} });
    await fireEvent.input(screen.getByLabelText(/Name, pseudonym/), { target: { value: 'P-4' } });
    const options = await screen.findAllByRole('option');
    expect(options).toHaveLength(3);
    expect(options[0]!.textContent).toContain('Exact match');
    expect(options[0]!.textContent).toContain('Found by pseudonym');
    expect(options[0]!.textContent).not.toContain('Žilinskienė');
    expect(options[1]!.classList.contains('after-exact')).toBe(true);
    expect(options[1]!.textContent).toContain('Found by name: Ona Žilinskienė');
    expect(options[1]!.textContent).toContain('born 1985');
    expect(options[1]!.textContent).toContain('lead ona');
    expect(options[2]!.textContent).not.toContain('born');
    // Enter opens the exact one.
    await fireEvent.keyDown(screen.getByLabelText(/Name, pseudonym/), { key: 'Enter' });
    expect(nav.route).toMatchObject({ name: 'case', caseId: 'case-4' });
  });
});
