// The Administration entry is offered only to those the core grants an administration
// permission, and opens on the first tab they may use; the backup reminder shows on the
// home screen when the core says a verified backup is due.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Workspace from './Workspace.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import type { Permission } from '../lib/bindings/Permission';
import { catalogue } from '../test/fixtures';

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
    workQueues: (today) =>
      Promise.resolve({
        today,
        my_open_cases: [],
        follow_ups_due: [],
        police_to_contact: [],
        safety_plan_reviews: [],
        conference_follow_ups: [],
        recently_opened: [],
      }),
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
    expect(tabs).toEqual(['Backups']);
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
    ]);
    expect(screen.getByRole('tab', { selected: true }).textContent).toBe('Staff');
  });
});
