// Component test of the unlock screen against a test double of the backend. (End-to-end
// tests in tests/e2e drive the real app against the real core.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import Unlock from './Unlock.svelte';
import App from '../App.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { session } from '../lib/session.svelte';
import { prefs } from '../lib/prefs.svelte';

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

  it('keeps the focus and the typing where they are while the core, the shell and the window report in', async () => {
    // What can arrive while someone types on the unlock screen: the core's phase again (a
    // new object), the shell saying it locked the store itself, a language change, the
    // window losing and regaining focus. None may remount the screen or move the focus
    // (issue 27.6: the end of a passphrase typed into the visible user field).
    let shellLocked = () => {};
    setBackend(
      fakeBackend({
        appPhase: () => Promise.resolve({ phase: 'locked' }),
        onSystemSleep: (_sleeping, locked) => {
          shellLocked = locked;
          return Promise.resolve(() => {});
        },
        setWindowTitle: (title) => Promise.resolve(title || 'Atrama'),
      }),
    );
    render(App);
    const user = (await screen.findByLabelText('User name')) as HTMLInputElement;
    await vi.waitFor(() => expect(document.activeElement).toBe(user));
    await fireEvent.input(user, { target: { value: 'ona' } });
    const pass = screen.getByLabelText('Passphrase') as HTMLInputElement;
    pass.focus();
    await fireEvent.input(pass, { target: { value: 'šviesa lan' } });

    await session.refresh();
    shellLocked();
    prefs.setLanguage('lt');
    prefs.setLanguage('en');
    window.dispatchEvent(new FocusEvent('blur'));
    window.dispatchEvent(new FocusEvent('focus'));
    await tick();
    await new Promise((r) => setTimeout(r, 50));

    expect(screen.getByLabelText('User name')).toBe(user);
    expect(screen.getByLabelText('Passphrase')).toBe(pass);
    expect(document.activeElement).toBe(pass);
    expect(user.value).toBe('ona');
    expect(pass.value).toBe('šviesa lan');
  });
});
