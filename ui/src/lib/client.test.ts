// The client edit form's values as sent to the core, and how a revision's fields are read.
import { describe, expect, it } from 'vitest';
import { fieldValue, FIELD_LABELS, isTriField, toClientFields } from './client';
import { blankClient } from './blank';
import { catalogues } from './i18n';

describe('client details', () => {
  it('sends empty text as null and the birth year as a number, the age group then derived', () => {
    const f = { ...blankClient(), given_name: '  ', phone: ' +370 612 34567 ', age_band: '25_34' };
    (f as { birth_year: unknown }).birth_year = '1988';
    f.contact_safety = { ...f.contact_safety, if_someone_else_answers: '', notes: ' call after 18:00 ' };
    const out = toClientFields(f);
    expect(out.given_name).toBeNull();
    expect(out.phone).toBe('+370 612 34567');
    expect(out.birth_year).toBe(1988);
    expect(out.age_band).toBeNull();
    expect(out.contact_safety.if_someone_else_answers).toBeNull();
    expect(out.contact_safety.notes).toBe('call after 18:00');
    // Without a birth year the chosen age group stays.
    expect(toClientFields({ ...f, birth_year: null }).age_band).toBe('25_34');
  });

  it('reads every field a revision names, with a label in the catalogue', () => {
    const f = { ...blankClient(), phone: '+370 600 00000' };
    f.contact_safety = { ...f.contact_safety, safe_to_call: 'no' };
    expect(fieldValue(f, 'phone')).toBe('+370 600 00000');
    expect(fieldValue(f, 'contact_safety.safe_to_call')).toBe('no');
    expect(isTriField('contact_safety.safe_to_call')).toBe(true);
    expect(isTriField('phone')).toBe(false);
    for (const key of Object.values(FIELD_LABELS)) expect(catalogues.en[key], key).toBeTruthy();
  });
});
