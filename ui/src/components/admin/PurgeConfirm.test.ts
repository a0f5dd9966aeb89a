// The purge runs only once the confirmation word is typed, with today's date; the retention
// screen then shows what was removed and what the coordination centre will be told.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import AdminRetention from '../../views/AdminRetention.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import { today } from '../../lib/dates';
import { setLanguage } from '../../lib/i18n';
import type { PurgePreview } from '../../lib/bindings/PurgePreview';

const preview: PurgePreview = {
  policy: { closed_case_years: 5, document_years: null },
  case_cutoff: '2021-11-20',
  document_cutoff: null,
  cases: [
    { case_id: 'c1', case_number: 'KLP-01-2015-0007', closed_on: '2016-01-10' },
    { case_id: 'c2', case_number: 'KLP-01-2016-0002', closed_on: '2017-03-02' },
  ],
  documents: 0,
};
const nothing: PurgePreview = { ...preview, cases: [] };

describe('purge confirmation', () => {
  afterEach(() => {
    cleanup();
    setLanguage('en');
  });

  it('purges only after the word is typed, then shows the report', async () => {
    const purge = vi.fn<Backend['purge']>().mockResolvedValue({ cases: 2, documents: 0, tombstones: 1 });
    const retentionPreview = vi
      .fn<Backend['retentionPreview']>()
      .mockResolvedValueOnce(preview)
      .mockResolvedValueOnce(nothing);
    setBackend(fakeBackend({ retentionPolicy: () => Promise.resolve(preview.policy), retentionPreview, purge }));
    render(AdminRetention);

    const table = await screen.findByRole('table');
    expect(table.textContent).toMatch(/KLP-01-2015-0007.*KLP-01-2016-0002/);
    expect(screen.getByText(/Cases closed on or before/).textContent).toMatch(/: 2 cases$/);
    expect(retentionPreview).toHaveBeenCalledWith(today());

    const button = screen.getByRole('button', { name: 'Purge now' }) as HTMLButtonElement;
    const word = screen.getByLabelText('Type PURGE to confirm');
    expect(button.disabled).toBe(true);
    await fireEvent.input(word, { target: { value: 'PURG' } });
    expect(button.disabled).toBe(true);
    await fireEvent.submit(button.form!);
    expect(purge).not.toHaveBeenCalled();

    await fireEvent.input(word, { target: { value: ' purge ' } });
    expect(button.disabled).toBe(false);
    await fireEvent.click(button);
    await vi.waitFor(() => expect(purge).toHaveBeenCalledWith(today()));
    const result = await screen.findByText(/^✓ Purged/);
    expect(result.textContent).toMatch(/Purged\. Cases: 2 cases\. Documents: 0 documents\./);
    expect(result.textContent).toMatch(/told to remove 1 case it received/);
    expect(await screen.findByText('Nothing to purge today.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Purge now' })).toBeNull();
  });

  it('asks for the word of the chosen language', async () => {
    setLanguage('lt');
    const purge = vi.fn<Backend['purge']>();
    setBackend(
      fakeBackend({
        retentionPolicy: () => Promise.resolve(preview.policy),
        retentionPreview: () => Promise.resolve(preview),
        purge,
      }),
    );
    render(AdminRetention);
    const word = await screen.findByLabelText('Patvirtinkite įvesdami IŠTRINTI');
    const button = screen.getByRole('button', { name: 'Ištrinti dabar' }) as HTMLButtonElement;
    await fireEvent.input(word, { target: { value: 'PURGE' } });
    expect(button.disabled).toBe(true);
    await fireEvent.input(word, { target: { value: 'ištrinti' } });
    expect(button.disabled).toBe(false);
  });
});
