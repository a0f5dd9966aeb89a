// The Administration entry is offered only to those the core grants an administration
// permission, and opens on the first tab they may use; the backup reminder shows on the
// home screen when the core says a verified backup is due.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Workspace from './Workspace.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import type { Permission } from '../lib/bindings/Permission';
import { catalogue } from '../test/fixtures';
import { peerSync } from '../lib/peers.svelte';

const centre = {
  code: 'KLP-01',
  name: 'Centre',
  country: 'LT' as const,
  language: 'en' as const,
  mode: 'centre' as const,
};

function backendFor(held: Permission[], extra: Partial<Backend> = {}): Backend {
  return fakeBackend({
    permissions: () => Promise.resolve(held),
    codeLists: () => Promise.resolve(catalogue),
    todayCounts: (today) =>
      Promise.resolve({
        today,
        police: 0,
        appointments: 0,
        appointments_today: 0,
        follow_ups: 0,
        plan_reviews: 0,
        order_expiries: 0,
        conferences: 0,
        my_open_cases: 0,
      }),
    todayPage: (_today, queue, _sort, _descending, offset) => Promise.resolve({ queue, total: 0, offset, items: [] }),
    calendar: () => Promise.resolve([]),
    drafts: () => Promise.resolve([]),
    ...extra,
  });
}

describe('Workspace navigation', () => {
  afterEach(() => cleanup());

  it('offers no Administration to a counsellor', async () => {
    setBackend(backendFor([]));
    render(Workspace, { centre, user: 'tomas' });
    await screen.findByText('You have no open cases.');
    expect(screen.queryByRole('button', { name: 'Administration' })).toBeNull();
    expect(document.getElementById('backup-reminder')).toBeNull();
  });

  it('offers a coordinator only the tabs the core grants', async () => {
    setBackend(
      backendFor(['export_bundles', 'import_bundles', 'enrol_peers', 'import_instrument_pack', 'backup'], {
        backupStatus: () =>
          Promise.resolve({ last_backup_at: null, last_verified_at: null, reminder_days: 30, due: false }),
      }),
    );
    render(Workspace, { centre, user: 'rasa' });
    await fireEvent.click(await screen.findByRole('button', { name: 'Administration' }));
    const tabs = screen.getAllByRole('tab').map((t) => t.textContent);
    // Enrolling computers of the centre is the core's `enrol_peers`, which this role holds.
    expect(tabs).toEqual(['Backups', 'Computers']);
    expect((await screen.findByText('Last verified backup')).tagName).toBe('DT');
  });

  it('shows an administrator every tab, and the reminder when a backup is due', async () => {
    setBackend(
      backendFor(
        [
          'manage_staff',
          'export_bundles',
          'import_bundles',
          'enrol_peers',
          'import_instrument_pack',
          'purge',
          'backup',
          'rotate_key',
          'read_access_log',
        ],
        {
          backupStatus: () =>
            Promise.resolve({
              last_backup_at: '2026-09-01T10:00:00Z',
              last_verified_at: '2026-09-01T10:00:00Z',
              reminder_days: 30,
              due: true,
            }),
          staff: () => Promise.resolve([]),
        },
      ),
    );
    render(Workspace, { centre, user: 'ona' });
    const reminder = await screen.findByText(/A backup is due/);
    expect(reminder.closest('#backup-reminder')!.textContent).toMatch(/from 1 Sept 2026, is more than 30 days old/);
    await fireEvent.click(screen.getByRole('button', { name: 'Administration' }));
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual([
      'Staff',
      'Key rotation',
      'Access log',
      'Backups',
      'Retention',
      'Import records',
      'Computers',
    ]);
    expect(screen.getByRole('tab', { selected: true }).textContent).toBe('Staff');
  });

  it('syncs with the centre’s other computers by itself at unlock, quietly when it cannot', async () => {
    const peersSync = vi.fn<Backend['peersSync']>().mockResolvedValue({
      at: '2026-12-07T02:00:00Z',
      automatic: true,
      outcome: 'folder_missing',
      folder: '/media/stick',
      applied: 0,
      skipped: 0,
      refused: [],
      written: 0,
      reviews: 0,
      error: null,
    });
    setBackend(backendFor([], { peersSync, peerReviewCases: () => Promise.resolve([]) }));
    render(Workspace, { centre, user: 'tomas' });
    await screen.findByText('You have no open cases.');
    expect(peersSync).toHaveBeenCalledWith(true);
    await vi.waitFor(() => expect(peerSync.last?.outcome).toBe('folder_missing'));
    // A missing folder is a status kept for the Sync screen, not an alert on the work screen.
    expect(screen.queryByRole('alert')).toBeNull();
    cleanup();
    peerSync.clear();

    // The core refusing (the store locked meanwhile) is quiet too.
    const refused = vi.fn<Backend['peersSync']>().mockRejectedValue({ code: 'locked', message: 'the store is locked' });
    setBackend(backendFor([], { peersSync: refused }));
    render(Workspace, { centre, user: 'tomas' });
    await screen.findByText('You have no open cases.');
    await vi.waitFor(() => expect(refused).toHaveBeenCalledWith(true));
    expect(peerSync.error).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
