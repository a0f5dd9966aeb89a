import { describe, expect, it } from 'vitest';
import { currentReferralConsent } from './referrals';
import type { ConsentEvent } from './bindings/ConsentEvent';

const consent = (id: string, purpose: string, agency: string | null, given: boolean, on: string): ConsentEvent => ({
  id,
  supersedes: null,
  fields: { purpose, agency_type: agency, given, given_by: 'self', on_date: on, shared_fields: [] },
  meta: { owner_centre: 'KLP-01', version: '1', created_at: '2026-11-20T10:00:00Z', created_by: 'ona' },
});

describe('currentReferralConsent', () => {
  it('needs a consent to a referral to that very type of agency', () => {
    const list = [
      consent('a', 'referral', 'police', true, '2026-11-01'),
      consent('b', 'statistics', null, true, '2026-11-01'),
    ];
    expect(currentReferralConsent(list, 'police')?.id).toBe('a');
    expect(currentReferralConsent(list, 'shelter')).toBeNull();
    expect(currentReferralConsent([consent('s', 'services', 'shelter', true, '2026-11-01')], 'shelter')).toBeNull();
  });

  it('is ended by a later withdrawal and given again by a later consent', () => {
    const given = consent('a', 'referral', 'police', true, '2026-11-01');
    const withdrawn = consent('b', 'referral', 'police', false, '2026-11-05');
    expect(currentReferralConsent([given, withdrawn], 'police')).toBeNull();
    const again = consent('c', 'referral', 'police', true, '2026-11-09');
    expect(currentReferralConsent([given, withdrawn, again], 'police')?.id).toBe('c');
  });
});
