// Component tests of the sync screens against a test double of the backend (end-to-end tests
// in tests/e2e drive the real app and core): the fingerprint shown in groups, enrolment only
// on a matching fingerprint, the export preview and what stays, per-file import results.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import Identity from './Identity.svelte';
import Partners from './Partners.svelte';
import ExportPanel from './ExportPanel.svelte';
import ImportPanel from './ImportPanel.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import { centreProfile, exportPreview, importSummary, peerSync } from '../../test/sync';
import type { ImportEvent } from '../../lib/bindings/ImportEvent';

afterEach(() => cleanup());

describe('Identity', () => {
  it('shows the fingerprint in six groups and saves the enrolment file to the typed path', async () => {
    const saveEnrolmentFile = vi
      .fn<Backend['saveEnrolmentFile']>()
      .mockResolvedValue({ path: '/tmp/KLP-01.enrol', size: 612 });
    setBackend(
      fakeBackend({
        syncIdentity: () => Promise.resolve({ hex: 'ab'.repeat(32), short: '7QK2-M9TD-AB12-CD34-EF56-GH78' }),
        saveEnrolmentFile,
      }),
    );
    render(Identity, { centre: centreProfile });
    const fp = await screen.findByLabelText('Fingerprint');
    expect([...fp.querySelectorAll('span')].map((s) => s.textContent)).toEqual([
      '7QK2',
      'M9TD',
      'AB12',
      'CD34',
      'EF56',
      'GH78',
    ]);
    const save = screen.getByRole('button', { name: 'Save enrolment file' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Save the enrolment file as'), {
      target: { value: '/tmp/KLP-01.enrol' },
    });
    await fireEvent.click(save);
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Saved to /tmp/KLP-01.enrol (612 bytes).');
    expect(saveEnrolmentFile).toHaveBeenCalledWith('/tmp/KLP-01.enrol');
  });

  it('fills the path from the save dialog, suggesting the centre code as the name', async () => {
    const chooseSaveFile = vi.fn<Backend['chooseSaveFile']>().mockResolvedValue('/home/ona/KLP-01.enrol');
    setBackend(fakeBackend({ syncIdentity: () => new Promise(() => {}), chooseSaveFile }));
    render(Identity, { centre: centreProfile });
    await fireEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    await vi.waitFor(() =>
      expect((screen.getByLabelText('Save the enrolment file as') as HTMLInputElement).value).toBe(
        '/home/ona/KLP-01.enrol',
      ),
    );
    expect(chooseSaveFile).toHaveBeenCalledWith('enrolment', 'KLP-01.enrol');
  });
});

