// End to end on the real app (issue 26): My work as today's work — true counts and a list
// with the order ending in three days marked in words; the calendar (week and month) with
// the appointment and the warning before the order ends; a referral without a current
// consent for that agency warns and records one, then changes status as a dated event; the
// recommendation "review the safety plan" opens the plan with the concerns offered and
// saves nothing empty; a client's name in the Cases list only for a counsellor who chose it,
// hidden at once by the top bar's toggle. axe-core has no serious or critical finding on the
// new screens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApp, checkScreen, type, click, textOf, choose, waitText, startDriver, stopDriver, cli, unlockAs, pointerClick, nativePopups } from './harness.js';

const PASS = 'siandienos darbai e2e';
const COUNSELLOR_PASS = 'jurgos slaptafraze e2e';
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'instruments');

let store;

before(async () => {
  store = await startDriver();
  cli(store, null, PASS, ['init', '--centre-code', 'KLP-T', '--centre-name', 'Today test centre', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(store, 'ona', PASS, ['instrument', 'import', join(FIXTURES, 'count-v1.json')]);
  process.env.ATRAMA_NEW_PASSPHRASE = COUNSELLOR_PASS;
  try {
    cli(store, 'ona', PASS, ['staff', 'add', 'jurga', '--role', 'counsellor']);
  } finally {
    delete process.env.ATRAMA_NEW_PASSPHRASE;
  }
});

after(stopDriver);

/** The local date `days` from today, `YYYY-MM-DD`. */
function inDays(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** An ISO date as the English (en-GB) date fields show it. */
function britishDate(iso) {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** Sets a date or time input the way a person's choice does (input and change events). */
async function setValue(app, selector, value) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await app.execute(
    (node, v) => {
      node.value = v;
      node.dispatchEvent(new Event('input', { bubbles: true }));
      node.dispatchEvent(new Event('change', { bubbles: true }));
    },
    el,
    value,
  );
}

test('today, calendar, referral consent, and the plan opened from the recommendation', async () => {
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'ona', PASS);

    // A case through the intake.
    await click(app, '#nav-intake');
    // The first click after a dropdown acts (issue 26), with the real X pointer (xdotool),
    // not WebDriver's events. A native GTK popup grabbed the pointer, and a press on "Next"
    // while it was open only closed it (measured: lost every time). The list opens in the
    // page instead: no native popup window, a choice made with the pointer, and with the list
    // open again, one press on "Next" goes to "Next".
    await (await app.$('#intake-source')).waitForDisplayed({ timeout: 10000 });
    await pointerClick(app, '#intake-source');
    await (await app.$('#select-popup')).waitForDisplayed({ timeout: 5000 });
    assert.equal(nativePopups(), 0, 'a native popup opened for the dropdown');
    const self = await app.execute(() =>
      [...document.getElementById('intake-source').options].filter((o) => !o.hidden).findIndex((o) => o.value === 'self'),
    );
    await pointerClick(app, `#select-popup-${self}`);
    await app.waitUntil(async () => (await app.execute(() => document.getElementById('intake-source').value)) === 'self', {
      timeout: 5000,
      timeoutMsg: 'the pointer did not choose in the list',
    });
    await pointerClick(app, '#intake-source');
    await (await app.$('#select-popup')).waitForDisplayed({ timeout: 5000 });
    await pointerClick(app, '#intake-next');
    await waitText(app, '#intake-step-title', (t) => t === 'Client');
    assert.equal(await app.$('#select-popup').isExisting(), false, 'the list stayed open');
    await type(app, '#intake-given', 'Aušra');
    await choose(app, '#intake-sex', 'female');
    await click(app, '#intake-next');
    await click(app, '#intake-next');
    await click(app, '#intake-incident-forms input[value="physical"]');
    await choose(app, '#intake-incident-place', 'home');
    await choose(app, '#intake-incident-perp-0-relationship', 'current_spouse');
    await choose(app, '#intake-incident-perp-0-sex', 'male');
    await click(app, '#intake-next');
    await click(app, '#intake-next');
    await choose(app, '#intake-consent-services', 'yes');
    await click(app, '#intake-next');
    // The first appointment booked with the intake, written in its transaction.
    await click(app, '#intake-book-appointment');
    await type(app, '#intake-appointment-date', britishDate(inDays(2)));
    await setValue(app, '#intake-appointment-time', '09:15');
    await type(app, '#intake-appointment-place', 'Counselling room 2');
    await checkScreen(app, '87-intake-first-appointment');
    await click(app, '#intake-finish');
    const caseNumber = await textOf(app, '#case-number');

    // A protection order granted until three days from now, and a court hearing tomorrow.
    await click(app, '#tab-orders');
    await click(app, '#add-order');
    await choose(app, '#order-issuer', 'court');
    await choose(app, '#order-type', 'lt_court_protection_measures');
    await choose(app, '#order-status', 'granted');
    await setValue(app, '#order-starts', inDays(-20));
    await setValue(app, '#order-ends', inDays(3));
    await click(app, '#order-save');
    await waitText(app, '#orders-list', (t) => t.length > 0);
    await click(app, '#tab-appointments');
    await click(app, '#add-appointment');
    await choose(app, '#appointment-kind', 'court');
    // The date as a person types it, in the app language's format (en-GB), never the OS
    // locale's: a date that is not one is said so; the calendar, in the app language, is
    // driven by the keyboard (today focused, the next day chosen with → and Enter).
    await type(app, '#appointment-date', '31/02/2026');
    await app.keys('Tab');
    await waitText(app, '#appointment-date-error', (t) => t === '31/02/2026 is not a date; use DD/MM/YYYY.');
    await click(app, '#appointment-date-calendar-button');
    await app.waitUntil(async () => (await app.execute(() => document.activeElement?.getAttribute('aria-current'))) === 'date', {
      timeout: 10000,
      timeoutMsg: 'the calendar opens with today focused',
    });
    await app.keys('ArrowRight');
    await app.waitUntil(async () => (await app.execute(() => document.activeElement?.dataset.date)) === inDays(1), {
      timeout: 10000,
      timeoutMsg: 'the arrow moves to tomorrow',
    });
    await checkScreen(app, '86-date-field-calendar');
    await app.keys('Enter');
    assert.equal(await (await app.$('#appointment-date')).getValue(), britishDate(inDays(1)));
    assert.equal(await (await app.$('#appointment-date-error')).isExisting(), false, 'the error went with the correction');
    await setValue(app, '#appointment-time', '10:30');
    await type(app, '#appointment-place', 'District court, room 4');
    await type(app, '#appointment-who', 'interpreter');
    await click(app, '#appointment-save');
    await waitText(
      app,
      '#appointments-table',
      (t) => t.includes('Court hearing') && t.includes('10:30') && t.includes('09:15') && t.includes('Counselling room 2'),
    );
    await checkScreen(app, '80-case-appointments');

    // My work: true counts, the order ending soon said in words.
    await click(app, '#nav-home');
    await waitText(app, '#today-count-orders', (t) => t.startsWith('1'));
    assert.match(await textOf(app, '#today-count-appointments'), /^2/, 'the hearing and the meeting booked at intake');
    assert.match(await textOf(app, '#today-count-mine'), /^1/);
    await waitText(app, '#orders-queue', (t) => t.includes(caseNumber) && t.includes('Ends in 3 days'));
    await waitText(
      app,
      '#appointments-queue',
      (t) => t.includes(caseNumber) && t.includes('10:30') && t.includes('Court hearing') && t.includes('09:15'),
    );
    await checkScreen(app, '81-today');

    // The calendar: this week and this month, the order's end warned about.
    await click(app, '#today-show-calendar');
    await waitText(app, '#calendar-warnings', (t) => t.includes(caseNumber) && t.includes('extension'));
    await waitText(app, `#calendar-day-${inDays(3)}`, (t) => t.includes('Protection order ends') && t.includes('⚠'), 10000).catch(
      async () => {
        // The third day may fall in next week: the month view holds it.
        await click(app, '#calendar-month');
        await waitText(app, `#calendar-day-${inDays(3)}`, (t) => t.includes('Protection order ends'));
      },
    );
    await checkScreen(app, '82-calendar-week');
    await click(app, '#calendar-month');
    await waitText(app, `#calendar-day-${inDays(1)}`, (t) => t.includes('10:30') && t.includes('Court hearing'));
    await checkScreen(app, '83-calendar-month');

    // A referral to the police without the client's consent to it: a warning, and the consent
    // recorded from the form; then a status change with its date.
    await click(app, `#calendar-day-${inDays(1)} button`);
    await waitText(app, '#appointments-table', (t) => t.includes('District court'));
    await click(app, '#tab-referrals');
    await click(app, '#add-referral');
    await choose(app, '#referral-agency', 'police');
    await waitText(app, '#referral-consent-warning', (t) => t.includes('no current consent') && t.includes('Police'));
    await checkScreen(app, '84-referral-consent-warning');
    await click(app, '#referral-record-consent');
    await app.waitUntil(async () => !(await (await app.$('#referral-consent-warning')).isExisting()), {
      timeout: 10000,
      timeoutMsg: 'the warning stays after the consent was recorded',
    });
    await waitText(app, '#referral-consent', (t) => t.includes('Referral') && t.includes('Police'));
    assert.notEqual(await (await app.$('#referral-consent')).getValue(), '');
    await click(app, '#referral-save');
    await waitText(app, '#case-notice', (t) => t === 'Referral saved.');
    await click(app, '#referral-status-0');
    await choose(app, '#referral-new-status', 'already_receiving');
    await click(app, '#referral-status-save');
    await waitText(app, '#referrals-table', (t) => t.includes('since'));

    // The recommendation "review the safety plan" opens the plan; nothing is saved empty.
    await click(app, '#tab-risk');
    assert.equal(await (await app.$('#case-notice')).isExisting(), false, 'the message went with the context');
    await choose(app, '#risk-instrument', 'test-count@1');
    await click(app, '#risk-start');
    // Y/N keys at once, each moving to the next item.
    const next = ['q2', 'q3', 'q4', 'q5', 'q6'];
    for (const [i, key] of ['y', 'n', 'n', 'n', 'n', 'n'].entries()) {
      await app.keys(key);
      if (next[i]) {
        await app.waitUntil(async () => (await (await app.$('#risk-item')).getAttribute('data-item')) === next[i], {
          timeout: 10000,
          timeoutMsg: `the stepper did not move to ${next[i]} after ${key}`,
        });
      }
    }
    await textOf(app, '#risk-summary');
    await click(app, '#risk-save');
    await click(app, '#risk-actions button[data-action-kind="safety_plan_review"]');
    await waitText(app, '#plan-notice', (t) => t.startsWith('Opened from the risk assessment'));
    assert.match(await (await app.$('#plan-review')).getValue(), /^\d{2}\/\d{2}\/\d{4}$/);
    await textOf(app, '#plan-offered-concerns');
    assert.equal(await textOf(app, '#plan-none'), 'No safety plan yet.');
    await click(app, '#plan-save');
    await waitText(app, '#plan-form .error, .error[role="alert"]', (t) => t.includes('Nothing is written'));
    assert.equal(await textOf(app, '#plan-none'), 'No safety plan yet.', 'nothing was saved');
    await click(app, '#plan-add-concerns');
    await checkScreen(app, '85-plan-from-recommendation');
    await click(app, '#plan-save');
    await waitText(app, '#plan-versions', (t) => t.includes('Version 1') && !t.includes('Version 2'));

    // Names in lists only where the person chose to see them (issue 26): an administrator is
    // offered no such choice; a counsellor turns it on in her own settings, the Cases list
    // shows the client's name beside the pseudonym, and the top bar's toggle, pressed from
    // the keyboard, hides it at once.
    await click(app, '#nav-settings');
    await textOf(app, '#settings-title');
    assert.equal(await (await app.$('#settings-names-in-lists')).isExisting(), false);
    await click(app, '#lock');
    await textOf(app, '#unlock-title', 30000);
    await unlockAs(app, 'jurga', COUNSELLOR_PASS);
    await click(app, '#nav-cases');
    await waitText(app, '#case-list', (t) => t.includes(caseNumber));
    assert.ok(!(await textOf(app, '#case-list')).includes('Aušra'), 'no name before she chose names');
    await click(app, '#nav-settings');
    await click(app, '#settings-names-in-lists');
    await click(app, '#nav-cases');
    await waitText(app, '#case-list', (t) => t.includes('Aušra'));
    await app.execute(() => document.getElementById('hide-names').focus());
    await app.keys('Enter');
    await waitText(app, '#case-list', (t) => t.includes(caseNumber) && !t.includes('Aušra'));
    assert.equal(await (await app.$('#hide-names')).getAttribute('aria-pressed'), 'true');
    await checkScreen(app, '88-names-hidden');
  } finally {
    await app.deleteSession();
  }
});
