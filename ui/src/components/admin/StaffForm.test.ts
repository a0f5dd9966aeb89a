// Adding a colleague: the two passphrases must match before the core is asked, disciplines
// go only with a counsellor, and the core's own refusal (e.g. a passphrase too short, the
// same rule as at setup) is shown as it says it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import StaffForm from './StaffForm.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import { codes } from '../../lib/codes.svelte';
import { catalogue } from '../../test/fixtures';

const disciplines = {
  ...catalogue,
  lists: {
    ...catalogue.lists,
    service_discipline: [
      { code: 'social_work', label: 'Social work' },
      { code: 'legal', label: 'Legal counselling' },
    ],
  },
};

async function fill(user: string, pass: string, again: string) {
  await fireEvent.input(screen.getByLabelText('User name'), { target: { value: user } });
  await fireEvent.input(screen.getByLabelText('Initial passphrase'), { target: { value: pass } });
  await fireEvent.input(screen.getByLabelText('Passphrase again'), { target: { value: again } });
}

describe('StaffForm', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(disciplines) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => cleanup());

  it('does not ask the core while the two passphrases differ', async () => {
    const addStaff = vi.fn<Backend['addStaff']>().mockResolvedValue();
    const onadded = vi.fn();
    setBackend(fakeBackend({ addStaff }));
    render(StaffForm, { onadded });
    await fill('tomas', 'a long enough passphrase', 'a long enough passphrasE');
    expect(screen.getByLabelText('Passphrase again').getAttribute('aria-invalid')).toBe('true');
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The two passphrases differ.');
    expect(addStaff).not.toHaveBeenCalled();
    expect(onadded).not.toHaveBeenCalled();
  });

  it('sends the disciplines of a counsellor, and none for another role', async () => {
    const addStaff = vi.fn<Backend['addStaff']>().mockResolvedValue();
    const onadded = vi.fn();
    setBackend(fakeBackend({ addStaff }));
    render(StaffForm, { onadded });
    await fill(' Tomas ', 'a long enough passphrase', 'a long enough passphrase');
    await fireEvent.click(screen.getByLabelText('Legal counselling'));
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await vi.waitFor(() => expect(onadded).toHaveBeenCalledWith('Tomas'));
    expect(addStaff).toHaveBeenCalledWith('Tomas', 'counsellor', ['legal'], 'a long enough passphrase');

    await fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'coordinator' } });
    expect(screen.queryByText('Disciplines')).toBeNull();
    await fill('rasa', 'another long passphrase', 'another long passphrase');
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await vi.waitFor(() => expect(addStaff).toHaveBeenCalledTimes(2));
    expect(addStaff).toHaveBeenLastCalledWith('rasa', 'coordinator', [], 'another long passphrase');
  });

  it('shows the core refusing a weak passphrase, and keeps the form', async () => {
    const addStaff = vi.fn<Backend['addStaff']>().mockRejectedValue({
      code: 'invalid_input',
      message: 'the passphrase is too short (5 characters); use at least 10, for example a few words only you know',
    });
    const onadded = vi.fn();
    setBackend(fakeBackend({ addStaff }));
    render(StaffForm, { onadded });
    await fill('tomas', 'short', 'short');
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^the passphrase is too short \(5 characters\)/);
    expect(onadded).not.toHaveBeenCalled();
    expect((screen.getByLabelText('User name') as HTMLInputElement).value).toBe('tomas');
  });
});
