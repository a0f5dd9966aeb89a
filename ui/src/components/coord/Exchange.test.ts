// Component tests of Coordination → Exchange files against a test double of the backend (the
// coordination e2e test drives the real app and core): DHIS2 and ADX need a mapping file,
// SDMX-CSV does not; the choices reach the core as typed; what was written is said with its
// variant; the Parquet datasets go to the folder chosen, for the years typed or every year.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Exchange from './Exchange.svelte';
import { setBackend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { ExchangeRequest } from '../../lib/bindings/ExchangeRequest';
import type { ExchangeSummary } from '../../lib/bindings/ExchangeSummary';

afterEach(() => cleanup());

const summary = (request: ExchangeRequest): ExchangeSummary => ({
  file: `/tmp/out/atrama-koord-2026-10-2026-10-${request.variant}.dhis2.json`,
  format: request.format,
  variant: request.variant,
  from: '2026-10',
  to: '2026-10',
  period_type: 'monthly',
  centres: 3,
  values: 1234,
  hidden: request.variant === 'published' ? 56 : 0,
  skipped: 0,
  bytes: 1000,
});

describe('exchange files', () => {
  it('needs a mapping for DHIS2 but not for SDMX-CSV, and sends the choices as typed', async () => {
    const warehouseExport = vi.fn(async (request: ExchangeRequest) => summary(request));
    setBackend(fakeBackend({ warehouseExport }));
    render(Exchange);
    const run = screen.getByRole('button', { name: 'Write the file' }) as HTMLButtonElement;
    await fireEvent.input(screen.getByLabelText('Period'), { target: { value: '2026-10' } });
    await fireEvent.input(screen.getByLabelText('Folder to write into'), { target: { value: '/tmp/out' } });
    expect(run.disabled).toBe(true);
    await fireEvent.change(screen.getByLabelText('Format'), { target: { value: 'sdmx-csv' } });
    expect(run.disabled).toBe(false);
    await fireEvent.change(screen.getByLabelText('Format'), { target: { value: 'dhis2-json' } });
    expect(run.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Mapping file'), { target: { value: '/tmp/mapping.json' } });
    expect(run.disabled).toBe(false);
    await fireEvent.click(run);
    expect(warehouseExport).toHaveBeenCalledWith(
      { format: 'dhis2-json', variant: 'exact', period: '2026-10' },
      '/tmp/mapping.json',
      '/tmp/out',
    );
    expect((await screen.findByRole('status')).textContent).toMatch(/values: 1,234, centres: 3/);
    expect(screen.getByText(/Exact counts: keep this file/)).toBeTruthy();

    await fireEvent.change(screen.getByLabelText('Figures'), { target: { value: 'published' } });
    await fireEvent.click(run);
    expect(await screen.findByText(/Published variant: 56 figures hidden/)).toBeTruthy();
    expect(screen.queryByText(/Exact counts: keep this file/)).toBeNull();
  });

  it('writes the Parquet datasets into the chosen folder, for the years typed or every year', async () => {
    const warehouseExportParquet = vi.fn(async (outDir: string) => ({
      out_dir: outDir,
      written: 12,
      unchanged: 3,
      removed: 1,
      rows: 4567,
      bytes: 9000,
      written_paths: [],
    }));
    setBackend(fakeBackend({ warehouseExportParquet }));
    render(Exchange);
    const run = screen.getByRole('button', { name: 'Write the Parquet files' }) as HTMLButtonElement;
    expect(run.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Folder for the Parquet files'), { target: { value: '/tmp/pq' } });
    await fireEvent.click(run);
    expect(warehouseExportParquet).toHaveBeenLastCalledWith('/tmp/pq', null);
    expect((await screen.findByText(/Files written: 12; unchanged: 3; removed: 1/)).textContent).toMatch(/4,567/);
    await fireEvent.input(screen.getByLabelText('Years'), { target: { value: ' 2024..2026 ' } });
    await fireEvent.click(run);
    expect(warehouseExportParquet).toHaveBeenLastCalledWith('/tmp/pq', '2024..2026');
  });
});
