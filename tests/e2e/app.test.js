// End-to-end test of the real desktop app (the built Tauri binary with the real Rust core),
// driven through tauri-driver and WebKitWebDriver under Xvfb. Run by scripts/test-e2e.sh,
// which builds the app and provides ATRAMA_APP and a display.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openApp, checkScreen, type, click, textOf, choose, waitText, unlockAs, startDriver, stopDriver, speedUpClock } from './harness.js';

const CENTRE = 'Klaipėdos pagalbos centras E2E';
const PASS = 'tylus rytas prie jūros';

let storeRoot;

before(async () => {
  storeRoot = dirname(await startDriver());
});

after(stopDriver);

test('setup, lock, wrong passphrase, unlock, restart', async () => {
  let app = await openApp();
  try {
    // First run: the setup screen.
    assert.equal(await textOf(app, '#setup-title'), 'Set up this computer');
    await type(app, '#setup-code', 'klp-e2e');
    await type(app, '#setup-name', CENTRE);
    await type(app, '#setup-admin', 'ona');
    await type(app, '#setup-passphrase', PASS);
    await type(app, '#setup-again', PASS);
    await click(app, '#setup-next');

    // The recovery key, shown once, typed back in part.
    await textOf(app, '#recovery-key');
    const groups = await app.$$('#recovery-key span').map((el) => el.getText());
    const key = groups.join('-');
    assert.equal(groups.length, 8, `recovery key shows 8 groups: ${key}`);
    assert.match(key, /^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    await checkScreen(app, '01-recovery-key');
    await click(app, '#recovery-written');
    await type(app, '#confirm-group-3', groups[0] === groups[2] ? groups[2] : groups[0]);
    await type(app, '#confirm-group-6', groups[5]);
    await click(app, '#confirm-submit');
    if (groups[0] !== groups[2]) {
      // A wrong group is refused and the store is not created.
      assert.match(await textOf(app, '#confirm-error'), /group 3 does not match/);
      assert.deepEqual(readdirSync(storeRoot), []);
      await (await app.$('#confirm-group-3')).setValue(groups[2]);
      await click(app, '#confirm-submit');
    }

    // Unlocked: the centre's name, then Lock.
    assert.equal(await textOf(app, '#centre-name', 30000), CENTRE);
    await checkScreen(app, '02-home');
    const files = readdirSync(join(storeRoot, 'store'));
    assert.ok(files.includes('atrama.db') && files.includes('keyslots.json'), files.join(','));
    for (const f of files) {
      const bytes = readFileSync(join(storeRoot, 'store', f));
      assert.ok(!bytes.includes(Buffer.from('SQLite format 3')), `${f} has a plaintext SQLite header`);
      // The whole name: three letters like 'E2E' occur by chance in a few megabytes of ciphertext.
      assert.ok(!bytes.includes(Buffer.from(CENTRE)), `${f} holds the centre name in clear`);
    }
    await click(app, '#lock');

    // Locked: the neutral unlock screen, which does not name the centre.
    assert.equal(await textOf(app, '#unlock-title'), 'Unlock');
    assert.ok(!(await (await app.$('body')).getText()).includes(CENTRE));
    await type(app, '#unlock-user', 'ona');
    await type(app, '#unlock-passphrase', 'not the passphrase');
    await click(app, '#unlock-submit');
    assert.equal(await textOf(app, '#unlock-error'), "wrong passphrase for user 'ona'");
    await checkScreen(app, '03-wrong-passphrase');
    assert.equal(await (await app.$('#unlock-passphrase')).getValue(), '');

    await type(app, '#unlock-passphrase', PASS);
    await click(app, '#unlock-submit');
    assert.equal(await textOf(app, '#centre-name', 30000), CENTRE);
  } finally {
    await app.deleteSession();
  }

  // A later run of the app opens on the unlock screen.
  app = await openApp();
  try {
    assert.equal(await textOf(app, '#unlock-title'), 'Unlock');
    await type(app, '#unlock-user', 'ONA');
    await type(app, '#unlock-passphrase', PASS);
    await click(app, '#unlock-submit');
    assert.equal(await textOf(app, '#centre-name', 30000), CENTRE);
  } finally {
    await app.deleteSession();
  }
});

test('counsellor workspace: intake, search, service contacts, close and reopen, quick hide, Lithuanian', async () => {
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title');
    await unlockAs(app, 'ona', PASS);
    assert.equal(await textOf(app, '#home-title'), 'My work');

    // Intake of a police-referred case, step by step.
    await click(app, '#nav-intake');
    assert.equal(await textOf(app, '#intake-step-title'), 'Referral');
    await choose(app, '#intake-source', 'police');
    await textOf(app, '#intake-police-date');
    await click(app, '#intake-next');
    assert.equal(await textOf(app, '#intake-step-title'), 'Client');
    await type(app, '#intake-given', 'Žydrūnė');
    await type(app, '#intake-family', 'Šimkutė');
    await type(app, '#intake-phone', '+370 612 98765');
    await choose(app, '#intake-sex', 'female');
    await click(app, '#intake-next');
    assert.equal(await textOf(app, '#intake-step-title'), 'Contact safety');
    await choose(app, '#intake-safe-call', 'no');
    await choose(app, '#intake-safe-text', 'yes');
    await type(app, '#intake-someone-else', 'Say it is the pharmacy');
    await click(app, '#intake-next');
    assert.equal(await textOf(app, '#intake-step-title'), 'First incident');
    await click(app, '#intake-incident-forms input[value="physical"]');
    await click(app, '#intake-incident-forms input[value="threats"]');
    await choose(app, '#intake-incident-place', 'home');
    await choose(app, '#intake-incident-perp-0-relationship', 'current_spouse');
    await choose(app, '#intake-incident-perp-0-sex', 'male');
    // Saved part-way: the draft is listed on the home screen, and opens where it was left.
    await click(app, '#intake-save-draft');
    await click(app, '#nav-home');
    const draftLink = await app.$('#drafts-list button');
    await draftLink.waitForDisplayed({ timeout: 10000 });
    assert.match(await draftLink.getText(), /Police notification/);
    await checkScreen(app, '04-home-with-draft');
    await draftLink.click();
    assert.equal(await textOf(app, '#intake-step-title'), 'First incident');
    assert.ok(await (await app.$('#intake-incident-forms input[value="threats"]')).isSelected());
    await click(app, '#intake-next');
    assert.equal(await textOf(app, '#intake-step-title'), 'Children');
    await click(app, '#intake-add-child');
    await choose(app, '#intake-child-0-witnessed', 'yes');
    await click(app, '#intake-next');
    await choose(app, '#intake-consent-services', 'yes');
    await choose(app, '#intake-consent-statistics', 'yes');
    await click(app, '#intake-next');
    assert.equal(await textOf(app, '#intake-step-title'), 'Team');
    await checkScreen(app, '05-intake-team');
    await click(app, '#intake-finish');

    // The new case: pseudonym in the header, never the name until asked for.
    const pseudonym = await textOf(app, '#case-pseudonym');
    const caseNumber = await textOf(app, '#case-number');
    assert.match(caseNumber, /^KLP-E2E-\d{4}-0001$/);
    assert.equal(await textOf(app, '#case-status'), 'Open');
    assert.equal(await textOf(app, '#overview-source'), 'Police notification');
    assert.ok(!(await (await app.$('body')).getText()).includes('Šimkutė'), 'the name shows before it is asked for');
    assert.ok(!(await app.getTitle()).includes(pseudonym), 'case content in the window title');
    await click(app, '#tab-incidents');
    await waitText(app, '#panel', (t) => t.includes('Physical violence') || t.includes('Physical'));
    await click(app, '#tab-children');
    await waitText(app, '#panel', (t) => t.includes('Witnessed violence: Yes'));
    await click(app, '#tab-consents');
    await waitText(app, '#consents-table', (t) => (t.match(/Given/g) ?? []).length >= 2);

    // My work lists the police notification still to contact, with its deadline.
    await click(app, '#nav-home');
    await waitText(app, '#police-queue', (t) => t.includes(caseNumber) && /By |Overdue/.test(t));
    await checkScreen(app, '06-my-work');

    // Find it by the name typed without diacritics (Ctrl+K, results as you type).
    await app.keys(['Control', 'k']);
    await type(app, '#search-input', 'zydrune simkute');
    await waitText(app, '#search-results', (t) => t.includes(caseNumber));
    await checkScreen(app, '07-search');
    await app.keys('Enter');
    assert.equal(await textOf(app, '#case-number'), caseNumber);

    // The real name only on demand.
    await click(app, '#show-name');
    assert.equal(await textOf(app, '#client-name'), 'Žydrūnė Šimkutė');
    await click(app, '#hide-name');
    await textOf(app, '#show-name');

    // Two service contacts; the date defaults to today.
    for (const [discipline, mode, minutes] of [
      ['social_work', 'phone', '25'],
      ['legal', 'in_person', '50'],
    ]) {
      await click(app, '#log-contact');
      await choose(app, '#contact-discipline', discipline);
      await choose(app, '#contact-mode', mode);
      await (await app.$('#contact-minutes')).setValue(minutes);
      await click(app, '#contact-save');
      await waitText(app, '#case-notice', (t) => t === 'Service contact saved.');
    }
    await click(app, '#tab-services');
    await waitText(app, '#contacts-table', (t) => t.includes('Social work') && t.includes('Legal counselling') && t.includes('50 minutes'));
    await checkScreen(app, '08-case-services');
    await click(app, '#tab-overview');
    await waitText(app, '#overview-first-contact', (t) => t !== 'Not contacted yet');

    // A referral to the police and a protection order.
    await click(app, '#tab-referrals');
    await click(app, '#add-referral');
    await choose(app, '#referral-agency', 'police');
    await choose(app, '#referral-status', 'referred');
    await click(app, '#referral-save');
    await waitText(app, '#referrals-table', (t) => t.includes('Police') && t.includes('Referred'));
    await click(app, '#tab-orders');
    await click(app, '#add-order');
    await choose(app, '#order-issuer', 'court');
    await choose(app, '#order-type', 'lt_court_protection_measures');
    await choose(app, '#order-status', 'applied');
    await type(app, '#order-applied', '2026-11-20');
    await click(app, '#order-save');
    await waitText(app, '#orders-list', (t) => t.includes('Applied for') && t.includes('Court'));
    await checkScreen(app, '13-case-orders');

    // A document goes into the encrypted store and is shown inside the app.
    const docDir = mkdtempSync(join(tmpdir(), 'atrama-e2e-doc-'));
    const docPath = join(docDir, 'statement.txt');
    writeFileSync(docPath, 'Statement written for the end-to-end test.');
    await click(app, '#tab-documents');
    await (await app.$('#document-file')).setValue(docPath);
    await waitText(app, '#documents-list', (t) => t.includes('statement.txt'));
    rmSync(docDir, { recursive: true, force: true });
    await click(app, '#documents-list button');
    await waitText(app, '#document-viewer', (t) => t.includes('Statement written for the end-to-end test.'));
    await checkScreen(app, '14-case-document');

    // Once contacted, the notification leaves the police queue.
    await click(app, '#nav-home');
    await waitText(app, '#mine-queue', (t) => t.includes(caseNumber));
    assert.ok(!(await (await app.$('#police-queue')).isExisting()) || !(await textOf(app, '#police-queue')).includes(caseNumber));

    // Close with a reason, then reopen.
    await app.keys(['Control', 'k']);
    await type(app, '#search-input', caseNumber);
    await waitText(app, '#search-results', (t) => t.includes(caseNumber));
    await app.keys('Enter');
    await click(app, '#close-case');
    await choose(app, '#status-reason', 'needs_met');
    await click(app, '#status-save');
    assert.equal(await waitText(app, '#case-status', (t) => t !== 'Open'), 'Closed');
    await click(app, '#reopen-case');
    await type(app, '#status-reason', 'came back');
    await click(app, '#status-save');
    await waitText(app, '#case-status', (t) => t === 'Open');
    await click(app, '#tab-history');
    await waitText(app, '#history-list', (t) => t.includes('closed by ona: Needs met') || t.includes('closed by ona'));
    await waitText(app, '#history-list', (t) => t.includes('reopened by ona: came back'));
    await checkScreen(app, '09-case-history');

    // Quick hide: Escape twice blanks and locks; only a new unlock brings the case back.
    await app.keys('Escape');
    await app.keys('Escape');
    assert.equal(await textOf(app, '#unlock-title'), 'Unlock');
    const lockedText = await (await app.$('body')).getText();
    assert.ok(!lockedText.includes(pseudonym) && !lockedText.includes(caseNumber), 'case content left on screen');
    await unlockAs(app, 'ona', PASS);
    // The same person unlocking is back where she was: the same case and tab (issue 21.2).
    await waitText(app, '#history-list', (t) => t.includes('reopened by ona: came back'));
    assert.equal(await textOf(app, '#case-status'), 'Open');

    // The visible Hide button does the same.
    await click(app, '#quick-hide');
    await textOf(app, '#unlock-title');
    await unlockAs(app, 'ona', PASS);

    // Lithuanian: UI labels from the catalogue, code labels from the core's code lists.
    await click(app, '#nav-settings');
    await choose(app, '#settings-language', 'lt');
    assert.equal(await textOf(app, '#settings-title'), 'Nustatymai');
    await click(app, '#nav-home');
    assert.equal(await textOf(app, '#home-title'), 'Mano darbas');
    await waitText(app, '#mine-queue', (t) => t.includes('Atvira'));
    await checkScreen(app, '10-my-work-lt');
    await (await app.$('#mine-queue button')).click();
    assert.equal(await waitText(app, '#case-status', (t) => t !== 'Open'), 'Atvira');
    await waitText(app, '#overview-source', (t) => t === 'Policijos pranešimas');
    await checkScreen(app, '11-case-lt');

    // The unlock screen speaks the chosen language, and switches back to English there.
    await click(app, '#lock');
    await waitText(app, '#unlock-title', (t) => t === 'Atrakinti');
    await checkScreen(app, '12-unlock-lt');
    await choose(app, '#unlock-language', 'en');
    await waitText(app, '#unlock-title', (t) => t === 'Unlock');
  } finally {
    await app.deleteSession();
  }
});

