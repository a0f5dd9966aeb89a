// The stepper: keys answer and move on, the score and band shown are the core's, an
// override needs a reason, and what is saved is what was answered.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import AssessmentStepper from './AssessmentStepper.svelte';
import { setBackend, type Backend } from '../../lib/backend';
import { fakeBackend } from '../../lib/backend/testing';
import type { InstrumentPack } from '../../lib/bindings/InstrumentPack';

const q = (id: string, extra: object = {}) => ({
  id,
  text: { en: `Question ${id}?` },
  help: null,
  answer: 'yes_no' as const,
  weight: 1,
  choices: [],
  min: null,
  max: null,
  show_if: null,
  ...extra,
});
const band = (id: string, min: number, max: number | null) => ({
  id,
  label: { en: id.toUpperCase() },
  min,
  max,
  actions: [],
});
const pack: InstrumentPack = {
  format: 1,
  id: 'p',
  version: 2,
  title: { en: 'Test checklist' },
  notice: { en: 'Not a validated actuarial tool.' },
  jurisdiction: 'any',
  languages: ['en'],
  licence: 'local_only',
  licence_note: null,
  scoring: 'count_yes',
  judgement: 'raise',
  items: [q('q1'), q('kids'), q('q2', { show_if: { item: 'kids', any_of: ['yes'] } })],
  bands: [band('standard', 0, 1), band('high', 2, null)],
};

/** A stand-in for the core's scoring: count "yes" to q1 and q2, q2 only with kids. */
const scoreAnswers = vi.fn<Backend['scoreAnswers']>().mockImplementation((_id, _v, answers) => {
  const visible = ['q1', 'kids', ...(answers.kids === 'yes' ? ['q2'] : [])];
  const counted = Object.fromEntries(Object.entries(answers).filter(([k]) => visible.includes(k)));
  const score = ['q1', 'q2'].filter((k) => counted[k] === 'yes').length;
  return Promise.resolve({
    score,
    band: score >= 2 ? 'high' : 'standard',
    visible,
    answered: Object.keys(counted).length,
    dont_know: Object.values(counted).filter((a) => a === 'dont_know').length,
    answers: counted,
  });
});

describe('AssessmentStepper', () => {
  afterEach(() => cleanup());

  it('answers with keys, skips what does not apply, and saves with an override and its reason', async () => {
    const recordRiskAssessment = vi.fn<Backend['recordRiskAssessment']>().mockResolvedValue('ra1');
    setBackend(fakeBackend({ scoreAnswers, recordRiskAssessment }));
    const onsaved = vi.fn();
    render(AssessmentStepper, { caseId: 'c1', pack, onsaved, oncancel: () => {} });
    expect((await screen.findByText('Not a validated actuarial tool.')).textContent).toBeTruthy();
    const stepper = document.getElementById('risk-stepper') as HTMLElement;
    expect((await screen.findByText('Question q1?')).textContent).toBe('Question q1?');
    await fireEvent.keyDown(stepper, { key: 'y' });
    expect(await screen.findByText('Question kids?')).toBeTruthy();
    expect(document.getElementById('risk-live')!.textContent).toMatch(/Score 1.*STANDARD/s);
    await fireEvent.keyDown(stepper, { key: 'n' });
    // No children: q2 is skipped, straight to the summary.
    expect(await screen.findByText('Save the assessment')).toBeTruthy();
    expect(screen.queryByText('Question q2?')).toBeNull();
    // Back, answer "yes" to children: q2 applies.
    await fireEvent.keyDown(stepper, { key: 'ArrowLeft' });
    await fireEvent.keyDown(stepper, { key: 'y' });
    expect(await screen.findByText('Question q2?')).toBeTruthy();
    await fireEvent.keyDown(stepper, { key: 'd' });
    expect(document.getElementById('risk-live')!.textContent).toMatch(/“Don't know”: 1/);
    expect(await screen.findByText('Save the assessment')).toBeTruthy();
    expect(document.getElementById('risk-computed-band')!.textContent).toBe('STANDARD');

    // "raise" lets judgement choose only higher bands, and asks why.
    const select = screen.getByLabelText('Professional judgement: raise the level') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['', 'high']);
    await fireEvent.change(select, { target: { value: 'high' } });
    expect(document.getElementById('risk-final-band')!.textContent).toBe('HIGH');
    await fireEvent.submit(document.getElementById('risk-summary') as HTMLFormElement);
    expect(await screen.findByText('Write why your judgement sets another level.')).toBeTruthy();
    expect(recordRiskAssessment).not.toHaveBeenCalled();
    await fireEvent.input(screen.getByLabelText('Why (required)'), {
      target: { value: 'threats with a knife last night' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Save the assessment' }));
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalled());
    const [caseId, fields] = recordRiskAssessment.mock.calls[0]!;
    expect(caseId).toBe('c1');
    expect(fields).toMatchObject({
      instrument_id: 'p',
      instrument_version: 2,
      answers: { q1: 'yes', kids: 'yes', q2: 'dont_know' },
      override_band: 'high',
      override_reason: 'threats with a knife last night',
    });
  });

  it('takes Y/N/D keys as soon as it opens, before the draft is read', async () => {
    // The draft read never finishes here: the keys must not wait for it.
    setBackend(fakeBackend({ scoreAnswers, formDraft: () => new Promise(() => {}) }));
    render(AssessmentStepper, { caseId: 'c1', pack, onsaved: () => {}, oncancel: () => {} });
    const stepper = document.getElementById('risk-stepper') as HTMLElement;
    await vi.waitFor(() => expect(document.activeElement).toBe(stepper));
    expect(screen.getByText('Question q1?')).toBeTruthy();
    await fireEvent.keyDown(document.activeElement!, { key: 'y' });
    expect(await screen.findByText('Question kids?')).toBeTruthy();
  });

  it('moves with the arrow keys and Enter without answering', async () => {
    setBackend(fakeBackend({ scoreAnswers }));
    render(AssessmentStepper, { caseId: 'c1', pack, onsaved: () => {}, oncancel: () => {} });
    const stepper = document.getElementById('risk-stepper') as HTMLElement;
    await screen.findByText('Question q1?');
    await fireEvent.keyDown(stepper, { key: 'Enter' });
    expect(await screen.findByText('Question kids?')).toBeTruthy();
    await fireEvent.keyDown(stepper, { key: 'ArrowLeft' });
    expect(await screen.findByText('Question q1?')).toBeTruthy();
    await fireEvent.keyDown(stepper, { key: 'ArrowRight' });
    expect(await screen.findByText('Item 2 of 2')).toBeTruthy();
  });
});
