// "Changed on two computers" on the case page: every value with its computer and time, the
// one in force marked, safety-critical fields marked, and a choice goes to the core's
// resolve with the version of the value kept.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import PeerReview from './PeerReview.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { CaseReview } from '../../lib/bindings/CaseReview';

const reviews: CaseReview[] = [
  {
    table: 'client',
    record_id: 'cl-1',
    field: 'address',
    safety_critical: true,
    values: [
      {
        value: 'Address from B',
        version: '200',
        computer: 'laptop B',
        by: 'tomas',
        at: '2026-12-07T01:00:00Z',
        current: true,
      },
      {
        value: 'Address from A',
        version: '100',
        computer: 'desk A',
        by: 'ona',
        at: '2026-12-07T00:59:00Z',
        current: false,
      },
    ],
  },
  {
    table: 'case_file',
    record_id: 'cs-1',
    field: 'referral_source',
    safety_critical: false,
    values: [
      { value: 'ngo', version: '201', computer: 'laptop B', by: null, at: '2026-12-07T01:00:00Z', current: true },
      { value: null, version: '101', computer: 'desk A', by: null, at: '2026-12-07T00:59:00Z', current: false },
    ],
  },
];

describe('PeerReview', () => {
  afterEach(cleanup);

  it('shows both values with computer and time, safety-critical marked, and keeps the chosen one', async () => {
    const resolvePeerReview = vi.fn<Backend['resolvePeerReview']>().mockResolvedValue();
    const onresolved = vi.fn();
    setBackend(fakeBackend({ resolvePeerReview }));
    render(PeerReview, { reviews, onresolved });
    const fields = screen.getAllByRole('group');
    expect(fields.map((f) => f.querySelector('legend')!.textContent!.trim())).toEqual([
      expect.stringMatching(/^Client: Address\s+Safety-critical$/),
      'Case: Referral source',
    ]);
    const address = within(fields[0]!);
    expect(address.getByText('Address from B').closest('li')!.textContent).toMatch(
      /tomas, laptop B.*\(in force now\)/s,
    );
    expect(address.getByText('Address from A').closest('li')!.textContent).toMatch(/ona, desk A/);
    expect(address.getByText('Address from A').closest('li')!.textContent).not.toMatch(/in force now/);
    expect(within(fields[1]!).getByText('(empty)')).toBeTruthy();
    await fireEvent.click(address.getByRole('button', { name: 'Keep this value: Address from A (desk A)' }));
    await vi.waitFor(() => expect(resolvePeerReview).toHaveBeenCalledWith('client', 'cl-1', 'address', '100'));
    expect(onresolved).toHaveBeenCalled();
  });

  it('shows the core’s refusal (someone resolved it already) and does not report success', async () => {
    const resolvePeerReview = vi
      .fn<Backend['resolvePeerReview']>()
      .mockRejectedValue({ code: 'invalid_input', message: 'this field is not in review; reload the case' });
    const onresolved = vi.fn();
    setBackend(fakeBackend({ resolvePeerReview }));
    render(PeerReview, { reviews, onresolved });
    await fireEvent.click(screen.getAllByRole('button', { name: /^Keep this value/ })[0]!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/not in review/);
    expect(onresolved).not.toHaveBeenCalled();
  });
});