test('auto-lock after the shortest inactivity setting', async () => {
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title');
    await unlockAs(app, 'ona', PASS);
    await click(app, '#nav-settings');
    // The discreet name replaces "Atrama" in the title bar.
    await type(app, '#settings-window-title', 'Užrašai');
    await app.keys('Tab');
    await textOf(app, '#settings-window-title-saved');
    assert.equal(await app.getTitle(), 'Užrašai');
    await choose(app, '#settings-autolock', '1');
    await click(app, '#nav-home');
    assert.equal(await textOf(app, '#home-title'), 'My work');
    // One minute without a key press or a click, plus one tick of the idle timer, on the
    // page's clock run five times as fast (a minute in 12 s; harness.js, speedUpClock). Not
    // before the minute is over on that clock (a lower bound: a slow machine only makes it
    // later); the wait itself is generous, so that it catches a lock that never comes, not
    // a busy machine.
    const SPEED = 5;
    await speedUpClock(app, SPEED);
    const locked = Date.now();
    await waitText(app, '#unlock-title', (t) => t === 'Unlock', 120000);
    const after = ((Date.now() - locked) / 1000) * SPEED;
    assert.ok(after >= 55, `locked after ${after} s on the page's clock, before the minute was over`);
    assert.ok(!(await (await app.$('body')).getText()).includes('My work'));
    await unlockAs(app, 'ona', PASS);
    assert.equal(await textOf(app, '#home-title'), 'My work');
  } finally {
    await app.deleteSession();
  }
});
