// The intake form's state as it is kept in a draft (JSON inside the encrypted store), and
// the record it becomes. The core checks every code when the intake is recorded.
import type { AppointmentFields } from './bindings/AppointmentFields';
import type { ConsentFields } from './bindings/ConsentFields';
import type { Intake } from './bindings/Intake';
import type { Tri } from './bindings/Tri';
import { blankClient, blankIncident } from './blank';
import { today } from './dates';

export const INTAKE_STEPS = ['referral', 'client', 'safety', 'incident', 'children', 'consents', 'team'] as const;
export type IntakeStep = (typeof INTAKE_STEPS)[number];

export interface IntakeForm {
  version: 1;
  step: number;
  intake: Intake;
  hasIncident: boolean;
  consentServices: Tri;
  consentStatistics: Tri;
  consentBy: string;
  /** Book the first appointment with the intake (written in the same transaction). */
  hasAppointment: boolean;
  /** The first appointment as typed (recorded only with `hasAppointment`). */
  appointment: AppointmentFields;
}

/** A first appointment: a meeting with the client, today, an hour, the person recording goes. */
export function blankAppointment(): AppointmentFields {
  return { kind: 'meeting', on_date: today(), at_time: null, minutes: 60, place: null, with_whom: null, staff: null };
}

export function blankIntake(lead: string): IntakeForm {
  return {
    version: 1,
    step: 0,
    intake: {
      client: blankClient(),
      opened_on: today(),
      case: {
        referral_source: '',
        police_notified_on: today(),
        intake_outcome: 'accepted',
        lead_worker: lead,
        team: [],
        follow_up_on: null,
      },
      incident: blankIncident(),
      children: [],
      consents: [],
      existing_client: null,
      appointment: null,
    },
    hasIncident: true,
    consentServices: 'unknown',
    consentStatistics: 'unknown',
    consentBy: 'self',
    hasAppointment: false,
    appointment: blankAppointment(),
  };
}

/** Reads a draft's body; anything unreadable starts a fresh form. */
export function parseIntake(body: string, lead: string): IntakeForm {
  try {
    const form = JSON.parse(body) as IntakeForm;
    if (form && form.version === 1 && form.intake) {
      form.intake.existing_client ??= null;
      // A draft from before appointments at intake.
      form.hasAppointment ??= false;
      form.appointment ??= blankAppointment();
      return form;
    }
  } catch {
    // fall through
  }
  return blankIntake(lead);
}

const empty = (s: string | null) => (s === null || s.trim() === '' ? null : s.trim());

/** The intake to record: empty text as null, consents answered yes or no recorded. */
export function toIntake(form: IntakeForm): Intake {
  const { intake } = form;
  const consents: ConsentFields[] = [];
  for (const [purpose, answer] of [
    ['services', form.consentServices],
    ['statistics', form.consentStatistics],
  ] as const) {
    if (answer !== 'unknown') {
      consents.push({
        purpose,
        agency_type: null,
        given: answer === 'yes',
        given_by: form.consentBy,
        on_date: intake.opened_on,
        shared_fields: [],
      });
    }
  }
  const c = intake.client;
  return {
    client: {
      ...c,
      pseudonym: empty(c.pseudonym),
      given_name: empty(c.given_name),
      family_name: empty(c.family_name),
      phone: empty(c.phone),
      address: empty(c.address),
      language: empty(c.language),
      municipality: empty(c.municipality),
      birth_year: c.birth_year === null || String(c.birth_year) === '' ? null : Number(c.birth_year),
      contact_safety: {
        ...c.contact_safety,
        if_someone_else_answers: empty(c.contact_safety.if_someone_else_answers),
        notes: empty(c.contact_safety.notes),
      },
    },
    opened_on: intake.opened_on,
    case: {
      ...intake.case,
      police_notified_on: intake.case.referral_source === 'police' ? intake.case.police_notified_on || null : null,
      follow_up_on: intake.case.follow_up_on || null,
    },
    incident:
      form.hasIncident && intake.incident
        ? { ...intake.incident, occurred_on: intake.incident.occurred_on || null }
        : null,
    children: intake.children,
    consents,
    // A client found by the duplicate check ("this is her"): the case is hers.
    existing_client: intake.existing_client ?? null,
    appointment: form.hasAppointment
      ? {
          ...form.appointment,
          at_time: empty(form.appointment.at_time),
          minutes: Number(form.appointment.minutes) || 0,
          place: empty(form.appointment.place),
          with_whom: empty(form.appointment.with_whom),
          staff: empty(form.appointment.staff),
        }
      : null,
  };
}
