// Test data of the sync screens (component tests only).
import type { ImportSummary } from '../lib/bindings/ImportSummary';
import type { PeerSync } from '../lib/bindings/PeerSync';
import type { ExportPreview } from '../lib/bindings/ExportPreview';
import type { CentreProfile } from '../lib/bindings/CentreProfile';

export function importSummary(over: Partial<ImportSummary> = {}): ImportSummary {
  return {
    file_name: 'a.atrama',
    bundle_id: 'b1',
    sender: 'KLP-01',
    sender_name: 'Klaipėda',
    kind: 'centre_export',
    sequence: 1,
    period: '2026-11 – 2026-11',
    outcome: 'applied',
    notes: [],
    tables: {
      client: { new: 3, updated: 1, unchanged: 2, rejected: 0 },
      case_file: { new: 4, updated: 0, unchanged: 0, rejected: 1 },
    },
    withdrawn: 0,
    purged: 0,
    acknowledged: 0,
    rejected: [],
    unknown_codes: [],
    reference: [],
    ...over,
  };
}

export const centreProfile: CentreProfile = {
  code: 'KLP-01',
  name: 'Klaipėdos centras',
  country: 'LT',
  language: 'en',
  mode: 'centre',
};

export function peerSync(over: Partial<PeerSync> = {}): PeerSync {
  return {
    peer: {
      fingerprint: { hex: 'ab'.repeat(32), short: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF' },
      centre_code: 'KOORD',
      name: 'Coordination centre',
      country: 'LT',
      mode: 'coordinator',
      enrolled_at: '2026-11-20T10:00:00Z',
    },
    sharing: 'pseudonymised',
    pending_changes: 0,
    last_sent_sequence: null,
    last_sent_at: null,
    last_confirmed_at: null,
    last_confirmed_sequence: null,
    unconfirmed_bundles: 0,
    last_received_sequence: null,
    last_received_at: null,
    missing_sequences: [],
    ...over,
  };
}

export function exportPreview(over: Partial<ExportPreview> = {}): ExportPreview {
  return {
    recipient: 'KOORD',
    recipient_name: 'Coordination centre',
    kind: 'centre_export',
    sharing: 'pseudonymised',
    sequence: 3,
    change_seq_from: 0,
    change_seq_to: 120,
    counts: { client: 12, case_file: 12, incident: 20 },
    fields: { client: ['id', 'pseudonym', 'sex'], case_file: ['id', 'case_number'], incident: ['id', 'occurred_on'] },
    withheld: { client: ['given_name', 'family_name', 'phone'], case_file: ['lead_worker'], incident: [] },
    cases_without_consent: 5,
    withdrawn: 1,
    purged: 0,
    acks: 0,
    reference: [],
    ...over,
  };
}
