// Multi-agency screens: the letter sheet shows exactly what the core put in the letter; the
// letter panel asks the core for a letter to the chosen directory agency and prints it; a
// conference with two actions goes to the core as recorded; the Directory screen shows the
// versions in force and offers the CSV import only to a coordination centre.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import LetterSheet from './LetterSheet.svelte';
import ReferralLetterPanel from './ReferralLetterPanel.svelte';
import Conferences from './Conferences.svelte';
import Directory from '../../views/Directory.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import { codes } from '../../lib/codes.svelte';
import { permissions } from '../../lib/permissions.svelte';
import { catalogue } from '../../test/fixtures';
import type { ReferralLetter } from '../../lib/bindings/ReferralLetter';
import type { Referral } from '../../lib/bindings/Referral';
import type { CentreProfile } from '../../lib/bindings/CentreProfile';
import type { ReferenceStatus } from '../../lib/bindings/ReferenceStatus';

const meta = { owner_centre: 'KLP-01', version: '1', created_at: '2026-11-20T10:00:00Z', created_by: 'ona' };
const agencies = [
  { code: 'police', label: 'Police' },
  { code: 'social_services', label: 'Municipal social services' },
];
const withAgencies = { ...catalogue, lists: { ...catalogue.lists, referral_agency: agencies } };

const letter: ReferralLetter = {
  id: 'l1',
  case_id: 'c1',
  referral_id: 'r1',
  language: 'lt',
  text: {
    title: 'Siuntimas',
    to: 'Kam',
    from: 'Nuo',
    date: 'Data',
    our_reference: 'Mūsų nuoroda',
    agency_type: 'Institucijos tipas',
    referred_on: 'Siuntimo data',
    intro: 'Asmens sutikimu…',
    consent_heading: 'Sutikimas',
    consent_line: 'Sutikimą davė klientė 2026-10-02.',
    consent_record: 'Sutikimo įrašas',
    details_heading: 'Sutikimu perduodami duomenys',
    none_shared: 'Nieko',
    only_consented: 'Tik sutikti duomenys.',
    prepared_by: 'Parengė',
    confidential: 'Konfidencialu',
  },
  addressee: {
    id: 'klp-pol',
    region: 'Klaipėda',
    agency_type: 'police',
    name: 'Klaipėdos policija',
    address: 'Bangų g. 1',
    phone: '+370 46 1',
    email: 'p@p.lt',
    language: 'lt',
  },
  agency_type: 'Policija',
  centre_name: 'Klaipėdos centras',
  centre_code: 'KLP-01',
  case_number: 'KLP-01-2026-0001',
  referred_on: '2026-10-03',
  created_on: '2026-11-20',
  created_by: 'ona',
  consent: { id: 'ce1', on_date: '2026-10-02', given_by: 'klientė', shared_fields: ['name', 'phone'] },
  lines: [{ field: 'name', label: 'Vardas, pavardė', value: 'Rūta Jonaitė' }],
};

describe('LetterSheet', () => {
  afterEach(() => cleanup());

  it('lays out the core letter: addressee, its lines only, the consent record', () => {
    render(LetterSheet, { letter });
    const sheet = document.getElementById('letter-sheet') as HTMLElement;
    expect(sheet.getAttribute('lang')).toBe('lt');
    expect(sheet.textContent).toContain('Klaipėdos policija');
    expect(sheet.textContent).toContain('Rūta Jonaitė');
    // The consent by its date, never by its internal id.
    expect(document.getElementById('letter-consent-date')!.textContent).toBe('2026-10-02');
    expect(sheet.textContent).not.toContain('ce1');
    expect([...sheet.querySelectorAll('dd[data-field]')].map((d) => d.getAttribute('data-field'))).toEqual(['name']);
    // A field the consent named but without a value in the letter is not invented.
    expect(sheet.textContent).not.toContain('Telefonas');
  });
});