describe('Partners', () => {
  it('shows what the file says, refuses a wrong fingerprint with the core message, then enrols', async () => {
    let status = [] as ReturnType<typeof peerSync>[];
    const enrol = vi
      .fn<Backend['enrol']>()
      .mockRejectedValueOnce({ code: 'invalid_input', message: 'the fingerprint does not match this enrolment file' })
      .mockImplementationOnce(async () => {
        status = [
          peerSync({
            last_sent_sequence: 2,
            last_confirmed_sequence: 1,
            last_confirmed_at: '2026-11-21T09:00:00Z',
            unconfirmed_bundles: 1,
            missing_sequences: [3],
          }),
        ];
        return status[0]!.peer;
      });
    setBackend(
      fakeBackend({
        syncStatus: () => Promise.resolve(status),
        inspectEnrolment: (path) =>
          path === '/tmp/koord.enrol'
            ? Promise.resolve({
                centre_code: 'KOORD',
                name: 'Coordination centre',
                country: 'LT',
                mode: 'coordinator',
                fingerprint: { hex: 'ab', short: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF' },
              })
            : Promise.reject({ code: 'invalid_input', message: 'no' }),
        enrol,
      }),
    );
    render(Partners, { centre: centreProfile });
    expect(await screen.findByText('Nobody is enrolled yet.')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Enrolment file'), { target: { value: '/tmp/koord.enrol' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Read the file' }));
    const info = await screen.findByText('The file says');
    const box = info.closest('div') as HTMLElement;
    expect(within(box).getByText('KOORD — Coordination centre')).toBeTruthy();
    expect(within(box).getByText('Coordination centre', { selector: 'dd' })).toBeTruthy();
    // The fingerprint in the file is not shown for copying: it must come from the phone call.
    expect(box.textContent).not.toContain('AAAA-BBBB');

    const input = screen.getByLabelText('Fingerprint as read to you over the phone');
    await fireEvent.input(input, { target: { value: 'zzzz zzzz zzzz zzzz zzzz zzzz' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByText('the fingerprint does not match this enrolment file')).toBeTruthy();
    expect(screen.getByText('Nobody is enrolled yet.')).toBeTruthy();

    await fireEvent.input(input, { target: { value: 'aaaa bbbb cccc dddd eeee ffff' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByText('Enrolled: KOORD — Coordination centre.')).toBeTruthy();
    expect(enrol).toHaveBeenLastCalledWith('/tmp/koord.enrol', 'aaaa bbbb cccc dddd eeee ffff');
    const row = (await screen.findByText('KOORD')).closest('tr') as HTMLElement;
    expect(row.querySelector('.peer-confirmed')?.textContent).toMatch(/Up to bundle #1/);
    expect(row.querySelector('.peer-sent')?.textContent).toMatch(/#2.*Not yet confirmed: 1/s);
    expect(row.querySelector('.peer-gaps')?.textContent).toMatch(/Missing: #3/);
  });
});

describe('ExportPanel', () => {
  it('previews counts, what stays and why, then saves and shows name, size and hash', async () => {
    const exportBundle = vi.fn<Backend['exportBundle']>().mockImplementation(async (_to, path) => ({
      preview: exportPreview(),
      bundle_id: 'id',
      file_hash: 'f'.repeat(64),
      size: 40960,
      path,
    }));
    setBackend(
      fakeBackend({
        syncStatus: () => Promise.resolve([peerSync()]),
        exportPreview: (to) => (to === 'KOORD' ? Promise.resolve(exportPreview()) : Promise.reject(new Error(to))),
        exportBundle,
      }),
    );
    render(ExportPanel, { centre: centreProfile });
    await vi.waitFor(() => expect((screen.getByLabelText('Recipient') as HTMLSelectElement).value).toBe('KOORD'));
    await fireEvent.click(screen.getByRole('button', { name: 'Show what would be exported' }));
    const counts = await screen.findByRole('table');
    const client = within(counts).getByText('Clients').closest('tr') as HTMLElement;
    expect(client.textContent).toMatch(/12/);
    expect(client.textContent).toMatch(/given_name, family_name, phone/);
    expect(screen.getByText(/Records in this bundle: 44/)).toBeTruthy();
    expect(screen.getByText(/not consented to statistics from pseudonymised records: 5/)).toBeTruthy();
    expect(screen.getByText(/Notes, documents and drafts never leave/)).toBeTruthy();
    expect(screen.getByText(/consent was withdrawn.*: 1/)).toBeTruthy();

    await fireEvent.input(screen.getByLabelText('Period from (YYYY-MM)'), { target: { value: '2026-09' } });
    await fireEvent.input(screen.getByLabelText('Period until (YYYY-MM)'), { target: { value: '2026-11' } });
    await fireEvent.input(screen.getByLabelText('Save the bundle as'), {
      target: { value: '/tmp/out/KLP-01-to-KOORD-0003.atrama' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Save bundle' }));
    const report = await screen.findByRole('status');
    expect(within(report).getByText('KLP-01-to-KOORD-0003.atrama')).toBeTruthy();
    expect(within(report).getByText('40,960 bytes')).toBeTruthy();
    expect(within(report).getByText('f'.repeat(64))).toBeTruthy();
    expect(exportBundle).toHaveBeenCalledWith('KOORD', '/tmp/out/KLP-01-to-KOORD-0003.atrama', '2026-09', '2026-11');
  });

  it('shows the core error of a refused export (e.g. a wrong period)', async () => {
    setBackend(
      fakeBackend({
        syncStatus: () => Promise.resolve([peerSync()]),
        exportPreview: () => Promise.resolve(exportPreview()),
        exportBundle: () =>
          Promise.reject({
            code: 'invalid_input',
            message: "'2026-13' is not a month; write it as YYYY-MM, e.g. 2026-10",
          }),
      }),
    );
    render(ExportPanel, { centre: centreProfile });
    await vi.waitFor(() => expect((screen.getByLabelText('Recipient') as HTMLSelectElement).value).toBe('KOORD'));
    await fireEvent.click(screen.getByRole('button', { name: 'Show what would be exported' }));
    await fireEvent.input(await screen.findByLabelText('Save the bundle as'), { target: { value: '/tmp/x.atrama' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save bundle' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/is not a month/);
  });
});

describe('ImportPanel', () => {
  it('lists the files, shows each result as the core reports it, and reloads the history', async () => {
    let emit: (e: ImportEvent) => void = () => {};
    let resolve: (v: Awaited<ReturnType<Backend['importBundles']>>) => void = () => {};
    const importBundles = vi.fn<Backend['importBundles']>().mockImplementation((_paths, _dry, onProgress) => {
      emit = onProgress;
      return new Promise((r) => (resolve = r));
    });
    const importHistory = vi.fn<Backend['importHistory']>().mockResolvedValue([]);
    setBackend(
      fakeBackend({
        importBundles,
        importHistory,
        chooseFiles: () => Promise.resolve(['/b/bad.atrama', '/b/good.atrama']),
      }),
    );
    render(ImportPanel);
    await fireEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    await screen.findByText('bad.atrama');
    await fireEvent.input(screen.getByLabelText('Bundle files'), { target: { value: '/b/good.atrama' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await fireEvent.input(screen.getByLabelText('Bundle files'), { target: { value: '/b/again.atrama' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    const rows = () => [...document.querySelectorAll('#sync-import-files tbody tr')] as HTMLElement[];
    expect(rows().map((r) => r.dataset.file)).toEqual(['bad.atrama', 'good.atrama', 'again.atrama']);

    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(importBundles).toHaveBeenCalledWith(
      ['/b/bad.atrama', '/b/good.atrama', '/b/again.atrama'],
      false,
      expect.any(Function),
    );
    emit({ event: 'started', index: 0, total: 3, file_name: 'bad.atrama' });
    const bad = {
      path: '/b/bad.atrama',
      file_name: 'bad.atrama',
      summary: null,
      refused: {
        code: 'bundle_damaged' as const,
        message: 'the bundle is damaged or was changed on the way; ask the sender to export it again',
      },
    };
    emit({ event: 'finished', index: 0, total: 3, result: bad });
    emit({ event: 'started', index: 1, total: 3, file_name: 'good.atrama' });
    await vi.waitFor(() => expect(screen.getByRole('status').textContent).toBe('Files done: 1 of 3'));
    expect(rows()[0]!.textContent).toMatch(/Refused: the file is damaged or was changed on the way.*ask the sender/s);
    expect(rows()[1]!.textContent).toMatch(/Checking and applying/);
    expect(rows()[2]!.textContent).toMatch(/Waiting/);

    const good = {
      path: '/b/good.atrama',
      file_name: 'good.atrama',
      refused: null,
      summary: importSummary({ notes: ['bundle 3 of KLP-01 arrived but number 2 before it did not (yet)'] }),
    };
    const again = {
      path: '/b/again.atrama',
      file_name: 'again.atrama',
      refused: null,
      summary: importSummary({ outcome: 'already_applied' }),
    };
    importHistory.mockResolvedValue([
      {
        at: '2026-11-22T10:00:00Z',
        user: 'ona',
        file_name: 'good.atrama',
        outcome: 'applied',
        summary: JSON.stringify(good.summary),
      },
    ]);
    resolve([bad, good, again]);
    await vi.waitFor(() => expect(rows()[2]!.textContent).toMatch(/Already imported \(KLP-01 #1\)/));
    expect(rows()[1]!.textContent).toMatch(/Imported from KLP-01 #1 — new or updated records: 8, unchanged: 2/);
    expect(rows()[1]!.textContent).toMatch(/Note: bundle 3 of KLP-01 arrived/);
    expect(screen.queryByRole('status')).toBeNull();
    const history = await screen.findByText('Import history');
    const table = history.parentElement?.querySelector('table') as HTMLElement;
    await vi.waitFor(() => expect(table?.textContent ?? '').toMatch(/good\.atrama.*Imported.*KLP-01 #1.*records: 8/s));
  });

  it('passes the dry run through', async () => {
    const importBundles = vi
      .fn<Backend['importBundles']>()
      .mockResolvedValue([
        { path: '/b/x.atrama', file_name: 'x.atrama', refused: null, summary: importSummary({ outcome: 'dry_run' }) },
      ]);
    setBackend(fakeBackend({ importBundles, importHistory: () => Promise.resolve([]) }));
    render(ImportPanel);
    await fireEvent.input(screen.getByLabelText('Bundle files'), { target: { value: '/b/x.atrama' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await fireEvent.click(screen.getByLabelText('Dry run: check and count, change nothing'));
    await fireEvent.click(screen.getByRole('button', { name: 'Check (dry run)' }));
    expect(importBundles).toHaveBeenCalledWith(['/b/x.atrama'], true, expect.any(Function));
    expect(await screen.findByText(/Dry run for KLP-01 #1, nothing changed — would import: 8/)).toBeTruthy();
  });
});

describe('Sharing level', () => {
  it('sets the level agreed with the coordination centre, and shows a refusal from the core', async () => {
    let level: 'pseudonymised' | 'statistics' = 'pseudonymised';
    const setSharing = vi
      .fn<Backend['setSharing']>()
      .mockImplementationOnce(async (_to, l) => {
        level = l;
      })
      .mockRejectedValueOnce({ code: 'not_allowed', message: 'only an administrator or coordinator may do this' });
    setBackend(fakeBackend({ syncStatus: () => Promise.resolve([peerSync({ sharing: level })]), setSharing }));
    render(Partners, { centre: centreProfile });
    const select = (await screen.findByLabelText('Sharing level')) as HTMLSelectElement;
    expect(select.value).toBe('pseudonymised');
    await fireEvent.change(select, { target: { value: 'statistics' } });
    expect(await screen.findByText('Sharing level saved: Statistics only (monthly tables)')).toBeTruthy();
    expect(setSharing).toHaveBeenCalledWith('KOORD', 'statistics');
    await vi.waitFor(() =>
      expect((screen.getByLabelText('Sharing level') as HTMLSelectElement).value).toBe('statistics'),
    );
    await fireEvent.change(screen.getByLabelText('Sharing level'), { target: { value: 'pseudonymised' } });
    expect((await screen.findByRole('alert')).textContent).toBe('only an administrator or coordinator may do this');
    // The store kept the level it had.
    await vi.waitFor(() =>
      expect((screen.getByLabelText('Sharing level') as HTMLSelectElement).value).toBe('statistics'),
    );
  });

  it('is not offered at a coordination centre', async () => {
    setBackend(
      fakeBackend({
        syncStatus: () =>
          Promise.resolve([peerSync({ peer: { ...peerSync().peer, mode: 'centre', centre_code: 'KLP-01' } })]),
      }),
    );
    render(Partners, { centre: { ...centreProfile, code: 'KOORD', mode: 'coordinator' } });
    await screen.findByText('KLP-01');
    expect(screen.queryByLabelText('Sharing level')).toBeNull();
  });

  it('previews a statistics-only bundle as counts with no records', async () => {
    setBackend(
      fakeBackend({
        syncStatus: () => Promise.resolve([peerSync({ sharing: 'statistics' })]),
        exportPreview: () =>
          Promise.resolve(
            exportPreview({
              sharing: 'statistics',
              counts: { monthly_counts: 812 },
              fields: { monthly_counts: ['month', 'part', 'code', 'value'] },
              withdrawn: 0,
              cases_without_consent: 0,
            }),
          ),
      }),
    );
    render(ExportPanel, { centre: centreProfile });
    await vi.waitFor(() => expect((screen.getByLabelText('Recipient') as HTMLSelectElement).value).toBe('KOORD'));
    await fireEvent.click(screen.getByRole('button', { name: 'Show what would be exported' }));
    expect(await screen.findByText('Monthly table counts in this bundle: 812')).toBeTruthy();
    expect(screen.getByText(/no case record leaves the centre/)).toBeTruthy();
    expect(screen.queryByText(/Records in this bundle/)).toBeNull();
  });

  it('reports the months a statistics bundle set, and cases removed or purged', async () => {
    const summary = importSummary({
      tables: { monthly_counts: { new: 10, updated: 2, unchanged: 3, rejected: 0 } },
      withdrawn: 7,
      purged: 2,
    });
    setBackend(
      fakeBackend({
        importBundles: () => Promise.resolve([{ path: '/b/s.atrama', file_name: 's.atrama', refused: null, summary }]),
        importHistory: () => Promise.resolve([]),
      }),
    );
    render(ImportPanel);
    await fireEvent.input(screen.getByLabelText('Bundle files'), { target: { value: '/b/s.atrama' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    const row = () => document.querySelector('#sync-import-files tbody tr') as HTMLElement;
    await vi.waitFor(() => expect(row().textContent).toMatch(/new or updated records: 0, unchanged: 0/));
    expect(row().textContent).toMatch(
      /Monthly tables applied for months: 12; months left because a newer bundle set them: 3/,
    );
    expect(row().textContent).toMatch(/Cases removed .*: 7/);
    expect(row().textContent).toMatch(/retention policy .*: 2/);
  });
});
