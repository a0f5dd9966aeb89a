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

  it('reopens a draft where it was left, and starts afresh from a broken one', () => {
    const form = blankIntake('ona');
    form.step = 3;
    expect(parseIntake(JSON.stringify(form), 'ona').step).toBe(3);
    expect(parseIntake('{not json', 'ona').step).toBe(0);
  });
});
