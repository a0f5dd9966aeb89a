// End-to-end test of sync through the real desktop app and core, with two stores: a centre
// and its coordination centre. The partner side of the key exchange is done with the CLI (as
// the other office would), the side under test through the app's screens: fingerprint,
// enrolment by file + typed fingerprint (a wrong one refused first), preview and export,
// multi-file import on the coordinator (a damaged copy refused, a second copy of the same
// bundle reported as already imported), the acknowledgement back to the centre and its sync
// status. Files are given through the path fields the native dialogs fill in (WebDriver
// cannot drive a native dialog); the "Choose…" buttons are only checked to be there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeApp, openApp, checkScreen, type, click, textOf, waitText, unlockAs, startDriver, stopDriver, cli } from './harness.js';

const PASS = 'tylus rytas prie jūros';
const CENTRE = 'KLP-E2E';
const COORD = 'KOORD-E2E';

let work;
let centreStore;
let coordStore;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-sync-'));
  centreStore = join(work, 'centre');
  coordStore = join(work, 'coord');
  cli(centreStore, null, PASS, ['init', '--centre-code', CENTRE, '--centre-name', 'Klaipėdos centras E2E', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(centreStore, 'ona', PASS, ['demo', '--clients', '30', '--months', '6']);
  cli(coordStore, null, PASS, ['init', '--centre-code', COORD, '--centre-name', 'Koordinavimo centras E2E', '--country', 'LT', '--language', 'en', '--admin', 'vida', '--mode', 'coordinator']);
});

