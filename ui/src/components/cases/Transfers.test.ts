// Case transfer: offered to those who may export, refused by the core without consent (its
// message shown), and for a case that arrived, the sending centre's work as history.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Transfers from './Transfers.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import { codes } from '../../lib/codes.svelte';
import { permissions } from '../../lib/permissions.svelte';
import { catalogue, detail } from '../../test/fixtures';
import { peerSync } from '../../test/sync';
import type { CaseTransfer } from '../../lib/bindings/CaseTransfer';

const lie = peerSync({ peer: { ...peerSync().peer, centre_code: 'LIE-01', name: 'Liepājas centrs', mode: 'centre' } });

describe('Transfers', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(catalogue) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => {
    cleanup();
    permissions.clear();
  });

  it('transfers to an enrolled centre, showing the core refusal first', async () => {
    permissions.held = ['export_bundles'];
    const d = detail();
    let transfers: CaseTransfer[] = [];
    const transferCase = vi
      .fn<Backend['transferCase']>()
      .mockRejectedValueOnce({ code: 'invalid_input', message: 'the client has not consented to the transfer' })
      .mockImplementationOnce(async (_c, to, path) => {
        transfers = [
          {
            direction: 'out',
            peer_centre: to,
            peer_name: 'Liepājas centrs',
            from_case_number: d.case.case_number,
            at: '2026-11-26T10:00:00Z',
            by: 'ona',
            bundle_id: 'b1',
            history: null,
          },
        ];
        return { to, bundle_id: 'b1', file_hash: 'f'.repeat(64), size: 4096, path, documents: 0 };
      });
    const onchanged = vi.fn();
    setBackend(
      fakeBackend({
        caseTransfers: () => Promise.resolve(transfers),
        // The coordination centre is not offered as a destination.
        syncStatus: () => Promise.resolve([peerSync(), lie]),
        transferCase,
      }),
    );
    render(Transfers, { detail: d, onchanged });
    expect(await screen.findByText('This case has not been transferred.')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Transfer this case…' }));
    expect(screen.getByText(/consent to the transfer is not recorded/)).toBeTruthy();
    const to = screen.getByLabelText('Receiving centre') as HTMLSelectElement;
    await vi.waitFor(() => expect(to.value).toBe('LIE-01'));
    expect([...to.options].map((o) => o.value)).toEqual(['LIE-01']);
    await fireEvent.input(screen.getByLabelText('Save the sealed file as'), {
      target: { value: '/media/usb/case.atrama' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Seal and transfer' }));
    expect((await screen.findByRole('alert')).textContent).toBe('the client has not consented to the transfer');
    expect(onchanged).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Seal and transfer' }));
    expect((await screen.findByRole('status')).textContent).toMatch(
      /Sealed for LIE-01 in \/media\/usb\/case.atrama \(4,096 bytes\)/,
    );
    expect(transferCase).toHaveBeenLastCalledWith(d.case.id, 'LIE-01', '/media/usb/case.atrama');
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(await screen.findByText(/Transferred to LIE-01 — Liepājas centrs/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Transfer this case…' })).toBeNull();
  });

  it('is not offered without the permission', async () => {
    setBackend(fakeBackend({ caseTransfers: () => Promise.resolve([]) }));
    render(Transfers, { detail: detail(), onchanged: () => {} });
    await screen.findByText('This case has not been transferred.');
    expect(screen.queryByRole('button', { name: 'Transfer this case…' })).toBeNull();
  });

  it('shows what the sending centre did as history', async () => {
    const transfers: CaseTransfer[] = [
      {
        direction: 'in',
        peer_centre: 'KLP-01',
        peer_name: 'Klaipėdos centras',
        from_case_number: 'KLP-01-2026-0042',
        at: '2026-11-26T10:00:00Z',
        by: 'ona',
        bundle_id: 'b1',
        history: {
          opened_on: '2026-03-02',
          referral_source: 'police',
          police_notified_on: '2026-03-01',
          service_contacts: [
            {
              on_date: '2026-03-04',
              discipline: 'social_work',
              mode: 'in_person',
              minutes: 50,
              is_group: false,
              staff: null,
            },
            {
              on_date: '2026-03-10',
              discipline: 'social_work',
              mode: 'phone',
              minutes: 20,
              is_group: false,
              staff: null,
            },
          ],
          referrals: [],
          risk_assessments: [
            { instrument_id: 'atrama-spj', instrument_version: 1, assessed_on: '2026-03-05', final_band: 'high' },
          ],
          status_events: [],
          consents: [],
        },
      },
    ];
    setBackend(fakeBackend({ caseTransfers: () => Promise.resolve(transfers) }));
    render(Transfers, { detail: detail(), onchanged: () => {} });
    expect(
      await screen.findByText(/Transferred from KLP-01 — Klaipėdos centras \(their case KLP-01-2026-0042\)/),
    ).toBeTruthy();
    const table = document.getElementById('transfer-contacts') as HTMLElement;
    expect(table.textContent).toMatch(/Service contacts there: 2/);
    expect(table.querySelectorAll('tbody tr').length).toBe(2);
    expect(document.getElementById('transfer-risk')?.textContent).toMatch(/atrama-spj: high/);
  });
});
