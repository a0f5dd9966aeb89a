// The shared add/correct form (FormSection) as the Consents section uses it: add a consent,
// keep the form open with the core's refusal, and correct a consent as a new version.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import Consents from './Consents.svelte';
import { openForms } from '../../lib/forms.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { ConsentEvent } from '../../lib/bindings/ConsentEvent';
import { codes } from '../../lib/codes.svelte';
import { catalogue, detail } from '../../test/fixtures';

const lists = {
  ...catalogue,
  lists: {
    ...catalogue.lists,
    consent_purpose: [
      { code: 'services', label: 'Services' },
      { code: 'statistics', label: 'Non-identifiable statistics' },
    ],
    consent_by: [
      { code: 'self', label: 'The client' },
      { code: 'guardian', label: 'A guardian' },
    ],
  },
};

const meta = { owner_centre: 'KLP-01', version: '2', created_at: '2026-11-21T09:00:00Z', created_by: 'ona' };
const given: ConsentEvent = {
  id: '01900000-0000-7000-8000-0000000c0001',
  supersedes: null,
  fields: {
    purpose: 'statistics',
    agency_type: null,
    given: true,
    given_by: 'self',
    on_date: '2026-11-21',
    shared_fields: [],
  },
  meta,
};

describe('Consents (FormSection)', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(lists) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => cleanup());

  it('adds a consent, and closes the form once the core has it', async () => {
    const recordConsent = vi.fn<Backend['recordConsent']>().mockResolvedValue('c2');
    setBackend(fakeBackend({ recordConsent }));
    const onchanged = vi.fn();
    const d = detail();
    render(Consents, { detail: d, onchanged });
    await fireEvent.click(screen.getByRole('button', { name: 'Record a consent' }));
    expect(screen.queryByRole('button', { name: 'Record a consent' })).toBeNull();
    await fireEvent.change(screen.getByLabelText('For'), { target: { value: 'services' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(recordConsent).toHaveBeenCalledWith(
      d.case.id,
      expect.objectContaining({ purpose: 'services', given: true, given_by: 'self', agency_type: null }),
    );
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
  });

  it('shows the core refusal in the form and keeps what was typed', async () => {
    const recordConsent = vi
      .fn<Backend['recordConsent']>()
      .mockRejectedValue({ code: 'invalid', message: 'a consent to a referral names the type of agency it is for' });
    setBackend(fakeBackend({ recordConsent }));
    const onchanged = vi.fn();
    render(Consents, { detail: detail(), onchanged });
    await fireEvent.click(screen.getByRole('button', { name: 'Record a consent' }));
    await fireEvent.change(screen.getByLabelText('For'), { target: { value: 'services' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toContain('names the type of agency');
    expect(onchanged).not.toHaveBeenCalled();
    expect((screen.getByLabelText('For') as HTMLSelectElement).value).toBe('services');
    // Cancel asks first (what was typed is not saved), then closes the form and forgets the error.
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(openForms.asking?.keepable).toBe(false);
    expect(screen.getByRole('button', { name: 'Save' })).toBeTruthy();
    await openForms.answer('discard');
    await tick();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('button', { name: 'Record a consent' })).toBeTruthy();
  });

  it('corrects a consent: the form starts from it and saving sends a new version of it', async () => {
    const correctConsent = vi.fn<Backend['correctConsent']>().mockResolvedValue('c3');
    const recordConsent = vi.fn<Backend['recordConsent']>();
    setBackend(fakeBackend({ correctConsent, recordConsent }));
    const onchanged = vi.fn();
    render(Consents, { detail: { ...detail(), consents: [given] }, onchanged });
    await fireEvent.click(screen.getByRole('button', { name: 'Correct' }));
    expect(screen.getByRole('heading', { name: 'Correct the consent' })).toBeTruthy();
    expect((screen.getByLabelText('For') as HTMLSelectElement).value).toBe('statistics');
    await fireEvent.change(screen.getByLabelText('Given by'), { target: { value: 'guardian' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(correctConsent).toHaveBeenCalledWith(given.id, { ...given.fields, given_by: 'guardian' });
    expect(recordConsent).not.toHaveBeenCalled();
    // The record shown was not changed by typing in the form.
    expect(given.fields.given_by).toBe('self');
  });

  it('marks a corrected consent and shows its versions from the core', async () => {
    const older: ConsentEvent = {
      ...given,
      id: '01900000-0000-7000-8000-0000000c0000',
      fields: { ...given.fields, given_by: 'guardian' },
      meta: { ...meta, created_by: 'tomas' },
    };
    const current: ConsentEvent = { ...given, supersedes: older.id };
    const recordHistory = vi
      .fn<Backend['recordHistory']>()
      .mockResolvedValue({ kind: 'consent', versions: [current, older] });
    setBackend(fakeBackend({ recordHistory }));
    render(Consents, { detail: { ...detail(), consents: [current] }, onchanged: vi.fn() });
    expect(screen.getByText('corrected')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'History' }));
    const versions = await screen.findByRole('list', { name: 'Versions, newest first' });
    expect(recordHistory).toHaveBeenCalledWith({ kind: 'consent', id: current.id });
    const items = versions.querySelectorAll('li');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain('Current');
    expect(items[0]!.textContent).toContain('The client');
    expect(items[1]!.textContent).toContain('Replaced');
    expect(items[1]!.textContent).toContain('A guardian');
    expect(items[1]!.textContent).toContain('tomas');
    await fireEvent.click(screen.getByRole('button', { name: 'Hide history' }));
    expect(screen.queryByRole('list', { name: 'Versions, newest first' })).toBeNull();
  });
});
