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

describe("Setup: join this centre's computers", () => {
  beforeEach(() => session.set({ phase: 'setup' }));
  afterEach(() => cleanup());

  it('joins from the file with the recovery key, shows the fingerprint, saves the enrolment file, finishes', async () => {
    const chooseFiles = vi.fn<Backend['chooseFiles']>().mockResolvedValue(['/media/stick/atrama-join']);
    const joinCentre = vi
      .fn<Backend['joinCentre']>()
      .mockRejectedValueOnce({ code: 'wrong_recovery_key', message: 'the recovery key is wrong; type it again' })
      .mockResolvedValueOnce('AB12-CD34-EF56-GH78-JK90-MN12');
    const chooseSaveFile = vi.fn<Backend['chooseSaveFile']>().mockResolvedValue('/media/stick/computer-laptop-B.enrol');
    const saveJoinEnrolment = vi
      .fn<Backend['saveJoinEnrolment']>()
      .mockResolvedValue({ path: '/media/stick/computer-laptop-B.enrol', size: 300 });
    const finishJoin = vi.fn<Backend['finishJoin']>().mockResolvedValue({ phase: 'locked' });
    setBackend(fakeBackend({ chooseFiles, joinCentre, chooseSaveFile, saveJoinEnrolment, finishJoin }));
    render(Setup);
    const join = screen.getByRole('button', { name: 'Join' }) as HTMLButtonElement;
    expect(join.disabled).toBe(true);
    await fireEvent.click(document.getElementById('setup-join-path-choose')!);
    expect(((await screen.findByDisplayValue('/media/stick/atrama-join')) as HTMLInputElement).id).toBe(
      'setup-join-path',
    );
    expect(chooseFiles).toHaveBeenCalledWith('any', false);
    await fireEvent.input(screen.getByLabelText("The centre's recovery key"), { target: { value: 'WRONG' } });
    await fireEvent.input(screen.getByLabelText('Name of this computer'), { target: { value: 'laptop B' } });
    await fireEvent.click(join);
    expect((await screen.findByRole('alert')).textContent).toContain('the recovery key is wrong');
    expect(screen.queryByText('This computer has joined the centre')).toBeNull();

    await fireEvent.input(screen.getByLabelText("The centre's recovery key"), { target: { value: 'AAAA-BBBB' } });
    await fireEvent.click(join);
    expect(await screen.findByText('This computer has joined the centre')).toBeTruthy();
    expect(joinCentre).toHaveBeenLastCalledWith('/media/stick/atrama-join', 'AAAA-BBBB', 'laptop B');
    const groups = document.getElementById('setup-join-fingerprint')!.querySelectorAll('span');
    expect([...groups].map((g) => g.textContent)).toEqual(['AB12', 'CD34', 'EF56', 'GH78', 'JK90', 'MN12']);
    await fireEvent.click(document.getElementById('setup-join-enrolment-path-choose')!);
    await screen.findByDisplayValue('/media/stick/computer-laptop-B.enrol');
    expect(chooseSaveFile).toHaveBeenCalledWith('enrolment', 'computer-laptop-B.enrol');
    await fireEvent.click(screen.getByRole('button', { name: 'Save the enrolment file' }));
    expect(await screen.findByText(/Saved to \/media\/stick\/computer-laptop-B\.enrol/)).toBeTruthy();
    expect(saveJoinEnrolment).toHaveBeenCalledWith('/media/stick/computer-laptop-B.enrol');
    expect(session.phase).toEqual({ phase: 'setup' });
    await fireEvent.click(screen.getByRole('button', { name: 'Finish' }));
    await vi.waitFor(() => expect(session.phase).toEqual({ phase: 'locked' }));
  });
});
