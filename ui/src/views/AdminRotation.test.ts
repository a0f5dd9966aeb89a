// Key rotation: nothing starts without confirmation; the bar and its words follow the
// progress the core reports; the result says what was done.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import AdminRotation from './AdminRotation.svelte';
import { setBackend, type Backend } from '../lib/backend';
import { fakeBackend } from '../lib/backend/testing';
import type { RotationProgress } from '../lib/bindings/RotationProgress';
import type { RotationReport } from '../lib/bindings/RotationReport';

describe('AdminRotation', () => {
  afterEach(() => cleanup());

  it('shows the progress as it comes, then the result', async () => {
    let report: (r: RotationReport) => void = () => {};
    let progress: (p: RotationProgress) => void = () => {};
    const rotateKey = vi.fn<Backend['rotateKey']>().mockImplementation((onProgress) => {
      progress = onProgress;
      return new Promise((resolve) => (report = resolve));
    });
    setBackend(fakeBackend({ rotateKey }));
    render(AdminRotation);

    await fireEvent.click(screen.getByRole('button', { name: 'Rotate the key' }));
    expect(rotateKey).not.toHaveBeenCalled();
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toMatch(/make a new backup/);
    await fireEvent.click(dialog.querySelector('#rotate-confirm')!);
    expect(rotateKey).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect((screen.getByRole('button', { name: 'Rotate the key' }) as HTMLButtonElement).disabled).toBe(true);

    progress({ phase: 'copying', pages_done: 50, pages_total: 200 });
    await vi.waitFor(() => expect(screen.getByRole('progressbar').getAttribute('value')).toBe('25'));
    expect(document.getElementById('rotation-progress-text')!.textContent).toBe(
      'Re-encrypting the store: 50 of 200 pages (25 %)',
    );

    progress({ phase: 'resealing', pages_done: 200, pages_total: 200 });
    await vi.waitFor(() =>
      expect(document.getElementById('rotation-progress-text')!.textContent).toBe(
        'Sealing the new key for each person… (100 %)',
      ),
    );
    progress({ phase: 'done', pages_done: 200, pages_total: 200 });
    report({ pages: 200, slots: 3 });

    expect((await screen.findByText(/The key was rotated/)).textContent).toBe(
      '✓ The key was rotated. Re-encrypted: 200 pages. Resealed: 3 key slots.',
    );
    expect(document.getElementById('rotation-progress-text')!.textContent).toBe('Done (100 %)');
    expect((screen.getByRole('button', { name: 'Rotate the key' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('says why a rotation was refused', async () => {
    setBackend(
      fakeBackend({
        rotateKey: () =>
          Promise.reject({
            code: 'not_allowed',
            message: 'only a centre administrator may rotate the database key; ask the centre administrator',
          }),
      }),
    );
    render(AdminRotation);
    await fireEvent.click(screen.getByRole('button', { name: 'Rotate the key' }));
    await fireEvent.click(document.getElementById('rotate-confirm')!);
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /only a centre administrator may rotate the database key/,
    );
    expect(document.getElementById('rotation-result')).toBeNull();
  });
});
