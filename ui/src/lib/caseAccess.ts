// Whether the open case may be changed here. A coordination centre holds other centres'
// cases as read-only replicas: only the owner centre changes a record (the core refuses
// every write to one); the case view says whose it is and offers none of the actions.
import { getContext, setContext } from 'svelte';
import type { Section } from './nav.svelte';

const KEY = Symbol('case-read-only');

/** The sections a replica shows: what a bundle carries. Notes, documents, safety plans and
 *  conferences never leave the centre. */
export const REPLICA_SECTIONS: readonly Section[] = [
  'overview',
  'incidents',
  'services',
  'referrals',
  'orders',
  'children',
  'consents',
  'risk',
  'history',
];

/** Whether a case owned by `owner` is read-only for the centre `own`. */
export function isReplica(owner: string, own: string): boolean {
  return owner !== own;
}

/** Called by the case view: tells the sections inside whether the case is read-only. */
export function provideCaseReadOnly(readOnly: () => boolean): void {
  setContext(KEY, readOnly);
}

/** Called by a section: whether to offer adding and correcting (false outside a case view). */
export function caseReadOnly(): () => boolean {
  return getContext<(() => boolean) | undefined>(KEY) ?? (() => false);
}
