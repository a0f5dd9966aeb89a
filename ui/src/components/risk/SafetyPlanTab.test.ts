// The safety plan: saved as a new version from the one it started with, and a print
// preview that holds only the sections the client chose, under the paper-copy warning.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import SafetyPlanTab from './SafetyPlanTab.svelte';
import RiskTab from './RiskTab.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { SafetyPlan } from '../../lib/bindings/SafetyPlan';
import type { InstrumentPack } from '../../lib/bindings/InstrumentPack';
import type { RiskAssessment } from '../../lib/bindings/RiskAssessment';
import { blankSections } from '../../lib/risk';

const meta = { owner_centre: 'KLP-01', version: '1', created_at: '2026-11-20T10:00:00Z', created_by: 'ona' };
const plan: SafetyPlan = {
  id: 'sp1',
  case_id: 'c1',
  supersedes: null,
  number: 1,
  meta,
  fields: {
    sections: {
      ...blankSections(),
      concerns: 'He said he would come back',
      safe_places: "My sister's flat",
      bag: 'At the neighbour',
    },
    review_on: '2026-11-25',
  },
};

describe('SafetyPlanTab', () => {
  afterEach(() => cleanup());

  it('saves a new version from the current one', async () => {
    const saveSafetyPlan = vi.fn<Backend['saveSafetyPlan']>().mockResolvedValue('sp2');
    setBackend(fakeBackend({ safetyPlan: () => Promise.resolve({ current: plan, versions: [plan] }), saveSafetyPlan }));
    render(SafetyPlanTab, { caseId: 'c1' });
    const money = await screen.findByLabelText('Money');
    expect((screen.getByLabelText('Safe places') as HTMLTextAreaElement).value).toBe("My sister's flat");
    await fireEvent.input(money, { target: { value: 'Card in the coat pocket' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save the safety plan' }));
    await vi.waitFor(() => expect(saveSafetyPlan).toHaveBeenCalled());
    const [caseId, base, fields] = saveSafetyPlan.mock.calls[0]!;
    expect([caseId, base]).toEqual(['c1', 'sp1']);
    expect(fields.sections.money).toBe('Card in the coat pocket');
    expect(fields.sections.concerns).toBe('He said he would come back');
    expect(fields.review_on).toBe('2026-11-25');
  });

  it('opened from a recommendation: the review date set, the concerns offered, never saved empty', async () => {
    const saveSafetyPlan = vi.fn<Backend['saveSafetyPlan']>().mockResolvedValue('sp1');
    setBackend(fakeBackend({ safetyPlan: () => Promise.resolve({ current: null, versions: [] }), saveSafetyPlan }));
    render(SafetyPlanTab, {
      caseId: 'c1',
      start: { kind: 'safety_plan', review_on: '2026-11-03', concerns: ['He threatened to kill me.'] },
    });
    expect(await screen.findByText('He threatened to kill me.')).toBeTruthy();
    // Shown in the app language's short date (en-GB); the model stays ISO (checked below).
    expect((screen.getByLabelText('Review on') as HTMLInputElement).value).toBe('03/11/2026');
    // Nothing written: the save is refused here, the core is not even asked.
    await fireEvent.click(screen.getByRole('button', { name: 'Save the safety plan' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Nothing is written/);
    expect(saveSafetyPlan).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Add them to the concerns' }));
    const concerns = screen.getByLabelText("Concerns, in the client's own words") as HTMLTextAreaElement;
    expect(concerns.value).toBe('- He threatened to kill me.');
    await fireEvent.click(screen.getByRole('button', { name: 'Save the safety plan' }));
    await vi.waitFor(() => expect(saveSafetyPlan).toHaveBeenCalled());
    const [, base, fields] = saveSafetyPlan.mock.calls[0]!;
    expect(base).toBeNull();
    expect(fields.review_on).toBe('2026-11-03');
    expect(fields.sections.concerns).toBe('- He threatened to kill me.');
  });

  it('prints nothing the client has not chosen, always under the warning', async () => {
    const logSafetyPlanPrint = vi.fn<Backend['logSafetyPlanPrint']>().mockResolvedValue(undefined);
    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    setBackend(
      fakeBackend({ safetyPlan: () => Promise.resolve({ current: plan, versions: [plan] }), logSafetyPlanPrint }),
    );
    render(SafetyPlanTab, { caseId: 'c1' });
    await fireEvent.click(await screen.findByRole('button', { name: 'Print preview' }));
    const sheet = document.getElementById('plan-sheet') as HTMLElement;
    expect(sheet.textContent).toMatch(/Keep this paper where the person who harms you cannot find it/);
    for (const text of ['He said he would come back', "My sister's flat", 'At the neighbour']) {
      expect(sheet.textContent).not.toContain(text);
    }
    expect((screen.getByRole('button', { name: 'Print' }) as HTMLButtonElement).disabled).toBe(true);
    // Only sections with text can be chosen.
    expect(screen.queryByLabelText('Money')).toBeNull();
    await fireEvent.click(screen.getByLabelText('Safe places'));
    expect(sheet.textContent).toContain("My sister's flat");
    expect(sheet.textContent).not.toContain('He said he would come back');
    await fireEvent.click(screen.getByRole('button', { name: 'Print' }));
    await vi.waitFor(() => expect(print).toHaveBeenCalled());
    expect(logSafetyPlanPrint).toHaveBeenCalledWith('c1', 'sp1', ['safe_places']);
    print.mockRestore();
  });
});

describe('RiskTab', () => {
  afterEach(() => cleanup());

  const pack: InstrumentPack = {
    format: 1,
    id: 'p',
    version: 1,
    title: { en: 'Test checklist' },
    notice: null,
    jurisdiction: 'any',
    languages: ['en'],
    licence: 'local_only',
    licence_note: null,
    scoring: 'count_yes',
    judgement: 'raise',
    items: [
      {
        id: 'threats',
        text: { en: 'He threatened to kill me.' },
        help: null,
        answer: 'yes_no',
        weight: 1,
        choices: [],
        min: null,
        max: null,
        show_if: null,
      },
      {
        id: 'weapon',
        text: { en: 'He has a weapon.' },
        help: null,
        answer: 'yes_no',
        weight: 1,
        choices: [],
        min: null,
        max: null,
        show_if: null,
      },
    ],
    bands: [
      { id: 'standard', label: { en: 'Standard' }, min: 0, max: 1, actions: [] },
      {
        id: 'high',
        label: { en: 'High' },
        min: 2,
        max: null,
        actions: [
          {
            kind: 'referral',
            text: { en: 'Consider a referral to the police.' },
            agency_type: 'police',
            within_days: null,
          },
          {
            kind: 'protection_order',
            text: { en: 'Consider a protection order.' },
            agency_type: null,
            within_days: null,
          },
          {
            kind: 'safety_plan_review',
            text: { en: 'Review the safety plan within 24 hours.' },
            agency_type: null,
            within_days: 1,
          },
          {
            kind: 'other',
            text: { en: 'Consider a multi-agency risk meeting.' },
            agency_type: null,
            within_days: null,
          },
        ],
      },
    ],
  };
  const assessment = (
    id: string,
    on: string,
    band: string,
    level: number,
    override: string | null,
  ): RiskAssessment => ({
    id,
    case_id: 'c1',
    supersedes: null,
    instrument_id: 'p',
    instrument_version: 1,
    assessed_on: on,
    assessor: 'ona',
    answers: {},
    score: 1,
    band: 'standard',
    override_band: override,
    override_reason: override ? 'threats last night' : null,
    final_band: band,
    final_band_label: { en: band === 'high' ? 'High' : 'Standard' },
    level,
    levels: 2,
    meta,
  });

  it('shows the trend and turns the latest band’s recommendations into actions', async () => {
    const setSafetyPlanReview = vi.fn<Backend['setSafetyPlanReview']>().mockResolvedValue('sp9');
    setBackend(
      fakeBackend({
        instruments: () => Promise.resolve([]),
        instrument: () => Promise.resolve(pack),
        riskHistory: () =>
          Promise.resolve({
            assessments: [
              assessment('a1', '2026-10-01', 'standard', 0, null),
              { ...assessment('a2', '2026-11-02', 'high', 1, 'high'), answers: { threats: 'yes', weapon: 'no' } },
            ],
            trend: 'up',
          }),
        setSafetyPlanReview,
      }),
    );
    const onaction = vi.fn();
    render(RiskTab, { caseId: 'c1', onaction, onchanged: () => {} });
    expect((await screen.findByText('Risk has gone up since the previous assessment.')).textContent).toBeTruthy();
    expect(screen.getByText('Set by professional judgement: threats last night')).toBeTruthy();
    await fireEvent.click(await screen.findByRole('button', { name: 'Consider a referral to the police.' }));
    expect(onaction).toHaveBeenLastCalledWith({ kind: 'referral', agency_type: 'police' });
    await fireEvent.click(screen.getByRole('button', { name: 'Consider a protection order.' }));
    expect(onaction).toHaveBeenLastCalledWith({ kind: 'protection_order' });
    expect(screen.queryByRole('button', { name: 'Consider a multi-agency risk meeting.' })).toBeNull();
    // The plan opens with the review date and the assessment's concerns; nothing is saved.
    await fireEvent.click(screen.getByRole('button', { name: 'Review the safety plan within 24 hours.' }));
    expect(onaction).toHaveBeenLastCalledWith({
      kind: 'safety_plan',
      review_on: '2026-11-03',
      concerns: ['He threatened to kill me.'],
    });
    expect(setSafetyPlanReview).not.toHaveBeenCalled();
  });
});
