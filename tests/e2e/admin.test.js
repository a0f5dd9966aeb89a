// End-to-end test of administration in the real desktop app against the real core: an
// administrator adds a counsellor, who is not offered Administration; the administrator
// disables them and rotates the database key, watching the progress to the end; the
// counsellor can no longer unlock, the administrator can. Along the way: the access log
// with its chain check, a case's own access log from its History, and a backup written to
// a typed folder and verified, which clears the home screen's reminder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, checkScreen, type, click, textOf, waitText, unlockAs, startDriver, stopDriver, cli } from './harness.js';

const ADMIN = 'ona';
const ADMIN_PASS = 'vakaras prie marių';
const COLLEAGUE = 'tomas';
const COLLEAGUE_PASS = 'ruduo kopose ir vėjas';

let store;
let backups;

before(async () => {
  store = await startDriver();
  // The store is made with the command-line tool, as scripts/demo.sh does, with three
  // fictitious clients so that there is a case whose History can be read.
  cli(store, null, ADMIN_PASS, [
    'init', '--centre-code', 'ADM-01', '--centre-name', 'Administration E2E (fictitious)',
    '--country', 'LT', '--language', 'en', '--admin', ADMIN,
  ]);
  cli(store, ADMIN, ADMIN_PASS, ['demo', '--clients', '3', '--months', '6']);
  backups = mkdtempSync(join(tmpdir(), 'atrama-e2e-backups-'));
});

after(async () => {
  await stopDriver();
  if (backups) rmSync(backups, { recursive: true, force: true });
});

async function lock(app) {
  await click(app, '#lock');
  await textOf(app, '#unlock-title');
}

