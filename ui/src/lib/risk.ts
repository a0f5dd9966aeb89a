// The UI logic of risk assessment and safety plans that is not about the screen: which text
// of a pack to show, what a key press answers, where the stepper goes next, review dates,
// which bands judgement may choose, and what a printed safety plan contains. Scoring itself
// is the core's (`scoreAnswers`): the UI never adds points up.
import type { Band } from './bindings/Band';
import type { InstrumentPack } from './bindings/InstrumentPack';
import type { Item } from './bindings/Item';
import type { SafetyPlanSections } from './bindings/SafetyPlanSections';

/** The stepper's last step, after the items: score, band, override, save. */
export const SUMMARY = '__summary';

/** What a recommended action asks the case view to open. */
export type RiskAction =
  | { kind: 'referral'; agency_type: string }
  | { kind: 'protection_order' }
  /** Review the safety plan: the plan opens with this review date and the assessment's
   *  concerns offered to it; nothing is saved until the counsellor saves. */
  | { kind: 'safety_plan'; review_on: string; concerns: string[] };

/** The items answered "yes" in an assessment, as the pack words them: the concerns offered
 *  to the safety plan. */
export function concernsOf(
  answers: { [key in string]?: string },
  items: readonly { id: string; text: { [key in string]?: string } }[],
  lang: string,
  languages: readonly string[],
): string[] {
  return items.filter((i) => answers[i.id] === 'yes').map((i) => packText(i.text, lang, languages));
}

/** The concerns section with the offered concerns added (each once, on its own line). */
export function withConcerns(section: string, concerns: readonly string[]): string {
  const have = new Set(section.split('\n').map((l) => l.replace(/^[-•]\s*/, '').trim()));
  const added = concerns.filter((c) => !have.has(c)).map((c) => `- ${c}`);
  if (added.length === 0) return section;
  return [section.trimEnd(), ...added].filter((l) => l !== '').join('\n');
}

/** A pack text in the UI language, else in the pack's first language. */
export function packText(
  texts: { [key in string]?: string } | null | undefined,
  lang: string,
  languages: readonly string[],
): string {
  if (!texts) return '';
  return texts[lang] ?? (languages[0] !== undefined ? texts[languages[0]] : undefined) ?? '';
}

/** What a key answers for an item, or null: Y / N / D (or 1 / 2 / 3) for yes/no/don't know,
 *  1–9 for the choices of a single-choice item. Number and free-text items take typing. */
export function answerForKey(item: Item, key: string): string | null {
  const k = key.toLowerCase();
  if (item.answer === 'yes_no') {
    if (k === 'y' || k === '1') return 'yes';
    if (k === 'n' || k === '2') return 'no';
    if (k === 'd' || k === '3' || k === '?') return 'dont_know';
    return null;
  }
  if (item.answer === 'single_choice' && /^[1-9]$/.test(k)) {
    return item.choices[Number(k) - 1]?.id ?? null;
  }
  return null;
}

/** The step after (`delta` 1) or before (-1) `current` among the items that apply, with
 *  the summary after the last item. */
export function step(visible: readonly string[], current: string, delta: 1 | -1): string {
  const steps = [...visible, SUMMARY];
  const i = steps.indexOf(current);
  if (i < 0) return steps[0] ?? SUMMARY;
  const next = Math.min(Math.max(i + delta, 0), steps.length - 1);
  return steps[next] ?? SUMMARY;
}

/** `days` after a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) + days * 86_400_000);
  return t.toISOString().slice(0, 10);
}

/** The bands judgement may set instead of `computed` under the pack's rule. */
export function overrideChoices(pack: InstrumentPack, computed: string): Band[] {
  const from = pack.bands.findIndex((b) => b.id === computed);
  switch (pack.judgement) {
    case 'none':
      return [];
    case 'raise':
      return pack.bands.filter((_, i) => i > from);
    default:
      return pack.bands.filter((b) => b.id !== computed);
  }
}

/** The sections of a safety plan, in the order they are shown and printed. */
export const PLAN_SECTIONS = [
  'concerns',
  'support',
  'documents',
  'money',
  'bag',
  'safe_places',
  'strategies',
  'after_leaving',
  'children',
] as const satisfies readonly (keyof SafetyPlanSections)[];

export type PlanSection = (typeof PLAN_SECTIONS)[number];

export function blankSections(): SafetyPlanSections {
  return {
    concerns: '',
    support: '',
    documents: '',
    money: '',
    bag: '',
    safe_places: '',
    strategies: '',
    after_leaving: '',
    children: '',
  };
}

/** What a paper copy holds: only the sections the client chose, in plan order, and only
 *  those with something written in them. */
export function printedSections(
  sections: SafetyPlanSections,
  chosen: ReadonlySet<PlanSection>,
): { name: PlanSection; text: string }[] {
  return PLAN_SECTIONS.filter((name) => chosen.has(name) && sections[name].trim() !== '').map((name) => ({
    name,
    text: sections[name],
  }));
}

/** A level (0 = lowest band) as a share of the instrument's scale, for the trend line. */
export function levelShare(level: number | null, levels: number | null): number | null {
  if (level === null || levels === null) return null;
  return levels <= 1 ? 0 : level / (levels - 1);
}
