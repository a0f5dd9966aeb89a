// The centre's several computers: the last sync of this session (the workspace runs one by
// itself at every unlock; "Sync now" runs another), the cases with a field changed on two
// computers (the Cases list's marker), and the words a sync's result is said in. Every
// decision is the core's; this only keeps and says what it answered.
import { backend } from './backend';
import type { CaseReview } from './bindings/CaseReview';
import type { SyncResult } from './bindings/SyncResult';
import { describeError } from './errors';
import { formatDateTime, t, type MessageKey } from './i18n';

class PeerSync {
  /** The result of the last sync run in this session (null: none yet). */
  last = $state<SyncResult | null>(null);
  running = $state(false);
  /** Why the last sync could not even be asked for (the store locked, …). */
  error = $state<string | null>(null);
  /** The cases with a field in review, as last asked. */
  reviewCases = $state<ReadonlySet<string>>(new Set());

  /** Syncs through the remembered folder. Never throws: an automatic sync at unlock must
   *  never stand in the way, and its result is a status, not a dialog. */
  async run(automatic: boolean): Promise<SyncResult | null> {
    this.running = true;
    try {
      const result = await backend().peersSync(automatic);
      this.error = null;
      if (result.outcome !== 'not_set_up' && result.outcome !== 'no_folder') this.last = result;
      await this.loadReviewCases();
      return result;
    } catch (e) {
      this.error = automatic ? null : describeError(e);
      return null;
    } finally {
      this.running = false;
    }
  }

  /** Asks which cases have a field in review; quietly none if the core cannot say. */
  async loadReviewCases(): Promise<void> {
    try {
      this.reviewCases = new Set(await backend().peerReviewCases());
    } catch {
      this.reviewCases = new Set();
    }
  }

  clear(): void {
    this.last = null;
    this.error = null;
    this.running = false;
    this.reviewCases = new Set();
  }
}

export const peerSync = new PeerSync();

/** A sync's result in words, with what to do when it did not run. */
export function describeSync(r: SyncResult): string {
  const when = formatDateTime(r.at);
  switch (r.outcome) {
    case 'done':
      return t('peers.sync.done', {
        when,
        how: t(r.automatic ? 'peers.sync.auto' : 'peers.sync.manual'),
        applied: r.applied,
        written: r.written,
      });
    case 'folder_missing':
      return t('peers.sync.missing', { when, folder: r.folder ?? '' });
    case 'no_folder':
      return t('peers.sync.noFolder');
    case 'not_set_up':
      return t('peers.sync.notSetUp');
    case 'failed':
      return t('peers.sync.failed', { when, error: r.error ?? '' });
  }
}

/** The label of a field in review: the form's own label where there is one. */
const FIELD_LABELS: Record<string, MessageKey> = {
  given_name: 'client.givenName',
  family_name: 'client.familyName',
  phone: 'client.phone',
  address: 'client.address',
  safe_to_call: 'safety.call',
  safe_to_text: 'safety.text',
  safe_to_visit: 'safety.visit',
  if_someone_else_answers: 'safety.someoneElse',
  safety_notes: 'safety.notes',
  lead_worker: 'case.lead',
  status: 'case.status',
  referral_source: 'case.referralSource',
  intake_outcome: 'case.intakeOutcome',
  follow_up_on: 'case.followUp',
  police_notified_on: 'case.policeNotifiedOn',
};

/** The code list of a coded field in review (its values are shown by their labels). */
export const FIELD_CODES: Record<string, string> = {
  referral_source: 'referral_source',
  status: 'case_status',
  intake_outcome: 'intake_outcome',
};

export function fieldLabel(review: Pick<CaseReview, 'table' | 'field'>): string {
  const record = t(`peers.review.record.${review.table}` as MessageKey);
  const key = FIELD_LABELS[review.field];
  return `${record}: ${key ? t(key) : review.field.replaceAll('_', ' ')}`;
}