test('staff, key rotation after disabling a colleague, access log, backups', async () => {
  const app = await openApp();
  try {
    await textOf(app, '#unlock-title');
    await unlockAs(app, ADMIN, ADMIN_PASS);

    // A fresh store has no verified backup: the administrator is reminded at home.
    assert.match(await textOf(app, '#backup-reminder'), /A backup is due\. No backup has been verified yet/);

    // Add a counsellor with a discipline and an initial passphrase typed twice.
    await click(app, '#nav-admin');
    assert.equal(await textOf(app, '#admin-staff-title'), 'Staff');
    await click(app, '#staff-add');
    await type(app, '#staff-user', COLLEAGUE);
    await click(app, '#staff-disciplines input[value="legal"]');
    await type(app, '#staff-passphrase', COLLEAGUE_PASS);
    await type(app, '#staff-again', COLLEAGUE_PASS);
    await click(app, '#staff-add-submit');
    await waitText(app, '#staff-notice', (t) => t.includes(`${COLLEAGUE} can now unlock the store`));
    const row = await waitText(app, `#staff-row-${COLLEAGUE}`, (t) => t.includes('Counsellor'));
    assert.match(row, /Legal counselling/);
    assert.match(row, /✓ Active/);
    await checkScreen(app, '30-admin-staff');
    await lock(app);

    // The colleague unlocks with that passphrase and is not offered Administration.
    await unlockAs(app, COLLEAGUE, COLLEAGUE_PASS);
    assert.equal(await textOf(app, '#home-title'), 'My work');
    await textOf(app, '#nav-settings');
    assert.equal(await (await app.$('#nav-admin')).isExisting(), false, 'a counsellor is offered Administration');
    assert.equal(await (await app.$('#backup-reminder')).isExisting(), false, 'a counsellor is reminded of backups');
    await lock(app);

    // The administrator disables the colleague (confirmed, explained), then rotates the key.
    await unlockAs(app, ADMIN, ADMIN_PASS);
    await click(app, '#nav-admin');
    await click(app, `#staff-disable-${COLLEAGUE}`);
    assert.match(await textOf(app, '#disable-dialog'), /key slot is removed/);
    await click(app, '#staff-disable-confirm');
    await waitText(app, '#staff-notice', (t) => t.includes(`The account of ${COLLEAGUE} is disabled`));
    const disabled = await waitText(app, `#staff-row-${COLLEAGUE}`, (t) => t.includes('Disabled'));
    assert.match(disabled, /⊘ Disabled\s*No\s*Re-enable/);
    await click(app, '#staff-go-rotate');
    assert.equal(await textOf(app, '#admin-rotation-title'), 'Rotate the database key');
    await click(app, '#rotate-start');
    await click(app, '#rotate-confirm');
    const result = await waitText(app, '#rotation-result', (t) => t.startsWith('✓ The key was rotated'), 60000);
    assert.match(result, /Re-encrypted: [\d,]+ pages\. Resealed: 2 key slots\./, 'the administrator and the recovery key');
    assert.equal(await textOf(app, '#rotation-progress-text'), 'Done (100 %)');
    assert.equal(await (await app.$('#rotation-progress')).getAttribute('value'), '100');
    await checkScreen(app, '31-admin-rotation');

    // The access log names what was done, newest first, and its chain checks out.
    await click(app, '#admin-tab-access');
    const log = await waitText(app, '#access-log', (t) => t.includes('Rotated the key'));
    assert.ok(log.indexOf('Rotated the key') < log.indexOf('Disabled an account'), 'newest first');
    assert.ok(log.indexOf('Disabled an account') < log.indexOf('Added a person'), 'newest first');
    await click(app, '#verify-chain');
    assert.match(await waitText(app, '#chain-result', (t) => t.length > 0), /^✓ The chain is intact: [\d,]+ entries checked\.$/);
    await (await app.$('#log-action')).selectByAttribute('value', 'staff_disable');
    const filtered = await waitText(app, '#access-log', (t) => !t.includes('Rotated the key'));
    assert.match(filtered, new RegExp(`${ADMIN}\\s*Disabled an account\\s*${COLLEAGUE}$`));
    await checkScreen(app, '32-admin-access-log');

    // A case's History shows who opened it (this very view included).
    await click(app, '#nav-cases');
    await click(app, '#case-list button');
    const caseNumber = await textOf(app, '#case-number');
    await click(app, '#tab-history');
    const caseLog = await waitText(app, '#case-access-log', (t) => t.includes('Opened the case'));
    assert.match(caseLog, new RegExp(`${ADMIN}\\s*Opened the case`));
    assert.ok(!caseLog.includes(caseNumber), 'the case number is not repeated in its own log');

    // A backup into a typed folder, then verified by its path: the reminder goes.
    await click(app, '#nav-admin');
    await click(app, '#admin-tab-backups');
    assert.match(await textOf(app, '#backup-last-verified'), /^never\s*⚠ a verified backup is due$/);
    await type(app, '#backup-folder', backups);
    await click(app, '#backup-create');
    const created = await waitText(app, '#backup-created', (t) => t.startsWith('✓ Backup written'), 60000);
    const files = readdirSync(backups);
    assert.equal(files.length, 1, files.join(','));
    assert.ok(created.includes(join(backups, files[0])), created);
    assert.equal(await (await app.$('#backup-path')).getValue(), join(backups, files[0]));
    await click(app, '#backup-verify');
    assert.match(await waitText(app, '#backup-verified', (t) => t.length > 0, 60000), /^✓ The backup is sound: made .+ by ona\. Cases: 3 cases\./);
    await waitText(app, '#backup-last-verified', (t) => !t.includes('never') && !t.includes('due'));
    await checkScreen(app, '33-admin-backups');
    await click(app, '#nav-home');
    await textOf(app, '#home-title');
    await textOf(app, '#mine-title');
    assert.equal(await (await app.$('#backup-reminder')).isExisting(), false, 'the reminder stays after a verified backup');
    await lock(app);

    // The disabled colleague can no longer unlock; the administrator still can.
    await type(app, '#unlock-user', COLLEAGUE);
    await type(app, '#unlock-passphrase', COLLEAGUE_PASS);
    await click(app, '#unlock-submit');
    assert.equal(
      await textOf(app, '#unlock-error'),
      `no user '${COLLEAGUE}' in this store; check the spelling or ask the centre administrator`,
    );
    await unlockAs(app, ADMIN, ADMIN_PASS);
    assert.equal(await textOf(app, '#home-title'), 'My work');
    // Locking releases the store (its lock) for the command-line tool below.
    await lock(app);
  } finally {
    await app.deleteSession();
  }

  // The store on disk opens with the rotated key for the administrator, and its log checks.
  assert.match(cli(store, ADMIN, ADMIN_PASS, ['audit', 'verify']), /The access log is intact/);
});
