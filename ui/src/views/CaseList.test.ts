// The case list: filters go to the core, and thousands of cases draw only the rows in view.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import CaseList from './CaseList.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { codes } from '../lib/codes.svelte';
import { catalogue, summary } from '../test/fixtures';

const many = Array.from({ length: 5000 }, (_, i) => summary(i + 1));

describe('CaseList', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(catalogue) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => cleanup());

  it('pages through the core and draws only the rows in view', async () => {
    const caseList = vi.fn<Backend['caseList']>((f) => {
      const from = f.offset ?? 0;
      return Promise.resolve(many.slice(from, from + (f.limit ?? 200)));
    });
    setBackend(fakeBackend({ caseList, staff: () => Promise.resolve([]) }));
    render(CaseList);
    await screen.findByText('KLP-01-2026-0001');
    expect(caseList.mock.calls[0]![0]).toMatchObject({ status: 'open', offset: 0, limit: 200 });
    expect(document.querySelectorAll('.virtual-row').length).toBeLessThan(30);
    const list = document.getElementById('case-list')!;
    list.scrollTop = 44 * 190;
    await fireEvent.scroll(list);
    await screen.findByText('KLP-01-2026-0195');
    await vi.waitFor(() => expect(caseList.mock.calls.some(([f]) => f.offset === 200)).toBe(true));
    expect(document.querySelectorAll('.virtual-row').length).toBeLessThan(30);
  });

  it('sends a changed filter to the core and starts again from the top', async () => {
    const caseList = vi.fn<Backend['caseList']>(() => Promise.resolve([summary(1)]));
    setBackend(fakeBackend({ caseList, staff: () => Promise.resolve([]) }));
    render(CaseList);
    await screen.findByText('KLP-01-2026-0001');
    await fireEvent.change(screen.getByLabelText('Referral source'), { target: { value: 'self' } });
    await vi.waitFor(() =>
      expect(caseList).toHaveBeenLastCalledWith(
        expect.objectContaining({ referral_source: 'self', status: 'open', offset: 0 }),
      ),
    );
    expect(screen.getByText('1 case')).toBeTruthy();
  });
});
