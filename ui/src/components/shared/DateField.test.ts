// The one date field: typed in the app language's format, the model ISO, clear errors for a
// date that is not one, and a calendar in the app language driven by the keyboard.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import DateFieldHost from '../../test/DateFieldHost.svelte';
import { setLanguage } from '../../lib/i18n';
import { today } from '../../lib/dates';

const field = () => document.getElementById('when') as HTMLInputElement;
const model = () => document.getElementById('model')!.textContent;
const submitted = () => Number(document.getElementById('submitted')!.textContent);

function typeText(text: string): void {
  const input = field();
  input.value = text;
  flushSync(() => input.dispatchEvent(new Event('input', { bubbles: true })));
  flushSync(() => input.dispatchEvent(new Event('change', { bubbles: true })));
}

function save(): void {
  // jsdom does not run constraint validation on submit: ask the form as the browser would.
  const form = field().form!;
  if (form.reportValidity()) flushSync(() => fireEvent.submit(form));
  flushSync();
}

/** Lets the field move its focus (after Svelte's tick). */
const settle = () => new Promise((r) => setTimeout(r, 0));

function key(el: Element, k: string, shiftKey = false): void {
  flushSync(() => el.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true })));
}

describe('DateField', () => {
  afterEach(() => {
    cleanup();
    setLanguage('en');
  });

  it('shows the model date in the app language, whatever the OS locale', () => {
    for (const [lang, shown] of [
      ['en', '07/12/2026'],
      ['lt', '2026-12-07'],
      ['lv', '07.12.2026'],
      ['ru', '07.12.2026'],
      ['az', '07.12.2026'],
    ] as const) {
      setLanguage(lang);
      render(DateFieldHost, { value: '2026-12-07' });
      expect(field().value, lang).toBe(shown);
      expect(field().type).toBe('text');
      cleanup();
    }
  });

  it('changes its text with the language, the model staying ISO', () => {
    setLanguage('ru');
    render(DateFieldHost, { value: '2026-12-07' });
    expect(field().value).toBe('07.12.2026');
    flushSync(() => setLanguage('lt'));
    expect(field().value).toBe('2026-12-07');
    expect(model()).toBe('2026-12-07');
  });

  it('takes a typed date into the model as ISO', () => {
    setLanguage('lv');
    render(DateFieldHost);
    typeText('3.4.2027');
    expect(model()).toBe('2027-04-03');
    expect(field().value).toBe('03.04.2027');
    typeText('');
    expect(model()).toBe('');
  });

  it('says clearly when a typed date is not one, and the form does not save it', () => {
    setLanguage('ru');
    render(DateFieldHost, { value: '2026-12-07' });
    typeText('31.02.2026');
    const error = document.getElementById('when-error')!;
    expect(error.textContent).toBe('31.02.2026 — не дата; пишите в формате ДД.ММ.ГГГГ.');
    expect(error.getAttribute('role')).toBe('alert');
    expect(field().getAttribute('aria-invalid')).toBe('true');
    expect(field().getAttribute('aria-describedby')).toBe('when-error');
    save();
    expect(submitted()).toBe(0);
    // Corrected: the message goes, the form saves the new date.
    typeText('28.02.2026');
    expect(document.getElementById('when-error')).toBeNull();
    expect(field().hasAttribute('aria-invalid')).toBe(false);
    save();
    expect(submitted()).toBe(1);
    expect(model()).toBe('2026-02-28');
  });

  it('in English the message names the English pattern', () => {
    render(DateFieldHost);
    typeText('12/31/2026');
    expect(document.getElementById('when-error')!.textContent).toBe('12/31/2026 is not a date; use DD/MM/YYYY.');
    expect(field().placeholder).toBe('DD/MM/YYYY');
  });

  it('follows a model changed from outside', () => {
    const host = render(DateFieldHost, { value: '2026-12-07' });
    flushSync(() => (host.component as unknown as { set(v: string): void }).set('2027-01-15'));
    expect(field().value).toBe('15/01/2027');
  });

  it('opens a calendar in the app language and chooses a day with the keyboard', async () => {
    setLanguage('lt');
    render(DateFieldHost, { value: '2026-12-07' });
    const toggle = document.getElementById('when-calendar-button')!;
    expect(toggle.getAttribute('aria-label')).toBe('Pasirinkti datą kalendoriuje');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(toggle);
    const dialog = document.getElementById('when-calendar')!;
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    // Month and weekday names in Lithuanian, weeks from Monday.
    expect(document.getElementById('when-month')!.textContent).toMatch(/gruodis/);
    const heads = [...dialog.querySelectorAll('th')];
    expect(heads[0]!.getAttribute('abbr')).toBe('pirmadienis');
    expect(heads[6]!.getAttribute('abbr')).toBe('sekmadienis');
    // Focus on the chosen day; arrows, Page Down and Home move it; Enter chooses.
    const focused = () => document.activeElement as HTMLElement;
    expect(focused().dataset.date).toBe('2026-12-07');
    key(focused(), 'ArrowRight');
    await settle();
    expect(focused().dataset.date).toBe('2026-12-08');
    key(focused(), 'ArrowDown');
    await settle();
    expect(focused().dataset.date).toBe('2026-12-15');
    key(focused(), 'PageDown');
    await settle();
    expect(focused().dataset.date).toBe('2027-01-15');
    expect(document.getElementById('when-month')!.textContent).toMatch(/sausis/);
    key(focused(), 'Home');
    await settle();
    expect(focused().dataset.date).toBe('2027-01-11');
    // The form around it (a screen that takes arrows for itself) never saw those keys.
    expect(document.getElementById('keys-outside')!.textContent).toBe('0');
    expect(focused().getAttribute('aria-label')).toMatch(/pirmadienis/);
    await fireEvent.click(focused());
    expect(model()).toBe('2027-01-11');
    expect(field().value).toBe('2027-01-11');
    expect(document.getElementById('when-calendar')).toBeNull();
    expect(document.activeElement).toBe(field());
  });

  it('Escape closes the calendar without changing the date', async () => {
    setLanguage('az');
    render(DateFieldHost, { value: '2026-12-07' });
    await fireEvent.click(document.getElementById('when-calendar-button')!);
    expect(document.getElementById('when-month')!.textContent).toMatch(/dekabr/);
    key(document.activeElement!, 'ArrowLeft');
    await settle();
    key(document.activeElement!, 'Escape');
    expect(document.getElementById('when-calendar')).toBeNull();
    expect(model()).toBe('2026-12-07');
    expect(document.activeElement).toBe(field());
  });

  it('opens on today when there is no date yet, marked as today', async () => {
    render(DateFieldHost);
    await fireEvent.click(document.getElementById('when-calendar-button')!);
    const current = document.querySelector('[aria-current="date"]') as HTMLElement;
    expect(current.dataset.date).toBe(today());
    expect(document.activeElement).toBe(current);
  });
});

describe('the app has one kind of date field', () => {
  it('no native date input is left in the UI (WebKitGTK draws it in the OS locale)', () => {
    const sources = import.meta.glob('../../**/*.svelte', { query: '?raw', import: 'default', eager: true });
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    const found = Object.entries(sources)
      .filter(([, text]) => /type=["']date["']/.test(text as string))
      .map(([path]) => path);
    expect(found).toEqual([]);
  });
});
