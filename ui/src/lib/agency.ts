// Multi-agency work on screen: the vocabularies the core checks (letter fields, conference
// risk levels and outcomes) and the small decisions of the forms. The core decides what a
// letter holds; nothing here filters case data.
import type { ConferenceActionFields } from './bindings/ConferenceActionFields';
import type { ConferenceFields } from './bindings/ConferenceFields';
import type { ReferenceInForce } from './bindings/ReferenceInForce';

/** The details a referral consent may name (the core's `LETTER_FIELDS`, in letter order). */
export const LETTER_FIELDS = [
  'name',
  'birth_year',
  'phone',
  'address',
  'language',
  'contact_safety',
  'children',
  'violence_forms',
  'risk_level',
  'protection_orders',
] as const;
export type LetterField = (typeof LETTER_FIELDS)[number];

export const RISK_LEVELS = ['standard', 'medium', 'high'] as const;
export const OUTCOMES = ['done', 'partly_done', 'not_done', 'no_longer_needed'] as const;
export const OWN_CENTRE = 'own_centre';

/** Adds or removes a field, keeping the letter's order. */
export function toggleField(fields: readonly string[], field: string, on: boolean): string[] {
  const set = new Set(fields);
  if (on) set.add(field);
  else set.delete(field);
  return LETTER_FIELDS.filter((f) => set.has(f));
}

export function blankConference(today: string): ConferenceFields {
  return { held_on: today, agencies: [], risk_level: '', follow_up_on: null };
}

export function blankAction(): ConferenceActionFields {
  return { description: '', owner_agency: '', due_on: null };
}

/** The actions worth sending: those with something to do (empty rows are dropped). */
export function filledActions(actions: readonly ConferenceActionFields[]): ConferenceActionFields[] {
  return actions
    .filter((a) => a.description.trim() !== '')
    .map((a) => ({ ...a, description: a.description.trim(), due_on: a.due_on || null }));
}

/** What is missing before a conference can be saved (message keys), empty when complete. */
export function conferenceProblems(f: ConferenceFields, actions: readonly ConferenceActionFields[]): string[] {
  const problems: string[] = [];
  if (f.agencies.length === 0) problems.push('conference.needAgency');
  if (!f.risk_level) problems.push('conference.needLevel');
  if (filledActions(actions).some((a) => !a.owner_agency)) problems.push('conference.needOwner');
  if (f.follow_up_on && f.follow_up_on < f.held_on) problems.push('conference.followUpBefore');
  return problems;
}

/** The reference items in force in display order: code lists, directory, then packs by id. */
export function sortedInForce(items: readonly ReferenceInForce[]): ReferenceInForce[] {
  const rank = (k: string) => (k === 'code_lists' ? 0 : k === 'directory' ? 1 : 2);
  return [...items].sort((a, b) => rank(a.kind) - rank(b.kind) || a.item_id.localeCompare(b.item_id));
}
