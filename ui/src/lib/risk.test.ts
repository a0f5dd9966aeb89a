// The stepper's keys and moves, review dates, which bands judgement may choose, and what
// a printed safety plan holds.
import { describe, expect, it } from 'vitest';
import type { InstrumentPack } from './bindings/InstrumentPack';
import type { Item } from './bindings/Item';
import {
  addDays,
  answerForKey,
  blankSections,
  overrideChoices,
  packText,
  printedSections,
  step,
  SUMMARY,
  type PlanSection,
} from './risk';

const yesNo: Item = {
  id: 'a',
  text: { en: 'A' },
  help: null,
  answer: 'yes_no',
  weight: 1,
  choices: [],
  min: null,
  max: null,
  show_if: null,
};
const choice: Item = {
  ...yesNo,
  id: 'c',
  answer: 'single_choice',
  choices: [
    { id: 'low', text: { en: 'Low' }, weight: 0 },
    { id: 'high', text: { en: 'High' }, weight: 3 },
  ],
};

function pack(judgement: InstrumentPack['judgement']): InstrumentPack {
  const band = (id: string, min: number, max: number | null) => ({ id, label: { en: id }, min, max, actions: [] });
  return {
    format: 1,
    id: 'p',
    version: 1,
    title: { en: 'P', lt: 'P lt' },
    notice: null,
    jurisdiction: 'any',
    languages: ['lt', 'en'],
    licence: 'local_only',
    licence_note: null,
    scoring: 'count_yes',
    judgement,
    items: [yesNo],
    bands: [band('standard', 0, 2), band('medium', 3, 4), band('high', 5, null)],
  };
}

describe('risk stepper', () => {
  it('answers yes/no items with Y, N, D or 1, 2, 3, and choices with their number', () => {
    expect(['y', 'Y', '1', 'n', '2', 'd', '3', 'x'].map((k) => answerForKey(yesNo, k))).toEqual([
      'yes',
      'yes',
      'yes',
      'no',
      'no',
      'dont_know',
      'dont_know',
      null,
    ]);
    expect(answerForKey(choice, '2')).toBe('high');
    expect(answerForKey(choice, '3')).toBeNull();
    expect(answerForKey({ ...yesNo, answer: 'free_text' }, 'y')).toBeNull();
  });

  it('moves among the items that apply, then to the summary, and stops at the ends', () => {
    const visible = ['a', 'b', 'd'];
    expect(step(visible, 'a', 1)).toBe('b');
    expect(step(visible, 'b', 1)).toBe('d');
    expect(step(visible, 'd', 1)).toBe(SUMMARY);
    expect(step(visible, SUMMARY, 1)).toBe(SUMMARY);
    expect(step(visible, SUMMARY, -1)).toBe('d');
    expect(step(visible, 'a', -1)).toBe('a');
    // An item that skip logic has just hidden: back to the first.
    expect(step(visible, 'c', 1)).toBe('a');
  });

  it('shows the UI language, else the pack first language', () => {
    expect(packText({ en: 'Hello', lt: 'Labas' }, 'lt', ['en', 'lt'])).toBe('Labas');
    expect(packText({ en: 'Hello', lt: 'Labas' }, 'ru', ['lt', 'en'])).toBe('Labas');
    expect(packText(null, 'en', ['en'])).toBe('');
  });

  it('offers the bands judgement may set under each rule', () => {
    const ids = (j: InstrumentPack['judgement'], band: string) => overrideChoices(pack(j), band).map((b) => b.id);
    expect(ids('raise', 'standard')).toEqual(['medium', 'high']);
    expect(ids('raise', 'high')).toEqual([]);
    expect(ids('raise_or_lower', 'medium')).toEqual(['standard', 'high']);
    expect(ids('none', 'standard')).toEqual([]);
  });

  it('counts review dates in calendar days across months and years', () => {
    expect(addDays('2026-11-02', 1)).toBe('2026-11-03');
    expect(addDays('2026-11-30', 7)).toBe('2026-12-07');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-02', 0)).toBe('2026-11-02');
  });
});

describe('printed safety plan', () => {
  it('holds only the chosen sections that have text, in plan order', () => {
    const s = {
      ...blankSections(),
      concerns: 'He follows me',
      bag: 'At Rasa’s',
      safe_places: '  ',
      money: 'Card in the coat',
    };
    const chosen = new Set<PlanSection>(['money', 'concerns', 'safe_places']);
    expect(printedSections(s, chosen)).toEqual([
      { name: 'concerns', text: 'He follows me' },
      { name: 'money', text: 'Card in the coat' },
    ]);
    expect(printedSections(s, new Set())).toEqual([]);
  });
});
