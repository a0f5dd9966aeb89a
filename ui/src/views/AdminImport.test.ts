// Administration → Import records, a workbook of several sheets: the screen says which sheet
// was read, offers the others (with their non-empty rows) to read instead, and names the
// sheets holding rows that the dry run did not read. The core picks and reads the sheet
// (tests/it/sheets_hostile.rs); this screen sends the choice and shows what came back.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import AdminImport from './AdminImport.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import type { DryRun } from '../lib/bindings/DryRun';
import type { ReadOptions } from '../lib/bindings/ReadOptions';
import type { SheetPreview } from '../lib/bindings/SheetPreview';
import type { SheetSummary } from '../lib/bindings/SheetSummary';

const SHEETS: SheetSummary[] = [
  { name: 'Sąrašai', rows: 4, hidden: true },
  { name: '2024', rows: 4, hidden: false },
  { name: 'Tuščias', rows: 0, hidden: false },
  { name: '2023', rows: 3, hidden: false },
];

const preview = (sheet: string): SheetPreview => ({
  format: 'XLSX',
  sheet,
  sheets: SHEETS,
  unread_sheets: 'not read',
  header_row: 1,
  headers: ['Vardas', 'Pavardė'],
  suggestions: ['given_name', 'family_name'],
  sample: [],
});

const dryRun = (sheet: string): DryRun => ({
  format: 'XLSX',
  sheet,
  sheets: SHEETS,
  unread_sheets: 'not read',
  sha256: 'abc',
  rows: sheet === '2023' ? 2 : 3,
  rows_ready: sheet === '2023' ? 2 : 3,
  rows_with_problems: 0,
  blank_rows: 0,
  total_rows: [],
  problems: [],
  unknown_values: [],
  will_create: { clients: 2, cases: 2, incidents: 0, children: 0 },
  duplicates: [],
});

describe('AdminImport', () => {
  afterEach(cleanup);

  it('reads the sheet chosen and names the sheets holding rows that were not read', async () => {
    const sheetPreview = vi
      .fn<Backend['sheetPreview']>()
      .mockImplementation((_path, read: ReadOptions) => Promise.resolve(preview(read.sheet ?? '2024')));
    const sheetDryRun = vi
      .fn<Backend['sheetDryRun']>()
      .mockImplementation((_path, read: ReadOptions) => Promise.resolve(dryRun(read.sheet ?? '2024')));
    setBackend(
      fakeBackend({
        sheetPreview,
        sheetDryRun,
        sheetBatches: () => Promise.resolve([]),
        sheetMappings: () => Promise.resolve([]),
      }),
    );
    render(AdminImport);
    await fireEvent.input(screen.getByLabelText('File (full path)'), { target: { value: '/home/ona/years.xlsx' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Read the file' }));
    // The first read leaves the sheet to the core, which picked '2024'.
    await vi.waitFor(() => expect(sheetPreview).toHaveBeenCalledTimes(1));
    expect(sheetPreview.mock.calls[0]![1].sheet).toBeNull();
    expect(await screen.findByText(/Read sheet “2024” as XLSX/)).toBeTruthy();
    const select = screen.getByLabelText('Sheet to read') as HTMLSelectElement;
    expect(select.value).toBe('2024');
    expect([...select.options].map((o) => o.textContent)).toEqual([
      'Sąrašai (hidden; non-empty rows: 4)',
      '2024 (non-empty rows: 4)',
      'Tuščias (non-empty rows: 0)',
      '2023 (non-empty rows: 3)',
    ]);
    const notRead = 'Not read: Sąrašai (hidden; non-empty rows: 4), 2023 (non-empty rows: 3). These sheets hold rows';
    expect(document.querySelector('#sheet-unread-preview')!.textContent).toContain(notRead);
    // The dry run of that sheet names the others.
    await fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    await vi.waitFor(() => expect(document.querySelector('#sheet-unread')).not.toBeNull());
    expect(document.querySelector('#sheet-unread')!.textContent).toContain(notRead);
    // Another sheet chosen: read again with its name, the dry run gone until run again,
    // then run on that sheet.
    await fireEvent.change(select, { target: { value: '2023' } });
    await vi.waitFor(() => expect(sheetPreview).toHaveBeenCalledTimes(2));
    expect(sheetPreview.mock.calls[1]![1].sheet).toBe('2023');
    expect(await screen.findByText(/Read sheet “2023” as XLSX/)).toBeTruthy();
    expect(document.querySelector('#sheet-unread')).toBeNull();
    expect(document.querySelector('#sheet-unread-preview')!.textContent).toContain(
      'Not read: Sąrašai (hidden; non-empty rows: 4), 2024 (non-empty rows: 4).',
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    await vi.waitFor(() => expect(sheetDryRun).toHaveBeenCalledTimes(2));
    expect(sheetDryRun.mock.calls[1]![1].sheet).toBe('2023');
  });
});
