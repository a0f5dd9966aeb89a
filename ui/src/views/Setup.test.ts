// Component test of the Setup screen's "use an existing store" choice against a test double
// of the backend (the end-to-end smoke test drives the real app and core).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Setup from './Setup.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { session } from '../lib/session.svelte';

describe('Setup: an existing store folder', () => {
  beforeEach(() => session.set({ phase: 'setup' }));
  afterEach(() => cleanup());

  it('fills the path from the folder dialog and moves on to unlocking', async () => {
    const chooseFolder = vi.fn<Backend['chooseFolder']>().mockResolvedValue('/home/ona/restored');
    const useExistingStore = vi.fn<Backend['useExistingStore']>().mockResolvedValue({ phase: 'locked' });
    setBackend(fakeBackend({ chooseFolder, useExistingStore }));
    render(Setup);
    const use = screen.getByRole('button', { name: 'Use this store' }) as HTMLButtonElement;
    expect(use.disabled).toBe(true);
    await fireEvent.click(document.getElementById('setup-existing-path-choose')!);
    const field = (await screen.findByDisplayValue('/home/ona/restored')) as HTMLInputElement;
    expect(field.id).toBe('setup-existing-path');
    await fireEvent.click(use);
    await vi.waitFor(() => expect(session.phase).toEqual({ phase: 'locked' }));
    expect(useExistingStore).toHaveBeenCalledWith('/home/ona/restored');
  });

  it('shows the core refusal and stays on Setup', async () => {
    const useExistingStore = vi.fn<Backend['useExistingStore']>().mockRejectedValue({
      code: 'invalid_input',
      message:
        '/tmp/x does not hold an Atrama store (keyslots.json and atrama.db); choose the folder a backup was restored into',
    });
    setBackend(fakeBackend({ useExistingStore }));
    render(Setup);
    await fireEvent.input(screen.getByLabelText('Store folder'), { target: { value: '/tmp/x' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use this store' }));
    expect((await screen.findByRole('alert')).textContent).toContain('does not hold an Atrama store');
    expect(session.phase).toEqual({ phase: 'setup' });
  });
});
