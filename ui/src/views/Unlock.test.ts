// Component test of the unlock screen against a test double of the backend. (End-to-end
// tests in tests/e2e drive the real app against the real core.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Unlock from './Unlock.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { session } from '../lib/session.svelte';

function withUnlock(unlock: Backend['unlock']): Backend {
  return fakeBackend({ unlock });
}

describe('Unlock', () => {
  beforeEach(() => session.set({ phase: 'locked' }));
  afterEach(() => cleanup());

  it('shows the core error and clears the passphrase on a wrong passphrase', async () => {
    const unlock = vi.fn<Backend['unlock']>().mockRejectedValue({
      code: 'wrong_passphrase',
      message: "wrong passphrase for user 'ona'",
    });
    setBackend(withUnlock(unlock));
    render(Unlock);
    await fireEvent.input(screen.getByLabelText('User name'), { target: { value: 'ona' } });
    const pass = screen.getByLabelText('Passphrase') as HTMLInputElement;
    await fireEvent.input(pass, { target: { value: 'not it at all' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', "wrong passphrase for user 'ona'");
    expect(unlock).toHaveBeenCalledWith('ona', 'not it at all');
    expect(pass.value).toBe('');
    expect(session.phase).toEqual({ phase: 'locked' });
  });

  it('focuses the user field when shown, and never takes focus back later', async () => {
    setBackend(withUnlock(vi.fn<Backend['unlock']>()));
    render(Unlock);
    const user = screen.getByLabelText('User name');
    expect(document.activeElement).toBe(user);
    const pass = screen.getByLabelText('Passphrase') as HTMLInputElement;
    pass.focus();
    // A late rendering pass (the cause of a cold-start race with the autofocus attribute).
    await new Promise((r) => setTimeout(r, 50));
    expect(document.activeElement).toBe(pass);
    expect(user.hasAttribute('autofocus')).toBe(false);
  });

  it('moves the session to the phase the core returns', async () => {
    const unlocked = {
      phase: 'unlocked' as const,
      user: 'ona',
      centre: {
        code: 'KLP-01',
        name: 'Centre',
        country: 'LT' as const,
        language: 'lt' as const,
        mode: 'centre' as const,
      },
    };
    setBackend(withUnlock(vi.fn<Backend['unlock']>().mockResolvedValue(unlocked)));
    render(Unlock);
    await fireEvent.input(screen.getByLabelText('User name'), { target: { value: 'ona' } });
    await fireEvent.input(screen.getByLabelText('Passphrase'), { target: { value: 'the right one' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await vi.waitFor(() => expect(session.phase).toEqual(unlocked));
  });
});
