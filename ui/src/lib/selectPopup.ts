// In-page option lists for every dropdown (`<select>`) of the app (issue 26 item 8: the
// first click after a dropdown is never lost).
//
// # Why not the native popup
// WebKitGTK shows a `<select>`'s options in a native GTK menu that grabs the pointer. A click
// anywhere else while it is open only closes the menu: a counsellor who opens a dropdown, sees
// the value is right and presses "Next" has to press it again. That was measured with the
// real X pointer (tests/e2e/today.test.js, xdotool): the click was lost every time.
//
// # What this does instead
// A press on a dropdown opens a list in the page under it, with the same options; a press
// outside closes the list and is not swallowed: it goes on to what was pressed. The
// `<select>` stays the form field (its value, `bind:value`, labels and the tests' `choose()`
// are unchanged); choosing sets its `selectedIndex` and fires `input` and `change` as a
// native choice does. Keyboard: Space, Enter, Alt+↓ or F4 open the list; ↑ ↓ Home End
// PageUp PageDown and the first letter move in it; Enter or Space choose; Escape and Tab
// close it. Focus stays on the dropdown, which names the active option with
// `aria-activedescendant`, as a combobox does.

const LIST_ID = 'select-popup';

interface Open {
  select: HTMLSelectElement;
  list: HTMLDivElement;
  items: HTMLDivElement[];
  /** Index into `select.options` of each item. */
  indexes: number[];
  active: number;
}

let open: Open | null = null;
/** Whether a press made by a script opens a list too (component tests only: WebDriver's
 * choice of an option fires a scripted press on its dropdown, which must not open it). */
let scriptedPressesOpen = false;

/** Whether `el` is a dropdown this module opens (one choice, shown as one line). */
function isDropdown(el: EventTarget | null): el is HTMLSelectElement {
  return el instanceof HTMLSelectElement && !el.multiple && el.size <= 1 && !el.disabled;
}

function setActive(at: number): void {
  if (!open || open.items.length === 0) return;
  const i = Math.max(0, Math.min(open.items.length - 1, at));
  open.items[open.active]?.classList.remove('active');
  open.active = i;
  const item = open.items[i];
  if (!item) return;
  item.classList.add('active');
  open.select.setAttribute('aria-activedescendant', item.id);
  item.scrollIntoView?.({ block: 'nearest' });
}

/** Moves the active item by `step`, skipping disabled options. */
function move(step: number): void {
  if (!open) return;
  let i = open.active;
  for (let n = 0; n < open.items.length; n++) {
    i += step;
    if (i < 0 || i >= open.items.length) return;
    if (open.items[i]?.getAttribute('aria-disabled') !== 'true') {
      setActive(i);
      return;
    }
  }
}

/** Closes the open list, if any; focus stays where it is. */
export function closeSelectPopup(): void {
  if (!open) return;
  open.list.remove();
  open.select.removeAttribute('aria-expanded');
  open.select.removeAttribute('aria-controls');
  open.select.removeAttribute('aria-activedescendant');
  open = null;
}

/** Chooses the active item: the dropdown's value, with the events a native choice fires. */
function chooseActive(): void {
  if (!open) return;
  const { select, indexes, active, items } = open;
  if (items[active]?.getAttribute('aria-disabled') === 'true') return;
  const index = indexes[active];
  closeSelectPopup();
  if (index === undefined || select.selectedIndex === index) return;
  select.selectedIndex = index;
  select.dispatchEvent(new Event('input', { bubbles: true }));
  select.dispatchEvent(new Event('change', { bubbles: true }));
}

function place(select: HTMLSelectElement, list: HTMLDivElement): void {
  const r = select.getBoundingClientRect();
  const below = window.innerHeight - r.bottom;
  const above = r.top;
  const room = Math.max(below, above) - 8;
  list.style.left = `${Math.max(0, r.left)}px`;
  list.style.minWidth = `${r.width}px`;
  list.style.maxHeight = `${Math.max(120, Math.min(320, room))}px`;
  if (below >= Math.min(320, list.scrollHeight) + 8 || below >= above) {
    list.style.top = `${r.bottom + 2}px`;
    list.style.bottom = '';
  } else {
    list.style.top = '';
    list.style.bottom = `${window.innerHeight - r.top + 2}px`;
  }
}

