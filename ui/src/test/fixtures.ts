// Small fixtures of core answers for component tests (shaped by the generated types).
import type { CaseSummary } from '../lib/bindings/CaseSummary';
import type { CaseDetail } from '../lib/bindings/CaseDetail';
import type { CodeCatalogue } from '../lib/bindings/CodeCatalogue';
import type { RecordMeta } from '../lib/bindings/RecordMeta';

export const catalogue: CodeCatalogue = {
  language: 'en',
  lists: {
    case_status: [
      { code: 'open', label: 'Open' },
      { code: 'closed', label: 'Closed' },
    ],
    referral_source: [
      { code: 'police', label: 'Police notification' },
      { code: 'self', label: 'Self-referral' },
    ],
    closure_reason: [{ code: 'needs_met', label: 'Needs met' }],
    service_discipline: [{ code: 'social_work', label: 'Social work' }],
    service_mode: [
      { code: 'in_person', label: 'In person' },
      { code: 'phone', label: 'Phone' },
    ],
    sex: [{ code: 'female', label: 'Female' }],
    age_band: [{ code: '25_34', label: '25–34' }],
    intake_outcome: [{ code: 'accepted', label: 'Accepted' }],
  },
};

export function summary(n: number, extra: Partial<CaseSummary> = {}): CaseSummary {
  return {
    id: `0190000${n}-0000-7000-8000-000000000000`,
    case_number: `KLP-01-2026-${String(n).padStart(4, '0')}`,
    pseudonym: `P-${n}`,
    status: 'open',
    opened_on: '2026-11-20',
    referral_source: 'police',
    lead_worker: 'ona',
    follow_up_on: null,
    ...extra,
  };
}

const meta: RecordMeta = {
  owner_centre: 'KLP-01',
  version: '1',
  created_at: '2026-11-20T10:00:00Z',
  created_by: 'ona',
};

export function detail(): CaseDetail {
  const s = summary(1);
  return {
    case: {
      id: s.id,
      case_number: s.case_number,
      client_id: '01900000-0000-7000-8000-00000000c11e',
      opened_on: '2026-11-20',
      referral_source: 'police',
      police_notified_on: '2026-11-20',
      first_contact_on: null,
      intake_outcome: 'accepted',
      status: 'open',
      closed_on: null,
      closure_reason: null,
      lead_worker: 'ona',
      team: [],
      follow_up_on: null,
      meta,
    },
    client: {
      id: '01900000-0000-7000-8000-00000000c11e',
      pseudonym: 'Gintarė-7',
      sex: 'female',
      birth_year: null,
      age_band: '25_34',
      municipality: null,
      disability: 'unknown',
      migrant: 'unknown',
      language: null,
      contact_safety: {
        safe_to_call: 'no',
        safe_to_text: 'yes',
        safe_to_visit: 'unknown',
        if_someone_else_answers: null,
        notes: null,
      },
      meta,
    },
    status_events: [],
    incidents: [],
    children: [],
    service_contacts: [],
    referrals: [],
    protection_orders: [],
    consents: [],
    notes: [],
    restricted_notes_hidden: 0,
    documents: [],
  };
}
