// Staff: disabling asks first and explains the key slot, then suggests a key rotation;
// re-enabling needs the new passphrase twice; one's own account offers no Disable.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import AdminStaff from './AdminStaff.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import type { StaffMember } from '../lib/bindings/StaffMember';
import { nav } from '../lib/nav.svelte';
import { permissions } from '../lib/permissions.svelte';
import { session } from '../lib/session.svelte';

const ona: StaffMember = {
  username: 'ona',
  role: 'administrator',
  disciplines: [],
  disabled: false,
  has_key_slot: true,
};
const tomas: StaffMember = {
  username: 'tomas',
  role: 'counsellor',
  disciplines: [],
  disabled: false,
  has_key_slot: true,
};
const tomasOff: StaffMember = { ...tomas, disabled: true, has_key_slot: false };

describe('AdminStaff', () => {
  beforeEach(() => {
    session.set({
      phase: 'unlocked',
      user: 'ona',
      centre: { code: 'KLP-01', name: 'Centre', country: 'LT', language: 'en', mode: 'centre' },
    });
    permissions.held = ['manage_staff', 'rotate_key'];
    nav.reset();
  });
  afterEach(() => {
    cleanup();
    permissions.clear();
  });

  it('disables after confirmation and suggests rotating the key', async () => {
    const staff = vi.fn<Backend['staff']>().mockResolvedValueOnce([ona, tomas]).mockResolvedValueOnce([ona, tomasOff]);
    const disableStaff = vi.fn<Backend['disableStaff']>().mockResolvedValue();
    setBackend(fakeBackend({ staff, disableStaff }));
    render(AdminStaff);

    const own = await screen.findByText('ona');
    expect(within(own.closest('tr')!).queryByRole('button', { name: 'Disable' })).toBeNull();
    const row = screen.getByText('tomas').closest('tr')!;
    expect(row.textContent).toMatch(/✓ Active/);
    await fireEvent.click(within(row).getByRole('button', { name: 'Disable' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toMatch(/their key slot is removed/);
    expect(disableStaff).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Disable' }));

    await vi.waitFor(() => expect(disableStaff).toHaveBeenCalledWith('tomas'));
    const notice = await screen.findByRole('status');
    expect(notice.textContent).toMatch(/The account of tomas is disabled/);
    await vi.waitFor(() => expect(screen.getByText('tomas').closest('tr')!.textContent).toMatch(/⊘ Disabled\s*No/));
    await fireEvent.click(within(notice).getByRole('button', { name: 'Go to key rotation' }));
    expect(nav.route).toEqual({ name: 'admin', tab: 'rotation' });
  });

  it('re-enables with a new passphrase typed twice', async () => {
    const enableStaff = vi.fn<Backend['enableStaff']>().mockResolvedValue();
    setBackend(fakeBackend({ staff: () => Promise.resolve([ona, tomasOff]), enableStaff }));
    render(AdminStaff);
    const row = (await screen.findByText('tomas')).closest('tr')!;
    await fireEvent.click(within(row).getByRole('button', { name: 'Re-enable' }));
    const dialog = screen.getByRole('dialog');
    await fireEvent.input(within(dialog).getByLabelText('New passphrase'), {
      target: { value: 'a brand new passphrase' },
    });
    await fireEvent.input(within(dialog).getByLabelText('Passphrase again'), {
      target: { value: 'a brand new passphrase!' },
    });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Re-enable' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('The two passphrases differ.');
    expect(enableStaff).not.toHaveBeenCalled();
    await fireEvent.input(within(dialog).getByLabelText('Passphrase again'), {
      target: { value: 'a brand new passphrase' },
    });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Re-enable' }));
    await vi.waitFor(() => expect(enableStaff).toHaveBeenCalledWith('tomas', 'a brand new passphrase'));
    expect((await screen.findByRole('status')).textContent).toMatch(/The account of tomas is active again/);
  });
});
