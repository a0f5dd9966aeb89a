// The intake form becomes the record the core writes.
import { describe, expect, it } from 'vitest';
import { blankIntake, parseIntake, toIntake } from './intake';

describe('intake form', () => {
  it('records consents answered yes or no, and nothing for "not known"', () => {
    const form = blankIntake('ona');
    form.consentServices = 'yes';
    form.consentStatistics = 'unknown';
    expect(toIntake(form).consents).toEqual([
      {
        purpose: 'services',
        agency_type: null,
        given: true,
        given_by: 'self',
        on_date: form.intake.opened_on,
        shared_fields: [],
      },
    ]);
    form.consentStatistics = 'no';
    expect(toIntake(form).consents.map((c) => [c.purpose, c.given])).toEqual([
      ['services', true],
      ['statistics', false],
    ]);
  });

  it('keeps the police date only for a police referral, and empty text as null', () => {
    const form = blankIntake('ona');
    form.intake.case.referral_source = 'self';
    form.intake.client.given_name = '  ';
    form.intake.client.family_name = ' Šimkutė ';
    const intake = toIntake(form);
    expect(intake.case.police_notified_on).toBeNull();
    expect(intake.client.given_name).toBeNull();
    expect(intake.client.family_name).toBe('Šimkutė');
    form.intake.case.referral_source = 'police';
    expect(toIntake(form).case.police_notified_on).toBe(form.intake.case.police_notified_on);
  });

  it('leaves the incident out when it is not recorded now', () => {
    const form = blankIntake('ona');
    form.hasIncident = false;
    expect(toIntake(form).incident).toBeNull();
  });

  it('books the first appointment only when asked, empty text as null', () => {
    const form = blankIntake('ona');
    expect(form.hasAppointment).toBe(false);
    expect(toIntake(form).appointment).toBeNull();
    form.hasAppointment = true;
    form.appointment.on_date = '2026-12-09';
    form.appointment.at_time = '';
    form.appointment.place = '  Room 2 ';
    form.appointment.with_whom = ' ';
    form.appointment.minutes = '45' as unknown as number;
    expect(toIntake(form).appointment).toEqual({
      kind: 'meeting',
      on_date: '2026-12-09',
      at_time: null,
      minutes: 45,
      place: 'Room 2',
      with_whom: null,
      staff: null,
    });
  });

  it('an intake draft kept before appointments at intake still opens, without one', () => {
    const old = blankIntake('ona') as Partial<ReturnType<typeof blankIntake>>;
    delete old.hasAppointment;
    delete old.appointment;
    const form = parseIntake(JSON.stringify(old), 'ona');
    expect(form.hasAppointment).toBe(false);
    expect(form.appointment.kind).toBe('meeting');
    expect(toIntake(form).appointment).toBeNull();
  });

  it('reopens a draft where it was left, and starts afresh from a broken one', () => {
    const form = blankIntake('ona');
    form.step = 3;
    expect(parseIntake(JSON.stringify(form), 'ona').step).toBe(3);
    expect(parseIntake('{not json', 'ona').step).toBe(0);
  });
});
