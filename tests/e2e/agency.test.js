// End to end on the real app: multi-agency work. A coordination centre (in the app) loads
// the referral directory from a CSV file; its return bundle carries it to a centre (CLI on
// both sides, as the other office would). At the centre, in the app: the versions in force,
// a consent naming only some details, a referral letter to a directory agency whose print
// preview holds only those details, in the agency's language; a case conference with two
// actions, an outcome, and its follow-up in My work. axe-core checks each new screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, checkScreen, type, click, textOf, choose, waitText, unlockAs, startDriver, stopDriver, cli } from './harness.js';

const PASS = 'daug institucijų kartu';
const CENTRE = 'KLP-AG';
const COORD = 'KOORD-AG';
const PHONE = '+370 699 12345';
const ADDRESS = 'Slaptoji g. 7, Klaipėda';

let work;
let centreStore;
let coordStore;

const file = (name) => join(work, name);
const json = (store, user, args) => JSON.parse(cli(store, user, PASS, ['--json', ...args]));

/** A date `days` from today, as the date inputs take it. */
function inDays(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-agency-'));
  centreStore = join(work, 'centre');
  coordStore = join(work, 'coord');
  cli(centreStore, null, PASS, ['init', '--centre-code', CENTRE, '--centre-name', 'Klaipėdos centras', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(coordStore, null, PASS, ['init', '--centre-code', COORD, '--centre-name', 'Koordinavimo centras', '--country', 'LT', '--language', 'en', '--admin', 'vida', '--mode', 'coordinator']);
  // Enrolment both ways, fingerprints compared as if by phone.
  cli(centreStore, 'ona', PASS, ['keys', 'export', '--out', file('centre.enrol')]);
  cli(coordStore, 'vida', PASS, ['keys', 'export', '--out', file('coord.enrol')]);
  cli(coordStore, 'vida', PASS, ['enrol', file('centre.enrol'), '--fingerprint', json(centreStore, 'ona', ['keys', 'show']).short]);
  cli(centreStore, 'ona', PASS, ['enrol', file('coord.enrol'), '--fingerprint', json(coordStore, 'vida', ['keys', 'show']).short]);
  writeFileSync(
    file('directory.csv'),
    [
      'id,region,type,name,address,phone,email,language',
      'klp-pol,Klaipėda,police,Klaipėdos apskrities policija,Bangų g. 1,+370 46 100000,klp@policija.lt,lt',
      'klp-soc,Klaipėda,social_services,Klaipėdos socialinės paslaugos,Taikos pr. 2,+370 46 200000,soc@klaipeda.lt,lt',
      'lie-pol,Liepāja,police,Liepājas policija,Ganību iela 3,+371 63 000000,liepaja@vp.gov.lv,lv',
      '',
    ].join('\n'),
  );
});

after(async () => {
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

/** Types a date into a date field as a person does, in the app's English format (DD/MM/YYYY,
 *  en-GB, whatever the OS locale), and checks the field took it. */
async function setDate(app, selector, iso) {
  const [y, m, d] = iso.split('-');
  const shown = `${d}/${m}/${y}`;
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await el.setValue(shown);
  assert.equal(await el.getValue(), shown);
}

async function appOn(store, user) {
  await startDriver({ ATRAMA_STORE: store });
  const app = await openApp();
  await textOf(app, '#unlock-title', 30000);
  await unlockAs(app, user, PASS);
  return app;
}

async function close(app) {
  await app.deleteSession();
  await stopDriver();
}

test('the coordination centre loads the referral directory; a return bundle carries it', async () => {
  const app = await appOn(coordStore, 'vida');
  try {
    await click(app, '#nav-directory');
    assert.equal(await textOf(app, '#directory-title'), 'Referral directory and reference data');
    await type(app, '#directory-file', file('directory.csv'));
    await click(app, '#directory-import');
    await waitText(app, '#directory-notice', (t) => t === 'Directory version 1: 3 agencies.');
    await waitText(app, '#directory-table', (t) => t.includes('Liepājas policija') && t.includes('Taikos pr. 2'));
    await waitText(app, '#reference-versions tr[data-kind="directory"] .version', (t) => t === '1');
    await checkScreen(app, '60-directory-coordinator');
  } finally {
    await close(app);
  }
  const preview = cli(coordStore, 'vida', PASS, ['bundle', 'export', '--to', CENTRE, '--preview']);
  assert.match(preview, /attaches directory directory version 1/);
  cli(coordStore, 'vida', PASS, ['bundle', 'export', '--to', CENTRE, '--out', file('return-1.atrama')]);
  const imported = cli(centreStore, 'ona', PASS, ['bundle', 'import', file('return-1.atrama')]);
  assert.match(imported, /reference data directory directory version 1: applied/);
});

test('a referral letter holds only the consented details; a case conference with two actions', async () => {
  const app = await appOn(centreStore, 'ona');
  try {
    // The versions in force, from the coordination centre's bundle.
    await click(app, '#nav-directory');
    await waitText(app, '#reference-versions tr[data-kind="directory"]', (t) => t.includes('1') && t.includes(`from ${COORD}`));
    await waitText(app, '#directory-table', (t) => t.includes('Klaipėdos apskrities policija'));
    await checkScreen(app, '61-directory-centre');

    // A case with a name, phone and address.
    await click(app, '#nav-intake');
    await choose(app, '#intake-source', 'self');
    await click(app, '#intake-next');
    await type(app, '#intake-given', 'Rūta');
    await type(app, '#intake-family', 'Jonaitė');
    await type(app, '#intake-phone', PHONE);
    await type(app, '#intake-address', ADDRESS);
    await choose(app, '#intake-sex', 'female');
    await click(app, '#intake-next');
    await type(app, '#intake-someone-else', 'say it is the pharmacy');
    await click(app, '#intake-next');
    assert.equal(await textOf(app, '#intake-step-title'), 'First incident');
    await click(app, '#intake-has-incident');
    await click(app, '#intake-next');
    await click(app, '#intake-next');
    await choose(app, '#intake-consent-services', 'yes');
    await click(app, '#intake-next');
    await click(app, '#intake-finish');
    const caseNumber = await textOf(app, '#case-number');

    // Consent to share the name and the safe ways to contact with the police, nothing more.
    await click(app, '#tab-consents');
    await click(app, '#add-consent');
    await choose(app, '#consent-purpose', 'referral');
    await choose(app, '#consent-agency', 'police');
    await click(app, '#consent-field-name');
    await click(app, '#consent-field-contact_safety');
    await click(app, '#consent-save');
    await app
      .waitUntil(async () => (await app.$('#consents-table').isExisting()) || (await app.$('#panel [role="alert"]').isExisting()), { timeout: 15000 })
      .catch(async (e) => {
        throw new Error(`no consents table; the window showed: ${JSON.stringify(await (await app.$('body')).getText())}`, { cause: e });
      });
    const refused = await app.$('#panel [role="alert"]');
    assert.ok(!(await refused.isExisting()), `the consent was refused: ${await refused.getText().catch(() => '')}`);
    await waitText(app, '#panel', (t) => t.includes('Shares: Name, Safe ways to contact'));

    // The referral, then its letter to a police station of the directory.
    await click(app, '#tab-referrals');
    await click(app, '#add-referral');
    await choose(app, '#referral-agency', 'police');
    await click(app, '#referral-save');
    await waitText(app, '#case-notice', (t) => t === 'Referral saved.');
    await click(app, '#referrals-table button.letter-open');
    await textOf(app, '#letter-panel');
    await waitText(app, '#letter-agency', (t) => t.includes('Klaipėdos apskrities policija') && t.includes('Liepājas policija'));
    await choose(app, '#letter-agency', 'klp-pol');
    await click(app, '#letter-create');
    const sheet = await waitText(app, '#letter-sheet', (t) => t.includes('Nukreipimas'));
    // In the agency's language (Lithuanian), addressed from the directory.
    assert.match(sheet, /Klaipėdos apskrities policija/);
    assert.match(sheet, /Bangų g\. 1/);
    assert.match(sheet, /Rūta Jonaitė/);
    assert.match(sheet, /say it is the pharmacy/);
    // The consent it relies on is on the letter.
    // The consent it relies on is on the letter, by its date: no internal id anywhere.
    assert.match(await textOf(app, '#letter-consent-date'), /^\d{4}-\d{2}-\d{2}$/);
    assert.doesNotMatch(sheet, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    // Exactly the consented details, and none of the others anywhere in the page's HTML.
    const fields = [];
    for (const dd of await app.$$('#letter-details dd')) fields.push(await dd.getAttribute('data-field'));
    assert.deepEqual(fields, ['name', 'contact_safety']);
    const html = await (await app.$('#letter-sheet')).getHTML();
    for (const excluded of [PHONE, '699 12345', ADDRESS, 'Slaptoji']) {
      assert.ok(!html.includes(excluded), `'${excluded}' is in the letter`);
    }
    const page = await app.execute(() => document.body.innerHTML);
    assert.ok(!page.includes('Slaptoji') && !page.includes('699 12345'), 'an excluded value is on the page');
    assert.equal(await (await app.$('#letter-print')).isEnabled(), true);
    await waitText(app, '#letters-table', (t) => t.includes('Klaipėdos apskrities policija') && t.includes('lt'));
    // The screenshot shows the letter itself (it used to show only the form above it): the
    // sheet scrolled up to just under the menu and case header that stay put.
    await app.execute(() => {
      const sheet = document.getElementById('letter-sheet');
      const stuck = [...document.querySelectorAll('body *')].filter((el) =>
        ['sticky', 'fixed'].includes(getComputedStyle(el).position),
      );
      window.scrollBy(0, sheet.getBoundingClientRect().top - 400);
      const header = Math.max(0, ...stuck.map((el) => el.getBoundingClientRect()).filter((r) => r.top < 200).map((r) => r.bottom));
      window.scrollBy(0, sheet.getBoundingClientRect().top - header - 12);
    });
    await checkScreen(app, '62-referral-letter-preview');
    assert.ok(!caseNumber.includes('Slaptoji'));

    // A case conference with two actions and a follow-up in three days.
    await click(app, '#tab-conferences');
    await waitText(app, '#panel', (t) => t.includes('No case conferences recorded.'));
    await checkScreen(app, '63-conferences-empty');
    await click(app, '#add-conference');
    await choose(app, '#conference-level', 'high');
    await click(app, '#conference-agency-police');
    await click(app, '#conference-agency-social_services');
    await setDate(app, '#conference-follow-up', inDays(3));
    await type(app, '#action-0-description', 'Apply for a protection order');
    await choose(app, '#action-0-owner', 'police');
    await setDate(app, '#action-0-due', inDays(2));
    await click(app, '#add-action');
    await type(app, '#action-1-description', 'Review the safety plan with the client');
    await choose(app, '#action-1-owner', 'own_centre');
    await checkScreen(app, '64-conference-form');
    await click(app, '#conference-save');
    await waitText(app, '#panel', (t) => t.includes('Case conference recorded.'));
    const conference = await waitText(app, '#panel .conference', (t) => t.includes('Apply for a protection order') && t.includes('Review the safety plan'));
    assert.match(conference, /Risk level agreed: High/);
    assert.match(conference, /Police/);
    assert.match(conference, /Our centre/);

    // Later: the first action's outcome.
    await click(app, '#panel .conference-actions tbody tr:first-child button.link');
    await choose(app, '#outcome-value', 'done');
    await click(app, '#outcome-save');
    await waitText(app, '#panel .conference-actions tbody tr:first-child', (t) => t.includes('Done'));
    await checkScreen(app, '65-conference-recorded');

    // The follow-up is in My work.
    await click(app, '#nav-home');
    await waitText(app, '#conference-followups-queue', (t) => t.includes(caseNumber));
    await checkScreen(app, '66-my-work-conference-follow-up');
  } finally {
    await close(app);
  }
});