after(async () => {
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

/** Opens the app on `store`, unlocked as `user`, on the sync screen's `tab`. */
async function appOn(store, user, tab) {
  await startDriver({ ATRAMA_STORE: store });
  const app = await openApp();
  await textOf(app, '#unlock-title', 30000);
  await unlockAs(app, user, PASS);
  await click(app, '#nav-sync');
  await textOf(app, '#sync-title');
  await click(app, `#sync-tab-${tab}`);
  return app;
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const json = (store, user, args) => JSON.parse(cli(store, user, PASS, ['--json', ...args]));
const file = (name) => join(work, name);

/** Waits until the import result of the file named `name` matches `re`; returns its text. */
async function importResult(app, name, re) {
  const sel = `#sync-import-files tr[data-file="${name}"][data-state="done"] .import-result`;
  return waitText(app, sel, (t) => re.test(t), 60000);
}

/** Waits until the export's recipient list has chosen `code`. */
async function recipient(app, code) {
  await app.waitUntil(async () => (await (await app.$('#sync-export-to')).getValue()) === code, {
    timeout: 15000,
    timeoutMsg: `the recipient ${code} was never offered`,
  });
}

test('enrol, export, import on the coordinator, acknowledgement back to the centre', async () => {
  let records; // in the centre's first bundle
  // ── The centre, in the app: its fingerprint and enrolment file.
  let app = await appOn(centreStore, 'ona', 'identity');
  try {
    const groups = await (await app.$$('#sync-fingerprint span')).map((el) => el.getText());
    assert.equal(groups.length, 6, `six groups: ${groups}`);
    const shown = groups.join('-');
    assert.match(shown, /^([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}$/);
    assert.equal(shown, json(centreStore, 'ona', ['keys', 'show']).short, 'the app shows the store fingerprint');
    assert.match(await textOf(app, '#sync-own-centre'), new RegExp(CENTRE));
    assert.ok(await (await app.$('#sync-enrolment-path-choose')).isDisplayed(), 'the Choose… button is offered');
    await type(app, '#sync-enrolment-path', file('centre.enrol'));
    await click(app, '#sync-enrolment-save');
    assert.match(await textOf(app, '#sync-enrolment-saved'), /Saved to .*centre\.enrol/);
    await checkScreen(app, '20-sync-identity');

    // The coordination centre (CLI) enrols the centre with the fingerprint read to it.
    cli(coordStore, 'vida', PASS, ['enrol', file('centre.enrol'), '--fingerprint', shown]);
    cli(coordStore, 'vida', PASS, ['keys', 'export', '--out', file('koord.enrol')]);
    const coordFingerprint = json(coordStore, 'vida', ['keys', 'show']).short;

    // ── Enrol the coordination centre: a wrong fingerprint first (this centre's own, read
    // by mistake), then the right one typed as heard, in lower case with spaces.
    await click(app, '#sync-tab-partners');
    assert.ok(await textOf(app, '#sync-peers-none'));
    await type(app, '#sync-enrol-path', file('koord.enrol'));
    await click(app, '#sync-enrol-read');
    assert.equal(await textOf(app, '#sync-enrol-centre'), `${COORD} — Koordinavimo centras E2E`);
    assert.equal(await textOf(app, '#sync-enrol-mode'), 'Coordination centre');
    await type(app, '#sync-enrol-fingerprint', shown);
    await click(app, '#sync-enrol-submit');
    assert.match(await textOf(app, '#sync-enrol-error'), /does not match/);
    assert.ok(await textOf(app, '#sync-peers-none'), 'nothing pinned after a wrong fingerprint');
    await checkScreen(app, '21-sync-enrol-refused');
    await type(app, '#sync-enrol-fingerprint', coordFingerprint.toLowerCase().replaceAll('-', ' '));
    await click(app, '#sync-enrol-submit');
    assert.match(await textOf(app, '#sync-enrol-done'), new RegExp(`Enrolled: ${COORD}`));
    assert.match(await textOf(app, `#sync-peers tr[data-peer="${COORD}"] .peer-confirmed`), /Nothing confirmed yet/);
    await checkScreen(app, '22-sync-partners');

    // ── Export: preview, then save; the report's size and hash are the file's.
    await click(app, '#sync-tab-export');
    await recipient(app, COORD);
    await click(app, '#sync-export-preview');
    const total = await textOf(app, '#sync-preview-total');
    records = Number(/: ([\d,]+)/.exec(total)[1].replaceAll(',', ''));
    const cliPreview = json(centreStore, 'ona', ['bundle', 'export', '--to', COORD, '--preview']);
    assert.equal(records, Object.values(cliPreview.counts).reduce((a, b) => a + b, 0), total);
    assert.ok(records > 0, total);
    const clientRow = await textOf(app, '#sync-preview-counts tr[data-table="client"]');
    assert.match(clientRow, /given_name/, 'what stays is shown');
    assert.match(await textOf(app, '#sync-preview-no-consent'), new RegExp(`: ${cliPreview.cases_without_consent}$`));
    await checkScreen(app, '23-sync-preview');
    await type(app, '#sync-export-path', file('klp-1.atrama'));
    await click(app, '#sync-export-save');
    assert.equal(await textOf(app, '#sync-report-name'), 'klp-1.atrama');
    const size = statSync(file('klp-1.atrama')).size;
    assert.equal(Number((await textOf(app, '#sync-report-size')).replace(/\D/g, '')), size);
    assert.equal(await textOf(app, '#sync-report-hash'), sha256(file('klp-1.atrama')));
    await checkScreen(app, '24-sync-exported');
  } finally {
    await closeApp(app, centreStore);
  }

  // A damaged copy (one byte flipped) and a second copy of the same bundle.
  const bytes = readFileSync(file('klp-1.atrama'));
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(file('klp-1-damaged.atrama'), bytes);
  copyFileSync(file('klp-1.atrama'), file('klp-1-copy.atrama'));

  // ── The coordination centre, in the app: a dry run, then three files in one go.
  app = await appOn(coordStore, 'vida', 'import');
  try {
    assert.equal(await textOf(app, '#sync-title'), 'Sync with the centres');
    await type(app, '#sync-import-path', file('klp-1.atrama'));
    await click(app, '#sync-import-add');
    await click(app, '#sync-import-dry-run');
    await click(app, '#sync-import-run');
    await importResult(app, 'klp-1.atrama', new RegExp(`Dry run for ${CENTRE} #1, nothing changed — would import: ${records.toLocaleString("en-GB")}`));
    assert.equal(json(coordStore, 'vida', ['peers'])[0].last_received_sequence, null, 'a dry run applies nothing');

    await click(app, '#sync-import-dry-run');
    for (const name of ['klp-1-damaged.atrama', 'klp-1-copy.atrama']) {
      await type(app, '#sync-import-path', file(name));
      await click(app, '#sync-import-add');
    }
    await click(app, '#sync-import-run');
    await importResult(app, 'klp-1.atrama', new RegExp(`Imported from ${CENTRE} #1 — new or updated records: ${records.toLocaleString("en-GB")}`));
    const damaged = await importResult(app, 'klp-1-damaged.atrama', /Refused: the file is damaged or was changed on the way/);
    assert.match(damaged, /ask the sender to export it again/);
    await importResult(app, 'klp-1-copy.atrama', new RegExp(`Already imported \\(${CENTRE} #1\\); nothing changed`));
    const history = await waitText(app, '#sync-history', (t) => t.includes('klp-1-copy.atrama'));
    for (const outcome of ['Refused', 'Already imported', 'Imported', 'Dry run']) assert.ok(history.includes(outcome), history);
    await checkScreen(app, '25-sync-import-results');

    // The centre's state as the coordinator sees it.
    await click(app, '#sync-tab-partners');
    assert.match(await textOf(app, `#sync-peers tr[data-peer="${CENTRE}"] .peer-received`), /#1/);

    // ── The acknowledgement (return bundle) to the centre.
    await click(app, '#sync-tab-export');
    await recipient(app, CENTRE);
    await click(app, '#sync-export-preview');
    assert.match(await textOf(app, '#sync-preview-acks'), /received from this centre: 1\./);
    await type(app, '#sync-export-path', file('ack-1.atrama'));
    await click(app, '#sync-export-save');
    assert.equal(await textOf(app, '#sync-report-hash'), sha256(file('ack-1.atrama')));
    await checkScreen(app, '26-sync-acknowledgement');
  } finally {
    await closeApp(app, coordStore);
  }
  assert.ok(existsSync(file('ack-1.atrama')));

  // ── Back at the centre: import the acknowledgement; the coordinator has confirmed #1.
  app = await appOn(centreStore, 'ona', 'import');
  try {
    await type(app, '#sync-import-path', file('ack-1.atrama'));
    await click(app, '#sync-import-add');
    await click(app, '#sync-import-run');
    await importResult(app, 'ack-1.atrama', new RegExp(`Acknowledgement from ${COORD} #1 imported — our bundles confirmed: 1`));
    await click(app, '#sync-tab-partners');
    const row = `#sync-peers tr[data-peer="${COORD}"]`;
    assert.match(await textOf(app, `${row} .peer-confirmed`), /Up to bundle #1/);
    assert.match(await textOf(app, `${row} .peer-sent`), /#1/);
    assert.doesNotMatch(await textOf(app, `${row} .peer-sent`), /Not yet confirmed/);
    await checkScreen(app, '27-sync-acknowledged');
    const peer = json(centreStore, 'ona', ['peers'])[0];
    assert.equal(peer.last_confirmed_sequence, 1);
    assert.equal(peer.pending_changes, 0);
  } finally {
    await closeApp(app, centreStore);
  }
});
