// "Verify the chain" shows the count, or the core's error naming the broken entry.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import VerifyChain from './VerifyChain.svelte';
import { setBackend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';

describe('VerifyChain', () => {
  afterEach(() => cleanup());

  it('shows how many entries were checked', async () => {
    setBackend(fakeBackend({ verifyAccessLog: () => Promise.resolve(1234) }));
    render(VerifyChain);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify the chain' }));
    expect((await screen.findByRole('status')).textContent).toBe('✓ The chain is intact: 1,234 entries checked.');
  });

  it('names the broken entry', async () => {
    const message =
      'the access log was altered: entry 4 was removed; keep this store as evidence and compare it with a backup';
    setBackend(fakeBackend({ verifyAccessLog: () => Promise.reject({ code: 'access_log_altered', message }) }));
    render(VerifyChain);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify the chain' }));
    expect((await screen.findByRole('alert')).textContent).toBe(`✗ The chain is broken: ${message}`);
  });
});
