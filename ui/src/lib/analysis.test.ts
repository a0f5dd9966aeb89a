import { describe, expect, it } from 'vitest';
import type { AnalysisTemplate } from './bindings/AnalysisTemplate';
import { badNumbers, parseYear, pick, shown, toAnswers, toValues } from './analysis';

const template: AnalysisTemplate = {
  format: 1,
  id: 't',
  version: 1,
  languages: ['en', 'lt'],
  title: { en: 'T', lt: 'T lt' },
  sections: [
    {
      id: 's',
      title: { en: 'S' },
      questions: [
        { id: 'a', type: 'text', text: { en: 'A' }, required: true },
        { id: 'b', type: 'number', text: { en: 'B' }, prefill: 'support_days', required: false },
        { id: 'c', type: 'yes_no', text: { en: 'C' }, required: false },
        {
          id: 'd',
          type: 'choice',
          text: { en: 'D' },
          options: [
            { id: 'x', label: { en: 'X' } },
            { id: 'y', label: { en: 'Y' } },
          ],
          required: false,
        },
        { id: 'e', type: 'date_interval', text: { en: 'E' }, required: false },
      ],
    },
  ],
};

describe('analysis form values', () => {
  it('round-trips every answer type and leaves unanswered questions out', () => {
    const answers = {
      a: { text: 'general words' },
      b: { number: 12 },
      c: { yes_no: false },
      d: { choice: 'y' },
      e: { interval: { from: '2026-01-02', to: '2026-02-03' } },
    };
    const values = toValues(template, answers);
    expect(values.c!.yesNo).toBe('no');
    expect(toAnswers(template, values)).toEqual(answers);
    const empty = toValues(template, {});
    expect(toAnswers(template, empty)).toEqual({});
  });

  it('names numbers that are not whole numbers', () => {
    const values = toValues(template, {});
    values.b!.number = '3.5';
    expect(badNumbers(template, values)).toEqual(['b']);
    expect(toAnswers(template, values)).toEqual({});
  });

  it('picks the UI language, else the template first language', () => {
    expect(pick({ en: 'A', lt: 'Ą' }, 'lt', ['en', 'lt'])).toBe('Ą');
    expect(pick({ en: 'A' }, 'ru', ['en'])).toBe('A');
  });

  it('shows shares as percentages and medians with one decimal', () => {
    expect(shown(0.25, 'share', 'en-GB')).toBe('25%');
    expect(shown(52.5, 'days', 'en-GB')).toBe('52.5');
    expect(shown(null, 'count', 'en-GB')).toBe('—');
    expect(parseYear(' 2026 ')).toBe(2026);
    expect(parseYear('26')).toBeNull();
  });
});
