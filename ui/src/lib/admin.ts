// Pure helpers of the administration screens.
import type { AccessEntry } from './bindings/AccessEntry';
import type { Action } from './bindings/Action';

/** Every action the access log records, in the order the filter offers them. */
export const ACTIONS: readonly Action[] = [
  'view_case',
  'view_identity',
  'view_document',
  'change',
  'export',
  'print',
  'purge',
  'enrol',
  'import',
  'staff_add',
  'staff_disable',
  'staff_enable',
  'rotate_key',
  'backup',
  'backup_verify',
  'settings',
];

export function isAction(code: string): code is Action {
  return (ACTIONS as readonly string[]).includes(code);
}

/** The entries by `person` (or anyone: '') and `action` (or any: ''). */
export function filterEntries(entries: AccessEntry[], person: string, action: string): AccessEntry[] {
  return entries.filter((e) => (person === '' || e.username === person) && (action === '' || e.action === action));
}

/** The people who appear in `entries`, sorted. */
export function peopleIn(entries: AccessEntry[]): string[] {
  return [...new Set(entries.map((e) => e.username))].sort();
}

/** Whether the typed confirmation matches the word asked for (spaces and case aside). */
export function confirmed(typed: string, word: string, locale: string): boolean {
  return typed.trim().toLocaleUpperCase(locale) === word.trim().toLocaleUpperCase(locale);
}