/** Opens the list of `select` under it. */
export function openSelectPopup(select: HTMLSelectElement): void {
  closeSelectPopup();
  const doc = select.ownerDocument;
  const list = doc.createElement('div');
  list.id = LIST_ID;
  list.className = 'select-popup';
  list.setAttribute('role', 'listbox');
  const label = select.labels?.[0]?.textContent?.trim() || select.getAttribute('aria-label');
  if (label) list.setAttribute('aria-label', label);
  const items: HTMLDivElement[] = [];
  const indexes: number[] = [];
  let selected = 0;
  Array.from(select.options).forEach((option, index) => {
    if (option.hidden) return;
    const item = doc.createElement('div');
    item.id = `${LIST_ID}-${items.length}`;
    item.className = 'select-popup-option';
    item.setAttribute('role', 'option');
    item.textContent = option.label || option.text || '\u00a0';
    const disabled =
      option.disabled || (option.parentElement instanceof HTMLOptGroupElement && option.parentElement.disabled);
    if (disabled) item.setAttribute('aria-disabled', 'true');
    item.setAttribute('aria-selected', String(index === select.selectedIndex));
    if (index === select.selectedIndex) selected = items.length;
    items.push(item);
    indexes.push(index);
    list.append(item);
  });
  // Keep the focus on the dropdown when the list is pressed.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  list.addEventListener('mousemove', (e) => {
    const i = items.indexOf((e.target as Element).closest?.('.select-popup-option') as HTMLDivElement);
    if (i >= 0 && i !== open?.active) setActive(i);
  });
  list.addEventListener('click', (e) => {
    const i = items.indexOf((e.target as Element).closest?.('.select-popup-option') as HTMLDivElement);
    if (i < 0 || items[i]?.getAttribute('aria-disabled') === 'true') return;
    if (open) open.active = i;
    chooseActive();
  });
  doc.body.append(list);
  place(select, list);
  select.setAttribute('aria-expanded', 'true');
  select.setAttribute('aria-controls', LIST_ID);
  open = { select, list, items, indexes, active: selected };
  setActive(selected);
}

function onMouseDown(e: MouseEvent): void {
  if (open && open.list.contains(e.target as Node)) return;
  if (e.button === 0 && isDropdown(e.target) && (e.isTrusted || scriptedPressesOpen)) {
    // Instead of the native popup, which would swallow the next click elsewhere.
    e.preventDefault();
    const select = e.target;
    const wasOpen = open?.select === select;
    select.focus();
    if (wasOpen) closeSelectPopup();
    else openSelectPopup(select);
    return;
  }
  // A press anywhere else closes the list and goes on to what was pressed.
  closeSelectPopup();
}

function onKeyDown(e: KeyboardEvent): void {
  if (open && e.target === open.select) {
    const page = Math.max(1, Math.floor(open.list.clientHeight / 32));
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(1),
      ArrowUp: () => move(-1),
      Home: () => setActive(0),
      End: () => setActive(open ? open.items.length - 1 : 0),
      PageDown: () => setActive((open?.active ?? 0) + page),
      PageUp: () => setActive((open?.active ?? 0) - page),
      Enter: chooseActive,
      ' ': chooseActive,
      Escape: closeSelectPopup,
    };
    if (e.key === 'Tab') {
      closeSelectPopup();
      return;
    }
    const act = keys[e.key];
    if (act) {
      e.preventDefault();
      e.stopPropagation();
      act();
      return;
    }
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // The next option starting with the letter typed.
      e.preventDefault();
      const letter = e.key.toLocaleLowerCase();
      const n = open.items.length;
      for (let step = 1; step <= n; step++) {
        const i = (open.active + step) % n;
        const item = open.items[i];
        if (
          item &&
          item.getAttribute('aria-disabled') !== 'true' &&
          (item.textContent ?? '').trim().toLocaleLowerCase().startsWith(letter)
        ) {
          setActive(i);
          break;
        }
      }
    }
    return;
  }
  if (isDropdown(e.target)) {
    const opens =
      e.key === ' ' ||
      e.key === 'Enter' ||
      e.key === 'F4' ||
      (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp'));
    if (opens) {
      e.preventDefault();
      openSelectPopup(e.target);
    }
  }
}

/** A change of the open dropdown made elsewhere (a test's choice, a reset) closes its list. */
function onChange(e: Event): void {
  if (open && e.target === open.select) closeSelectPopup();
}

function onFocusOut(e: FocusEvent): void {
  if (open && e.target === open.select && !open.list.contains(e.relatedTarget as Node)) closeSelectPopup();
}

/** Closes the list when the page scrolls or the window is resized (it would float away). */
function onScroll(e: Event): void {
  if (open && !(e.target instanceof Node && open.list.contains(e.target))) closeSelectPopup();
}

/** Installs the in-page lists for every dropdown of `doc`; returns the uninstaller. */
export function installSelectPopups(doc: Document = document, { openOnScriptedPress = false } = {}): () => void {
  scriptedPressesOpen = openOnScriptedPress;
  const win = doc.defaultView ?? window;
  doc.addEventListener('mousedown', onMouseDown, true);
  doc.addEventListener('keydown', onKeyDown, true);
  doc.addEventListener('change', onChange, true);
  doc.addEventListener('focusout', onFocusOut, true);
  doc.addEventListener('scroll', onScroll, true);
  win.addEventListener('resize', closeSelectPopup);
  return () => {
    closeSelectPopup();
    doc.removeEventListener('mousedown', onMouseDown, true);
    doc.removeEventListener('keydown', onKeyDown, true);
    doc.removeEventListener('change', onChange, true);
    doc.removeEventListener('focusout', onFocusOut, true);
    doc.removeEventListener('scroll', onScroll, true);
    win.removeEventListener('resize', closeSelectPopup);
  };
}
