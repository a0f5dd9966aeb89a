// End-to-end test of a case transfer through the real desktop app and core, between two
// centres enrolled with each other (the key exchange done with the CLI, as the other office
// would). In the app at the sending centre: the transfer is refused until the client's
// consent is recorded, then sealed for the other centre and the case closed as transferred;
// the receiving centre imports the file (CLI) and its app shows the new case with the
// sending centre's work as history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, checkScreen, type, click, choose, textOf, waitText, unlockAs, startDriver, stopDriver, cli } from './harness.js';

const PASS = 'tylus rytas prie jūros';
const FROM = 'KLP-E2T';
const TO = 'LIE-E2T';

let work;
let fromStore;
let toStore;
const json = (store, user, args) => JSON.parse(cli(store, user, PASS, ['--json', ...args]));

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-transfer-'));
  fromStore = join(work, 'from');
  toStore = join(work, 'to');
  cli(fromStore, null, PASS, ['init', '--centre-code', FROM, '--centre-name', 'Klaipėdos centras', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(fromStore, 'ona', PASS, ['demo', '--clients', '20', '--months', '6']);
  cli(toStore, null, PASS, ['init', '--centre-code', TO, '--centre-name', 'Liepājas centrs', '--country', 'LV', '--language', 'en', '--admin', 'ilze']);
  const fromFile = join(work, 'from.enrol');
  const toFile = join(work, 'to.enrol');
  cli(fromStore, 'ona', PASS, ['keys', 'export', '--out', fromFile]);
  cli(toStore, 'ilze', PASS, ['keys', 'export', '--out', toFile]);
  cli(fromStore, 'ona', PASS, ['enrol', toFile, '--fingerprint', json(toStore, 'ilze', ['keys', 'show']).short]);
  cli(toStore, 'ilze', PASS, ['enrol', fromFile, '--fingerprint', json(fromStore, 'ona', ['keys', 'show']).short]);
});

after(async () => {
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

/** Opens the case with this number through the search (the hit with that number). */
async function openCase(app, number) {
  await app.keys(['Control', 'k']);
  await type(app, '#search-input', number);
  await waitText(app, '#search-results', (t) => t.includes(number));
  for (const hit of await app.$$('#search-results [role="option"]')) {
    if ((await hit.getText()).includes(number)) {
      await hit.click();
      break;
    }
  }
  await waitText(app, '#case-number', (t) => t === number);
}

test('a case moves to another centre only with the client’s consent', async () => {
  const open = json(fromStore, 'ona', ['case', 'list', '--open']);
  assert.ok(open.length > 0);
  const caseNumber = open[0].case_number;
  const file = join(work, 'case.atrama');

  await startDriver({ ATRAMA_STORE: fromStore });
  let app = await openApp();
  await textOf(app, '#unlock-title', 30000);
  await unlockAs(app, 'ona', PASS);
  await openCase(app, caseNumber);

  // Without the consent, the core refuses and says what to do.
  await click(app, '#tab-history');
  await click(app, '#transfer-start');
  await textOf(app, '#transfer-no-consent');
  await waitText(app, '#transfer-to', (t) => t.includes(TO));
  await type(app, '#transfer-path', file);
  await click(app, '#transfer-submit');
  await waitText(app, '#transfer-error', (t) => t.includes('consent'));
  assert.ok(!existsSync(file));

  // The consent, then the transfer.
  await click(app, '#tab-consents');
  await click(app, '#add-consent');
  await choose(app, '#consent-purpose', 'case_transfer');
  await click(app, '#consent-save');
  await waitText(app, '#consents-table', (t) => t.includes('transfer'));
  await click(app, '#tab-history');
  await click(app, '#transfer-start');
  await type(app, '#transfer-path', file);
  await checkScreen(app, '30-case-transfer');
  await click(app, '#transfer-submit');
  await waitText(app, '#transfer-done', (t) => t.includes(`Sealed for ${TO}`));
  assert.ok(existsSync(file));
  // Closed here, with the reason "transferred".
  await waitText(app, '#case-status', (t) => t === 'Transferred');
  await waitText(app, '#case-transfers', (t) => t.includes(`Transferred to ${TO}`));
  await app.deleteSession();
  await stopDriver();

  // The receiving centre imports it; its app shows a new case of its own with the history.
  const results = json(toStore, 'ilze', ['bundle', 'import', file]);
  assert.equal(results[0].outcome, 'applied');
  const received = json(toStore, 'ilze', ['case', 'list']);
  assert.equal(received.length, 1);
  const newNumber = received[0].case_number;
  assert.ok(newNumber.startsWith(`${TO}-`), newNumber);

  await startDriver({ ATRAMA_STORE: toStore });
  app = await openApp();
  await textOf(app, '#unlock-title', 30000);
  await unlockAs(app, 'ilze', PASS);
  await openCase(app, newNumber);
  await click(app, '#tab-history');
  await waitText(app, '#case-transfers', (t) => t.includes(`Transferred from ${FROM}`) && t.includes(caseNumber));
  await checkScreen(app, '31-case-transferred-in');
  await app.deleteSession();
});
