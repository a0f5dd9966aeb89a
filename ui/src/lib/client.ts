// Client details as the edit form holds them and as they are sent back to the core, and
// how a change in the history is shown: screen-free, so it is tested without the app.
import type { ClientFields } from './bindings/ClientFields';
import type { MessageKey } from './i18n';

const empty = (s: string | null | undefined) => (s === null || s === undefined || s.trim() === '' ? null : s.trim());

/** The fields to send: empty text as null, the birth year as a number or null. */
export function toClientFields(f: ClientFields): ClientFields {
  const year = f.birth_year === null || String(f.birth_year).trim() === '' ? null : Number(f.birth_year);
  return {
    ...f,
    pseudonym: empty(f.pseudonym),
    given_name: empty(f.given_name),
    family_name: empty(f.family_name),
    phone: empty(f.phone),
    address: empty(f.address),
    municipality: empty(f.municipality),
    language: empty(f.language),
    birth_year: year,
    // The age group follows the birth year when there is one (the core derives it).
    age_band: year === null ? f.age_band : null,
    contact_safety: {
      ...f.contact_safety,
      if_someone_else_answers: empty(f.contact_safety.if_someone_else_answers),
      notes: empty(f.contact_safety.notes),
    },
  };
}

/** The label of each field a revision names (`changed` of a ClientRevision). */
export const FIELD_LABELS: Record<string, MessageKey> = {
  pseudonym: 'case.pseudonym',
  given_name: 'client.givenName',
  family_name: 'client.familyName',
  phone: 'client.phone',
  address: 'client.address',
  sex: 'client.sex',
  birth_year: 'client.birthYear',
  age_band: 'client.ageBand',
  municipality: 'client.municipality',
  disability: 'client.disability',
  migrant: 'client.migrant',
  language: 'client.language',
  'contact_safety.safe_to_call': 'safety.call',
  'contact_safety.safe_to_text': 'safety.text',
  'contact_safety.safe_to_visit': 'safety.visit',
  'contact_safety.if_someone_else_answers': 'safety.someoneElse',
  'contact_safety.notes': 'safety.notes',
};

/** A field's value in a revision's fields, by its name (`contact_safety.x` reaches in). */
export function fieldValue(f: ClientFields, name: string): unknown {
  if (name.startsWith('contact_safety.')) {
    const key = name.slice('contact_safety.'.length) as keyof ClientFields['contact_safety'];
    return f.contact_safety[key];
  }
  return f[name as keyof ClientFields];
}

/** Whether a field holds a yes / no / not known answer. */
export function isTriField(name: string): boolean {
  return [
    'disability',
    'migrant',
    'contact_safety.safe_to_call',
    'contact_safety.safe_to_text',
    'contact_safety.safe_to_visit',
  ].includes(name);
}
