// The case header shows the pseudonym; the real name only after "Show name".
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import CaseView from './CaseView.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { codes } from '../lib/codes.svelte';
import { nav } from '../lib/nav.svelte';
import { catalogue, detail } from '../test/fixtures';

describe('CaseView', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(catalogue) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => cleanup());

  it('asks the core for the name only when shown', async () => {
    const d = detail();
    nav.openCase(d.case.id);
    const clientIdentity = vi.fn<Backend['clientIdentity']>().mockResolvedValue({
      given_name: 'Žydrūnė',
      family_name: 'Šimkutė',
      phone: '+370 612 98765',
      address: null,
    });
    setBackend(
      fakeBackend({ caseDetail: () => Promise.resolve(d), latestRisk: () => Promise.resolve(null), clientIdentity }),
    );
    render(CaseView, { caseId: d.case.id, ownCentre: 'KLP-01' });
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('Gintarė-7');
    expect(document.body.textContent).not.toMatch(/Šimkutė/);
    expect(clientIdentity).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Show name' }));
    expect((await screen.findByText('Žydrūnė Šimkutė')).textContent).toBe('Žydrūnė Šimkutė');
    expect(clientIdentity).toHaveBeenCalledWith(d.client.id);
    await fireEvent.click(screen.getByRole('button', { name: 'Hide name' }));
    expect(document.body.textContent).not.toMatch(/Šimkutė/);
  });

  it('logs a service contact dated today and reloads the case', async () => {
    const d = detail();
    nav.openCase(d.case.id);
    const logServiceContact = vi.fn<Backend['logServiceContact']>().mockResolvedValue('sc1');
    const caseDetail = vi.fn<Backend['caseDetail']>().mockResolvedValue(d);
    setBackend(fakeBackend({ caseDetail, latestRisk: () => Promise.resolve(null), logServiceContact }));
    render(CaseView, { caseId: d.case.id, ownCentre: 'KLP-01' });
    await fireEvent.click(await screen.findByRole('button', { name: 'Log a service contact' }));
    await fireEvent.change(screen.getByLabelText('Discipline'), { target: { value: 'social_work' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(logServiceContact).toHaveBeenCalled());
    const [caseId, fields] = logServiceContact.mock.calls[0]!;
    expect(caseId).toBe(d.case.id);
    const now = new Date();
    const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
    expect(fields).toMatchObject({ on_date: today, discipline: 'social_work', minutes: 60 });
    expect(await screen.findByText('Service contact saved.')).toBeTruthy();
    expect(caseDetail).toHaveBeenCalledTimes(2);
  });

  it('corrects a service contact from the Services section and shows its history', async () => {
    const meta = { owner_centre: 'KLP-01', version: '1', created_at: '2026-11-20T10:00:00Z', created_by: 'ona' };
    const first = {
      id: '01900000-0000-7000-8000-00000005c001',
      supersedes: null,
      fields: {
        on_date: '2026-11-20',
        discipline: 'social_work',
        mode: 'phone',
        minutes: 30,
        is_group: false,
        staff: 'ona',
      },
      meta,
    };
    const fixed = {
      ...first,
      id: '01900000-0000-7000-8000-00000005c002',
      supersedes: first.id,
      fields: { ...first.fields, minutes: 45 },
    };
    const before = { ...detail(), service_contacts: [first] };
    const after = { ...detail(), service_contacts: [fixed] };
    nav.openCase(before.case.id, 'services');
    const caseDetail = vi.fn<Backend['caseDetail']>().mockResolvedValueOnce(before).mockResolvedValue(after);
    const correctServiceContact = vi.fn<Backend['correctServiceContact']>().mockResolvedValue(fixed.id);
    const recordHistory = vi
      .fn<Backend['recordHistory']>()
      .mockResolvedValue({ kind: 'service_contact', versions: [fixed, first] });
    const logServiceContact = vi.fn<Backend['logServiceContact']>();
    setBackend(
      fakeBackend({
        caseDetail,
        latestRisk: () => Promise.resolve(null),
        correctServiceContact,
        recordHistory,
        logServiceContact,
      }),
    );
    render(CaseView, { caseId: before.case.id, ownCentre: 'KLP-01' });
    await fireEvent.click(await screen.findByRole('button', { name: 'Correct' }));
    expect(screen.getByRole('dialog', { name: 'Correct the service contact' })).toBeTruthy();
    const minutes = screen.getByLabelText('Minutes') as HTMLInputElement;
    expect(minutes.value).toBe('30');
    await fireEvent.input(minutes, { target: { value: '45' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Service contact corrected.')).toBeTruthy();
    expect(correctServiceContact).toHaveBeenCalledWith(first.id, { ...first.fields, minutes: 45 });
    expect(logServiceContact).not.toHaveBeenCalled();
    // The case is read again: the row is the new version, marked corrected.
    expect(await screen.findByText('corrected')).toBeTruthy();
    expect(document.querySelector('#contacts-table tbody')!.textContent).toContain('45 minutes');
    await fireEvent.click(screen.getByRole('button', { name: 'History' }));
    const versions = await screen.findByRole('list', { name: 'Versions, newest first' });
    expect(recordHistory).toHaveBeenCalledWith({ kind: 'service_contact', id: fixed.id });
    expect([...versions.querySelectorAll('li')].map((li) => li.textContent!.includes('45 minutes'))).toEqual([
      true,
      false,
    ]);
    expect(versions.querySelectorAll('li')[1]!.textContent).toContain('30 minutes');
  });

  it('shows the latest risk band in the header, and says when judgement set it', async () => {
    const d = detail();
    nav.openCase(d.case.id);
    setBackend(
      fakeBackend({
        caseDetail: () => Promise.resolve(d),
        latestRisk: () =>
          Promise.resolve({
            assessed_on: '2026-11-02',
            instrument_id: 'atrama-spj',
            instrument_version: 1,
            final_band: 'high',
            final_band_label: { en: 'High', lt: 'Didelė' },
            level: 2,
            levels: 3,
            overridden: true,
          }),
      }),
    );
    render(CaseView, { caseId: d.case.id, ownCentre: 'KLP-01' });
    const badge = await screen.findByText(/Risk: High/);
    expect(badge.textContent).toMatch(/Risk: High \(2 Nov 2026\).*by judgement/s);
    expect(badge.className).toContain('risk-level-2');
  });

  it('offers no Reopen for a case sent to another centre, but does for one closed as transferred by hand', async () => {
    const sent = { ...detail() };
    sent.case = { ...sent.case, status: 'transferred', closure_reason: 'transferred' };
    nav.openCase(sent.case.id);
    const transfer = {
      direction: 'out',
      peer_centre: 'LIE-01',
      peer_name: 'Liepāja',
      from_case_number: sent.case.case_number,
      at: '2026-11-20T10:00:00Z',
      by: 'ona',
      bundle_id: 'b1',
      history: null,
    };
    const caseTransfers = vi.fn<Backend['caseTransfers']>().mockResolvedValue([transfer]);
    setBackend(
      fakeBackend({ caseDetail: () => Promise.resolve(sent), latestRisk: () => Promise.resolve(null), caseTransfers }),
    );
    render(CaseView, { caseId: sent.case.id, ownCentre: 'KLP-01' });
    expect((await screen.findByText(/Transferred to LIE-01: it is that centre’s case now/)).id).toBe(
      'transferred-here',
    );
    expect(screen.queryByRole('button', { name: 'Reopen case' })).toBeNull();
    cleanup();

    caseTransfers.mockResolvedValue([]);
    render(CaseView, { caseId: sent.case.id, ownCentre: 'KLP-01' });
    expect(await screen.findByRole('button', { name: 'Reopen case' })).toBeTruthy();
    expect(document.getElementById('transferred-here')).toBeNull();
  });

  it("shows another centre's case read-only, says whose it is and offers no action", async () => {
    const d = detail();
    const replica = { ...d, case: { ...d.case, meta: { ...d.case.meta, owner_centre: 'LIE-01' } } };
    nav.openCase(d.case.id, 'notes');
    const clientIdentity = vi.fn<Backend['clientIdentity']>();
    setBackend(
      fakeBackend({
        caseDetail: () => Promise.resolve(replica),
        latestRisk: () => Promise.resolve(null),
        clientIdentity,
      }),
    );
    render(CaseView, { caseId: d.case.id, ownCentre: 'KLP-COORD' });
    expect((await screen.findByRole('note')).textContent).toContain('LIE-01');
    for (const name of ['Log a service contact', 'Edit case', 'Close case', 'Show name', 'Edit client details']) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
    // Notes never leave their centre: no such tab here, and the overview is shown instead.
    expect(screen.queryByRole('tab', { name: /Notes/ })).toBeNull();
    expect(screen.getByRole('tab', { selected: true }).id).toBe('tab-overview');
    expect(clientIdentity).not.toHaveBeenCalled();
  });
});
