// Referrals and the client's consent to them: whether a current consent covers a referral
// to a type of agency, worked out here so that it can be tested without the app.
import type { ConsentEvent } from './bindings/ConsentEvent';

/** The client's current consent to a referral to `agency`: the latest consent event for a
 *  referral to that type of agency, if it gives consent (a later withdrawal ends it). */
export function currentReferralConsent(consents: readonly ConsentEvent[], agency: string): ConsentEvent | null {
  let latest: ConsentEvent | null = null;
  for (const c of consents) {
    if (c.fields.purpose !== 'referral' || c.fields.agency_type !== agency) continue;
    // Oldest first from the core; the same day keeps the later record.
    if (!latest || c.fields.on_date >= latest.fields.on_date) latest = c;
  }
  return latest && latest.fields.given ? latest : null;
}
