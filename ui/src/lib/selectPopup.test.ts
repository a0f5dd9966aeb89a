// The in-page list of a dropdown: a press elsewhere closes it and goes on (the native popup
// swallowed it), a choice fires what a native choice fires, the keyboard works as a
// combobox's does, and a scripted change or press does not leave it open.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSelectPopup, installSelectPopups } from './selectPopup';

let uninstall: () => void;

function press(target: Element): MouseEvent {
  const e = new MouseEvent('mousedown', { bubbles: true, cancelable: true, button: 0 });
  target.dispatchEvent(e);
  return e;
}

function key(target: Element, k: string, extra: KeyboardEventInit = {}): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...extra });
  target.dispatchEvent(e);
  return e;
}

const list = () => document.getElementById('select-popup');
const options = () => [...document.querySelectorAll('#select-popup [role=option]')].map((o) => o.textContent);

describe('in-page dropdown lists', () => {
  let select: HTMLSelectElement;
  let next: HTMLButtonElement;
  let events: string[];

  beforeEach(() => {
    document.body.innerHTML = `
      <label for="src">Referral source</label>
      <select id="src">
        <option value="" disabled>Choose…</option>
        <option value="self">Self-referral</option>
        <option value="police">Police</option>
        <option value="court" disabled>Court (retired)</option>
        <option value="ngo">Another organisation</option>
      </select>
      <button id="next">Next</button>`;
    select = document.getElementById('src') as HTMLSelectElement;
    next = document.getElementById('next') as HTMLButtonElement;
    select.value = 'self';
    events = [];
    select.addEventListener('input', () => events.push(`input:${select.value}`));
    select.addEventListener('change', () => events.push(`change:${select.value}`));
    uninstall = installSelectPopups(document, { openOnScriptedPress: true });
  });
  afterEach(() => uninstall());

  it('opens in the page instead of the native popup, and a press elsewhere is not swallowed', () => {
    const opening = press(select);
    expect(opening.defaultPrevented).toBe(true);
    expect(list()?.getAttribute('role')).toBe('listbox');
    expect(list()?.getAttribute('aria-label')).toBe('Referral source');
    expect(options()).toEqual(['Choose…', 'Self-referral', 'Police', 'Court (retired)', 'Another organisation']);
    expect(document.querySelector('#select-popup [aria-selected=true]')?.textContent).toBe('Self-referral');
    expect(select.getAttribute('aria-expanded')).toBe('true');
    expect(document.activeElement).toBe(select);

    const elsewhere = press(next);
    expect(elsewhere.defaultPrevented).toBe(false);
    expect(list()).toBeNull();
    expect(select.hasAttribute('aria-expanded')).toBe(false);
    expect(events).toEqual([]);
  });

  it('a click on an option chooses it as a native choice does', () => {
    press(select);
    const item = (i: number) => document.querySelectorAll<HTMLElement>('#select-popup [role=option]').item(i);
    const police = item(2);
    expect(press(police).defaultPrevented).toBe(true);
    police.click();
    expect(select.value).toBe('police');
    expect(events).toEqual(['input:police', 'change:police']);
    expect(list()).toBeNull();
    // A disabled option is not chosen.
    press(select);
    item(3).click();
    expect(select.value).toBe('police');
    expect(list()).not.toBeNull();
    // Pressing the dropdown again closes it.
    press(select);
    expect(list()).toBeNull();
  });

  it('works from the keyboard', () => {
    select.focus();
    expect(key(select, ' ').defaultPrevented).toBe(true);
    expect(list()).not.toBeNull();
    key(select, 'ArrowDown');
    key(select, 'ArrowDown'); // skips the disabled option
    expect(select.getAttribute('aria-activedescendant')).toBe('select-popup-4');
    key(select, 'Enter');
    expect(select.value).toBe('ngo');
    key(select, 'ArrowDown', { altKey: true });
    key(select, 'p');
    key(select, 'Escape');
    expect(list()).toBeNull();
    expect(select.value).toBe('ngo');
    key(select, 'F4');
    key(select, 'p');
    key(select, ' ');
    expect(select.value).toBe('police');
    expect(events).toEqual(['input:ngo', 'change:ngo', 'input:police', 'change:police']);
    // Tab closes it and moves on as usual (not prevented).
    key(select, 'Enter');
    expect(key(select, 'Tab').defaultPrevented).toBe(false);
    expect(list()).toBeNull();
  });

  it('a change made elsewhere closes it, and a scripted press opens nothing by default', () => {
    press(select);
    select.value = 'ngo';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    expect(list()).toBeNull();
    uninstall();
    uninstall = installSelectPopups(document);
    // WebDriver's choice of an option fires a scripted press on the dropdown.
    expect(press(select).defaultPrevented).toBe(false);
    expect(list()).toBeNull();
    closeSelectPopup();
  });
});