describe('ReferralLetterPanel', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(withAgencies) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => cleanup());

  it('asks for a letter to the chosen directory agency and prints it', async () => {
    const referral: Referral = {
      id: 'r1',
      supersedes: null,
      meta,
      fields: { on_date: '2026-10-03', agency_type: 'police', status: 'referred', consent_event_id: 'ce1' },
      status_on: null,
    };
    const createReferralLetter = vi.fn<Backend['createReferralLetter']>().mockResolvedValue(letter);
    const directory = vi.fn<Backend['directory']>().mockResolvedValue([letter.addressee!]);
    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    setBackend(fakeBackend({ directory, referralLetters: () => Promise.resolve([]), createReferralLetter }));
    render(ReferralLetterPanel, { caseId: 'c1', referral, onclose: () => {} });
    await vi.waitFor(() => expect(directory).toHaveBeenCalledWith('police'));
    const select = (await screen.findByLabelText('Addressee (referral directory)')) as HTMLSelectElement;
    await vi.waitFor(() => expect(select.options.length).toBe(2));
    await fireEvent.change(select, { target: { value: 'klp-pol' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create the letter' }));
    await vi.waitFor(() => expect(createReferralLetter).toHaveBeenCalledWith('r1', 'klp-pol', null));
    expect((await screen.findByText('Rūta Jonaitė')).textContent).toBe('Rūta Jonaitė');
    await fireEvent.click(screen.getByRole('button', { name: 'Print…' }));
    expect(print).toHaveBeenCalled();
  });

  it("without an agency from the directory, the letter is in the client's language", async () => {
    const referral: Referral = {
      id: 'r1',
      supersedes: null,
      meta,
      fields: { on_date: '2026-10-03', agency_type: 'police', status: 'referred', consent_event_id: 'ce1' },
      status_on: null,
    };
    const createReferralLetter = vi.fn<Backend['createReferralLetter']>().mockResolvedValue(letter);
    setBackend(
      fakeBackend({
        directory: () => Promise.resolve([]),
        referralLetters: () => Promise.resolve([]),
        createReferralLetter,
      }),
    );
    render(ReferralLetterPanel, { caseId: 'c1', referral, clientLanguage: 'ru', onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Create the letter' }));
    await vi.waitFor(() => expect(createReferralLetter).toHaveBeenCalledWith('r1', null, 'ru'));
  });
});

describe('Conferences', () => {
  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(withAgencies) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => cleanup());

  it('records a conference with two actions, then lists them', async () => {
    const recordConference = vi.fn<Backend['recordConference']>().mockResolvedValue('k1');
    let saved = false;
    const conferences = vi.fn<Backend['conferences']>().mockImplementation(() =>
      Promise.resolve(
        saved
          ? [
              {
                id: 'k1',
                supersedes: null,
                meta,
                fields: { held_on: '2026-11-02', agencies: ['police'], risk_level: 'high', follow_up_on: null },
                actions: [
                  {
                    id: 'a1',
                    meta,
                    outcome: null,
                    overdue: true,
                    fields: { description: 'Apply for an order', owner_agency: 'police', due_on: '2026-11-05' },
                  },
                  {
                    id: 'a2',
                    meta,
                    outcome: null,
                    overdue: false,
                    fields: { description: 'Review the plan', owner_agency: 'own_centre', due_on: null },
                  },
                ],
              },
            ]
          : [],
      ),
    );
    setBackend(
      fakeBackend({
        conferences,
        recordConference: (...a) => {
          saved = true;
          return recordConference(...a);
        },
      }),
    );
    render(Conferences, { caseId: 'c1' });
    await screen.findByText('No case conferences recorded.');
    await fireEvent.click(screen.getByRole('button', { name: 'Record a case conference' }));
    // Nothing goes to the core while the form is incomplete.
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(recordConference).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toContain('Choose at least one agency present.');
    await fireEvent.change(screen.getByLabelText('Risk level agreed'), { target: { value: 'high' } });
    await fireEvent.click(screen.getByLabelText('Police'));
    await fireEvent.input(document.getElementById('action-0-description')!, {
      target: { value: 'Apply for an order' },
    });
    await fireEvent.change(document.getElementById('action-0-owner')!, { target: { value: 'police' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add an action' }));
    await fireEvent.input(document.getElementById('action-1-description')!, { target: { value: 'Review the plan' } });
    await fireEvent.change(document.getElementById('action-1-owner')!, { target: { value: 'own_centre' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(recordConference).toHaveBeenCalled());
    const [caseId, fields, actions] = recordConference.mock.calls[0]!;
    expect(caseId).toBe('c1');
    expect(fields.agencies).toEqual(['police']);
    expect(fields.risk_level).toBe('high');
    expect(actions).toEqual([
      { description: 'Apply for an order', owner_agency: 'police', due_on: null },
      { description: 'Review the plan', owner_agency: 'own_centre', due_on: null },
    ]);
    expect((await screen.findByText('Review the plan')).textContent).toBe('Review the plan');
    expect(document.body.textContent).toContain('Our centre');
    expect(document.body.textContent).toContain('overdue');
  });
});

describe('Directory', () => {
  const status: ReferenceStatus = {
    in_force: [
      {
        kind: 'directory',
        item_id: 'directory',
        version: '2',
        source: 'KOORD',
        bundle_id: 'b2',
        applied_at: '2026-11-20T10:00:00Z',
      },
      {
        kind: 'code_lists',
        item_id: 'codelists',
        version: '2026.11.1',
        source: 'builtin',
        bundle_id: null,
        applied_at: '',
      },
    ],
    agencies: 1,
    log: [
      {
        at: '2026-11-20T10:00:00Z',
        source: 'KOORD',
        bundle_id: 'b1',
        outcome: {
          kind: 'directory',
          item_id: 'directory',
          version: '1',
          outcome: 'stale',
          reason: 'version 2 is in force here',
        },
      },
    ],
  };
  const profile = (mode: 'centre' | 'coordinator'): CentreProfile => ({
    code: 'X',
    name: 'X',
    country: 'LT',
    language: 'en',
    mode,
  });

  beforeEach(async () => {
    setBackend(fakeBackend({ codeLists: () => Promise.resolve(withAgencies) }));
    codes.clear();
    await codes.load('en');
  });
  afterEach(() => {
    cleanup();
    permissions.clear();
  });

  it('shows the versions in force and where they came from; a centre cannot import', async () => {
    setBackend(
      fakeBackend({
        referenceStatus: () => Promise.resolve(status),
        directory: () => Promise.resolve([letter.addressee!]),
      }),
    );
    permissions.held = ['manage_reference_data'];
    render(Directory, { centre: profile('centre') });
    await vi.waitFor(() => expect(document.getElementById('reference-versions')?.textContent).toContain('from KOORD'));
    const versions = document.getElementById('reference-versions') as HTMLElement;
    expect(versions.querySelectorAll('tbody tr')[0]!.getAttribute('data-kind')).toBe('code_lists');
    expect(versions.textContent).toContain('built into Atrama');
    expect(document.getElementById('reference-log')!.textContent).toContain('older than the version in force');
    expect(screen.queryByText('Replace the directory from a CSV file')).toBeNull();
    await vi.waitFor(() => expect(document.getElementById('directory-table')!.textContent).toContain('Bangų g. 1'));
  });

  it('lets a coordination centre import a CSV file by its path', async () => {
    const importDirectory = vi
      .fn<Backend['importDirectory']>()
      .mockResolvedValue({ version: '3', agencies: 4, previous: 1 });
    setBackend(
      fakeBackend({
        referenceStatus: () => Promise.resolve(status),
        directory: () => Promise.resolve([]),
        importDirectory,
      }),
    );
    permissions.held = ['manage_reference_data'];
    render(Directory, { centre: profile('coordinator') });
    const path = await screen.findByLabelText('CSV file');
    await fireEvent.input(path, { target: { value: '/media/usb/agencies.csv' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await vi.waitFor(() => expect(importDirectory).toHaveBeenCalledWith('/media/usb/agencies.csv'));
    expect((await screen.findByText('Directory version 3: 4 agencies.')).textContent).toBe(
      'Directory version 3: 4 agencies.',
    );
  });
});
