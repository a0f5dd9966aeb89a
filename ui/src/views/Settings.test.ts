// Component test of Settings' discreet window title against a test double of the backend.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import Settings from './Settings.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import { prefs } from '../lib/prefs.svelte';

function backendWith(setWindowTitle: Backend['setWindowTitle']): Backend {
  return fakeBackend({
    setWindowTitle,
    instruments: () => Promise.resolve([]),
    permissions: () => Promise.resolve([]),
  });
}

describe('Settings: window title', () => {
  beforeEach(() => {
    localStorage.clear();
    prefs.load();
    document.title = 'Atrama';
  });
  afterEach(() => cleanup());

  it('sets the discreet name through the core and keeps it for the next start', async () => {
    const setWindowTitle = vi.fn<Backend['setWindowTitle']>((t) => Promise.resolve(t.trim() || 'Atrama'));
    setBackend(backendWith(setWindowTitle));
    render(Settings);
    const field = screen.getByLabelText('Window title') as HTMLInputElement;
    await fireEvent.change(field, { target: { value: ' Notes ' } });
    await screen.findByText('Window title changed.');
    expect(setWindowTitle).toHaveBeenCalledWith(' Notes ');
    expect(document.title).toBe('Notes');
    prefs.load();
    expect(prefs.discreetName).toBe('Notes');
  });

  it('shows the core refusal and keeps the previous name', async () => {
    prefs.setDiscreetName('Notes');
    setBackend(
      backendWith(() => Promise.reject({ code: 'invalid_input', message: 'a window title has at most 60 characters' })),
    );
    render(Settings);
    const field = screen.getByLabelText('Window title') as HTMLInputElement;
    await fireEvent.change(field, { target: { value: 'x'.repeat(61) } });
    expect((await screen.findByRole('alert')).textContent).toContain('at most 60 characters');
    prefs.load();
    expect(prefs.discreetName).toBe('Notes');
    expect(document.title).toBe('Atrama');
  });
});

describe('Settings: neutral window icon', () => {
  beforeEach(() => {
    localStorage.clear();
    prefs.load();
  });
  afterEach(() => cleanup());

  it('sets the icon through the core and keeps the choice for the next start', async () => {
    const setWindowIcon = vi.fn<Backend['setWindowIcon']>().mockResolvedValue(undefined);
    setBackend(
      fakeBackend({ setWindowIcon, instruments: () => Promise.resolve([]), permissions: () => Promise.resolve([]) }),
    );
    render(Settings);
    const box = screen.getByLabelText('Neutral window icon') as HTMLInputElement;
    expect(box.checked).toBe(false);
    await fireEvent.click(box);
    await vi.waitFor(() => expect(setWindowIcon).toHaveBeenCalledWith(true));
    await vi.waitFor(() => expect(prefs.neutralIcon).toBe(true));
    prefs.load();
    expect(prefs.neutralIcon).toBe(true);
  });

  it('leaves the box as it was when the core refuses', async () => {
    setBackend(
      fakeBackend({
        setWindowIcon: () => Promise.reject({ code: 'internal', message: 'could not set the window icon: no window' }),
        instruments: () => Promise.resolve([]),
        permissions: () => Promise.resolve([]),
      }),
    );
    render(Settings);
    const box = screen.getByLabelText('Neutral window icon') as HTMLInputElement;
    await fireEvent.click(box);
    expect((await screen.findByRole('alert')).textContent).toContain('could not set the window icon');
    expect(box.checked).toBe(false);
    expect(prefs.neutralIcon).toBe(false);
  });
});
