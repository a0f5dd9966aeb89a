// Sync → This centre's computers: the folder is remembered through the core, "Sync now"
// says the result in words, a missing folder (the stick not plugged in) says what to do,
// and each computer's state is shown.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Computers from './Computers.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { PeersOverview } from '../../lib/bindings/PeersOverview';
import type { SyncResult } from '../../lib/bindings/SyncResult';
import { peerSync } from '../../lib/peers.svelte';

const base: PeersOverview = {
  this_computer: { name: 'desk A', fingerprint: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF' },
  computers: [
    {
      installation: {
        install_id: 'b',
        name: 'laptop B',
        fingerprint: '1111-2222-3333-4444-5555-6666',
        this_computer: false,
        removed_at: null,
        last_sent_at: null,
        last_received_at: null,
        pending_changes: 7,
        exports_to_coordinator: false,
      },
      added_at: '2026-12-01T09:00:00Z',
    },
  ],
  folder: null,
  folder_reachable: false,
  last_sync: null,
  reviews: 0,
};

const result = (over: Partial<SyncResult>): SyncResult => ({
  at: '2026-12-07T02:30:00Z',
  automatic: false,
  outcome: 'done',
  folder: '/media/stick',
  applied: 2,
  skipped: 0,
  refused: [],
  written: 1,
  reviews: 0,
  error: null,
  ...over,
});

describe('Sync → This centre’s computers', () => {
  afterEach(() => {
    cleanup();
    peerSync.clear();
  });

  it('remembers the folder, syncs now and says what happened, with each computer’s state', async () => {
    const setPeersFolder = vi.fn<Backend['setPeersFolder']>().mockResolvedValue('/media/stick');
    const peersSync = vi.fn<Backend['peersSync']>().mockResolvedValue(result({ reviews: 1 }));
    const peersOverview = vi
      .fn<Backend['peersOverview']>()
      .mockResolvedValueOnce(base)
      .mockResolvedValue({ ...base, folder: '/media/stick', folder_reachable: true, reviews: 1 });
    setBackend(
      fakeBackend({ peersOverview, setPeersFolder, peersSync, peerReviewCases: () => Promise.resolve(['case-1']) }),
    );
    render(Computers);
    expect(await screen.findByText('This computer has not synced yet.')).toBeTruthy();
    const row = screen.getByText('laptop B').closest('tr')!;
    expect(row.querySelector('.peer-pending')!.textContent).toBe('7');
    expect(row.querySelector('.peer-received')!.textContent).toBe('never');
    await fireEvent.input(screen.getByLabelText('Shared folder'), { target: { value: '/media/stick' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Remember this folder' }));
    await vi.waitFor(() => expect(setPeersFolder).toHaveBeenCalledWith('/media/stick'));
    await fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await vi.waitFor(() => expect(peersSync).toHaveBeenCalledWith(false));
    const said = await screen.findByText(/files from other computers applied: 2; files written for them: 1/);
    expect(said.textContent).toMatch(/\(Sync now\)/);
    expect(screen.getByText(/waiting for a person's choice: 1/)).toBeTruthy();
    expect([...peerSync.reviewCases]).toEqual(['case-1']);
  });

  it('a missing folder is a status that says what to do, not an error', async () => {
    const peersOverview = vi.fn<Backend['peersOverview']>().mockResolvedValue({ ...base, folder: '/media/stick' });
    const peersSync = vi
      .fn<Backend['peersSync']>()
      .mockResolvedValue(result({ outcome: 'folder_missing', applied: 0, written: 0 }));
    setBackend(fakeBackend({ peersOverview, peersSync, peerReviewCases: () => Promise.resolve([]) }));
    render(Computers);
    await fireEvent.click(await screen.findByRole('button', { name: 'Sync now' }));
    const said = await screen.findByText(/the folder \/media\/stick cannot be reached\. Plug in the USB stick/);
    expect(said.classList.contains('error')).toBe(false);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a refused file is listed with the reason', async () => {
    const refused = result({ refused: [['atrama-peer-x.atrsync', 'the file is damaged; ask for it again']] });
    setBackend(
      fakeBackend({ peersOverview: () => Promise.resolve({ ...base, folder: '/media/stick', last_sync: refused }) }),
    );
    render(Computers);
    expect(await screen.findByText(/the file is damaged; ask for it again/)).toBeTruthy();
    expect(screen.getByText('atrama-peer-x.atrsync')).toBeTruthy();
  });

  it('a computer that is not one of several says where an administrator adds computers', async () => {
    setBackend(fakeBackend({ peersOverview: () => Promise.resolve({ ...base, this_computer: null, computers: [] }) }));
    render(Computers);
    expect(await screen.findByText(/Administration → Computers/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sync now' })).toBeNull();
  });
});
