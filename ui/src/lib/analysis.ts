// Screen-free helpers of the joint case analysis: the form's editable values to and from
// the core's answers, texts in the UI language, and how a comparison figure reads. Nothing
// here computes a fact or a figure: the core does.
import type { AnalysisTemplate } from './bindings/AnalysisTemplate';
import type { AnswerInput } from './bindings/AnswerInput';
import type { Figure } from './bindings/Figure';

/** What one question's inputs hold while the form is edited. */
export interface Value {
  text: string;
  number: string;
  yesNo: '' | 'yes' | 'no';
  choice: string;
  from: string;
  to: string;
}

export const emptyValue = (): Value => ({ text: '', number: '', yesNo: '', choice: '', from: '', to: '' });

/** A template text in `lang`, else in the template's first language. */
export function pick(texts: Partial<Record<string, string>>, lang: string, languages: string[]): string {
  return texts[lang] ?? (languages[0] ? texts[languages[0]] : undefined) ?? Object.values(texts)[0] ?? '';
}

/** The inputs of every question, from the answers the core gave the form. */
export function toValues(
  template: AnalysisTemplate,
  answers: Partial<Record<string, AnswerInput>>,
): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const s of template.sections) {
    for (const q of s.questions) {
      const v = emptyValue();
      const a = answers[q.id];
      if (a) {
        if ('text' in a) v.text = a.text;
        else if ('number' in a) v.number = String(a.number);
        else if ('yes_no' in a) v.yesNo = a.yes_no ? 'yes' : 'no';
        else if ('choice' in a) v.choice = a.choice;
        else if ('interval' in a) {
          v.from = a.interval.from;
          v.to = a.interval.to;
        }
      }
      out[q.id] = v;
    }
  }
  return out;
}

/** The answers to send: unanswered questions left out; a number that is not a whole number is
 * sent as NaN-free `null` so the core names the question. */
export function toAnswers(template: AnalysisTemplate, values: Record<string, Value>): Record<string, AnswerInput> {
  const out: Record<string, AnswerInput> = {};
  for (const s of template.sections) {
    for (const q of s.questions) {
      const v = values[q.id];
      if (!v) continue;
      switch (q.type) {
        case 'text':
          if (v.text.trim() !== '') out[q.id] = { text: v.text };
          break;
        case 'number':
          if (/^\d+$/.test(v.number.trim())) out[q.id] = { number: Number(v.number.trim()) };
          break;
        case 'yes_no':
          if (v.yesNo !== '') out[q.id] = { yes_no: v.yesNo === 'yes' };
          break;
        case 'choice':
          if (v.choice !== '') out[q.id] = { choice: v.choice };
          break;
        case 'date_interval':
          if (v.from !== '' && v.to !== '') out[q.id] = { interval: { from: v.from, to: v.to } };
          break;
      }
    }
  }
  return out;
}

/** Questions whose number input is not a whole number (the form says so before sending). */
export function badNumbers(template: AnalysisTemplate, values: Record<string, Value>): string[] {
  return template.sections
    .flatMap((s) => s.questions)
    .filter(
      (q) =>
        q.type === 'number' && (values[q.id]?.number.trim() ?? '') !== '' && !/^\d+$/.test(values[q.id]!.number.trim()),
    )
    .map((q) => q.id);
}

/** A figure's value as shown: a share as a percentage, days and medians with at most one
 * decimal, counts as they are; an empty cell when nothing answers it. */
export function shown(value: number | null, unit: Figure['unit'], locale: string): string {
  if (value === null) return '—';
  if (unit === 'share')
    return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value);
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value);
}

/** The year a comparison is asked for, or null when the text is not a year. */
export function parseYear(text: string): number | null {
  const t = text.trim();
  return /^\d{4}$/.test(t) ? Number(t) : null;
}
