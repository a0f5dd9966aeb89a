// Which screen of the unlocked workspace is shown. Ids only: case content stays in the
// screens that read it, and goes when they close.
import type { CaseId } from './bindings/CaseId';
import type { AdminTab } from './permissions.svelte';

export type Section =
  | 'overview'
  | 'incidents'
  | 'services'
  | 'referrals'
  | 'orders'
  | 'children'
  | 'consents'
  | 'notes'
  | 'documents'
  | 'risk'
  | 'safetyPlan'
  | 'conferences'
  | 'history';

export const SECTIONS: readonly Section[] = [
  'overview',
  'incidents',
  'services',
  'referrals',
  'orders',
  'children',
  'consents',
  'notes',
  'documents',
  'risk',
  'safetyPlan',
  'conferences',
  'history',
];

/** The parts of the sync screen. */
export type SyncTab = 'identity' | 'partners' | 'export' | 'import';

export const SYNC_TABS: readonly SyncTab[] = ['identity', 'partners', 'export', 'import'];

/** The parts of the coordination screen. */
export type CoordTab = 'board' | 'centres' | 'trends' | 'targets' | 'quality';

export const COORD_TABS: readonly CoordTab[] = ['board', 'centres', 'trends', 'targets', 'quality'];

export type Route =
  | { name: 'home' }
  | { name: 'cases' }
  | { name: 'case'; caseId: CaseId; section: Section }
  | { name: 'intake'; draftId: string | null }
  | { name: 'settings' }
  | { name: 'admin'; tab: AdminTab }
  | { name: 'sync'; tab: SyncTab }
  | { name: 'statistics' }
  | { name: 'analysis' }
  | { name: 'coordination'; tab: CoordTab }
  | { name: 'directory' };

class Nav {
  route = $state<Route>({ name: 'home' });

  go(route: Route): void {
    this.route = route;
  }

  openCase(caseId: CaseId, section: Section = 'overview'): void {
    this.route = { name: 'case', caseId, section };
  }

  reset(): void {
    this.route = { name: 'home' };
  }
}

export const nav = new Nav();
