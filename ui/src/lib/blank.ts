// Empty forms: the starting values of the records a person fills in. Codes stay empty until
// chosen, tri-state answers start as "not known", dates start as today.
import type { ChildFields } from './bindings/ChildFields';
import type { ClientFields } from './bindings/ClientFields';
import type { IncidentFields } from './bindings/IncidentFields';
import type { PerpetratorLink } from './bindings/PerpetratorLink';
import { today } from './dates';

export function blankPerpetrator(): PerpetratorLink {
  return {
    sex: 'unknown',
    age_band: 'unknown',
    relationship: 'unknown',
    cohabiting_now: 'unknown',
    cohabited_before: 'unknown',
    substance_use: 'unknown',
    weapon_access: 'unknown',
  };
}

export function blankIncident(): IncidentFields {
  return {
    occurred_on: today(),
    ongoing_since: null,
    violence_forms: [],
    place_type: 'unknown',
    reported_to_police: 'unknown',
    perpetrators: [blankPerpetrator()],
    description: null,
    police: { report_number: null, station: null, officer: null, reported_on: null },
  };
}

export function blankChild(): ChildFields {
  return {
    sex: 'unknown',
    age_band: '0_17',
    lives_with_client: 'unknown',
    witnessed: 'unknown',
    directly_harmed: 'unknown',
    child_protection_referral: 'unknown',
  };
}

export function blankClient(): ClientFields {
  return {
    pseudonym: null,
    given_name: null,
    family_name: null,
    phone: null,
    address: null,
    sex: 'female',
    birth_year: null,
    age_band: null,
    municipality: null,
    disability: 'unknown',
    migrant: 'unknown',
    language: null,
    contact_safety: {
      safe_to_call: 'unknown',
      safe_to_text: 'unknown',
      safe_to_visit: 'unknown',
      if_someone_else_answers: null,
      notes: null,
    },
  };
}
