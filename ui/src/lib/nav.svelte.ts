// Which screen of the unlocked workspace is shown. Ids only: case content stays in the
// screens that read it, and goes when they close. Leaving a form with unsaved input asks
// first (`openForms`). When the app locks, the place is remembered in memory (ids only)
// and the same person finds it again after unlocking.
import type { CaseId } from './bindings/CaseId';
import { openForms } from './forms.svelte';
import type { AdminTab } from './permissions.svelte';

export type Section =
  | 'overview'
  | 'incidents'
  | 'services'
  | 'appointments'
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
  'appointments',
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
export type SyncTab = 'identity' | 'partners' | 'export' | 'import' | 'computers';

export const SYNC_TABS: readonly SyncTab[] = ['identity', 'partners', 'export', 'import', 'computers'];

/** The parts of the coordination screen. */
export type CoordTab = 'board' | 'centres' | 'trends' | 'targets' | 'quality' | 'exchange';

export const COORD_TABS: readonly CoordTab[] = ['board', 'centres', 'trends', 'targets', 'quality', 'exchange'];

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

/** Where each form that keeps drafts is found: the case section that holds it. */
export const DRAFT_SECTIONS: Readonly<Record<string, Section>> = {
  note: 'notes',
  note_correction: 'notes',
  service_contact: 'services',
  referral: 'referrals',
  protection_order: 'orders',
  incident: 'incidents',
  child: 'children',
  consent: 'consents',
  risk_assessment: 'risk',
  safety_plan: 'safetyPlan',
  conference: 'conferences',
  case_edit: 'overview',
  case_status: 'overview',
};

/** Where a draft is finished: its intake, the analysis screen, or its case section. */
export function draftRoute(d: { id: string; kind: string; case_id: CaseId | null }): Route {
  if (d.kind === 'intake' || d.case_id === null) return { name: 'intake', draftId: d.id };
  if (d.kind === 'case_analysis') return { name: 'analysis' };
  return { name: 'case', caseId: d.case_id, section: DRAFT_SECTIONS[d.kind] ?? 'overview' };
}

const same = (a: Route, b: Route) => JSON.stringify(a) === JSON.stringify(b);

class Nav {
  route = $state<Route>({ name: 'home' });
  /** Where the person was when the app locked, until the next unlock. */
  private kept: { user: string; route: Route } | null = null;
  /** The id of the intake draft being written, so that the place kept at a lock finds it. */
  intakeDraft: string | null = null;

  /** The intake on screen saved its draft as `id`. The save before a lock may answer only
   *  after the workspace closed (quick hide and sleep blank the window at once): the place
   *  kept for the new intake then becomes that draft, so the unlock reopens it. */
  intakeSaved(id: string): void {
    this.intakeDraft = id;
    const kept = this.kept;
    if (kept && kept.route.name === 'intake' && kept.route.draftId === null) {
      kept.route = { name: 'intake', draftId: id };
    }
  }

  /** Goes to `route`; when a form on screen holds unsaved input, asks first. */
  go(route: Route): void {
    if (same(route, this.route)) return;
    openForms.leave(() => {
      this.route = route;
    });
  }

  openCase(caseId: CaseId, section: Section = 'overview'): void {
    this.go({ name: 'case', caseId, section });
  }

  reset(): void {
    openForms.clear();
    this.route = { name: 'home' };
  }

  /** The app locks under `user`: remembers where they were (ids only), then resets. */
  leaveFor(user: string): void {
    const route = this.route;
    this.kept = {
      user,
      route: route.name === 'intake' && route.draftId === null ? { name: 'intake', draftId: this.intakeDraft } : route,
    };
    this.intakeDraft = null;
    this.reset();
  }

  /** After an unlock: the place `user` left when the app locked, or My work for anyone else. */
  enterFor(user: string): void {
    const kept = this.kept;
    this.kept = null;
    this.intakeDraft = null;
    openForms.clear();
    this.route = kept && kept.user === user ? kept.route : { name: 'home' };
  }
}

export const nav = new Nav();
