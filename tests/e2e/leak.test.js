// Leak check of the real desktop app: unique marker strings are written through the UI into a
// client's name, the contact-safety note, a case note, a searched text and an attached
// document (its name and its content); a backup is written and verified; then the app quits
// and the store folder, the app's temporary folder (TMPDIR, fresh for this run), the webview
// profile and configuration folders, the backup folder and every log (the standard output and
// error of tauri-driver, WebKitWebDriver and the app) are scanned for every marker in clear,
// in UTF-8 and UTF-16LE, in file contents and in file names. Any hit fails the test. A control
// marker written by the test itself into each scanned place must be found, which proves the
// scanner looks where it says.
//
// scripts/no-network.sh runs this same session with the app under strace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type, click, textOf, choose, waitText, unlockAs, startDriver, stopDriver, driverFolders, cli, endApp } from './harness.js';

const ADMIN = 'ona';
const PASS = 'šviesa lange ir lietus';

/** A marker: lower-case letters only (names are stored and indexed as typed and folded). */
function marker(what) {
  const letters = [...randomBytes(14)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return `qz${what}${letters}`;
}

const MARKERS = {
  given: marker('given'),
  family: marker('family'),
  safety: marker('safety'),
  note: marker('note'),
  search: marker('search'),
  docname: marker('docname'),
  doccontent: marker('doccontent'),
};
const CONTROL = marker('control');

let store;
let appTmp;
let logDir;
let backups;
let log;

before(async () => {
  appTmp = mkdtempSync(join(tmpdir(), 'atrama-e2e-leak-tmp-'));
  logDir = mkdtempSync(join(tmpdir(), 'atrama-e2e-leak-log-'));
  backups = mkdtempSync(join(tmpdir(), 'atrama-e2e-leak-backups-'));
  log = join(logDir, 'driver-and-app.log');
  store = await startDriver({ TMPDIR: appTmp, XDG_CONFIG_HOME: `${appTmp}-config` }, { log });
  cli(store, null, PASS, [
    'init', '--centre-code', 'LEAK-01', '--centre-name', 'Leak check E2E (fictitious)',
    '--country', 'LT', '--language', 'en', '--admin', ADMIN,
  ]);
});

after(async () => {
  await stopDriver();
  for (const dir of [appTmp, logDir, backups, `${appTmp}-config`]) {
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
});

/** Every variant of `text` looked for: as typed, upper case, UTF-8 and UTF-16LE. */
function needles(text) {
  const forms = [...new Set([text, text.toUpperCase(), text[0].toUpperCase() + text.slice(1)])];
  return forms.flatMap((f) => [
    { form: `${f} (UTF-8)`, bytes: Buffer.from(f, 'utf8') },
    { form: `${f} (UTF-16LE)`, bytes: Buffer.from(f, 'utf16le') },
  ]);
}

/**
 * Scans every file under `root` (not following links) for every marker, in names and
 * contents; returns the hits as "marker form in path".
 */
function scan(root, markers) {
  const hits = [];
  const all = markers.map((m) => ({ m, variants: needles(m) }));
  const walk = (path) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return; // gone meanwhile
    }
    for (const { m } of all) {
      if (path.toLowerCase().includes(m)) hits.push(`${m} in the name ${path}`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (st.isFile()) {
      const bytes = readFileSync(path);
      for (const { m, variants } of all) {
        for (const v of variants) {
          if (bytes.includes(v.bytes)) hits.push(`${v.form} in ${path}`);
        }
      }
    }
  };
  walk(root);
  return hits;
}

test('no marker typed into the app appears in clear in its files, temporary files or logs', async () => {
  const docDir = mkdtempSync(join(tmpdir(), 'atrama-e2e-leak-doc-'));
  const app = await openApp();
  let caseNumber;
  try {
    await textOf(app, '#unlock-title');
    await unlockAs(app, ADMIN, PASS);

    // A case through intake: the client's name and the contact-safety note carry markers.
    await click(app, '#nav-intake');
    await choose(app, '#intake-source', 'police');
    await textOf(app, '#intake-police-date');
    await click(app, '#intake-next');
    await type(app, '#intake-given', MARKERS.given);
    await type(app, '#intake-family', MARKERS.family);
    await type(app, '#intake-phone', '+370 612 11111');
    await choose(app, '#intake-sex', 'female');
    await click(app, '#intake-next');
    await choose(app, '#intake-safe-call', 'no');
    await choose(app, '#intake-safe-text', 'yes');
    await type(app, '#intake-someone-else', MARKERS.safety);
    await click(app, '#intake-next');
    await click(app, '#intake-incident-forms input[value="physical"]');
    await choose(app, '#intake-incident-place', 'home');
    await choose(app, '#intake-incident-perp-0-relationship', 'current_spouse');
    await choose(app, '#intake-incident-perp-0-sex', 'male');
    // A draft is saved part-way (drafts are a place the text could be written to).
    await click(app, '#intake-save-draft');
    await click(app, '#nav-home');
    await click(app, '#drafts-list button');
    await waitText(app, '#intake-step-title', (t) => t === 'First incident');
    await click(app, '#intake-next');
    await click(app, '#intake-next');
    await choose(app, '#intake-consent-services', 'yes');
    await choose(app, '#intake-consent-statistics', 'yes');
    await click(app, '#intake-next');
    await click(app, '#intake-finish');
    caseNumber = await textOf(app, '#case-number');

    // The name, shown on demand (so it passes through the page).
    await click(app, '#show-name');
    assert.match(await textOf(app, '#client-name'), new RegExp(MARKERS.family, 'i'));
    await click(app, '#hide-name');

    // A note.
    await click(app, '#tab-notes');
    await type(app, '#note-body', `Session: ${MARKERS.note} said she is afraid.`);
    await click(app, '#note-save');
    await waitText(app, '#notes-list', (t) => t.includes(MARKERS.note));

    // A document whose name and content are markers; its source file is outside every
    // scanned folder and is removed once attached.
    const docPath = join(docDir, `${MARKERS.docname}.txt`);
    writeFileSync(docPath, `Statement: ${MARKERS.doccontent}\n`);
    await click(app, '#tab-documents');
    await (await app.$('#document-file')).setValue(docPath);
    await waitText(app, '#documents-list', (t) => t.includes(MARKERS.docname));
    rmSync(docDir, { recursive: true, force: true });
    await click(app, '#documents-list button');
    await waitText(app, '#document-viewer', (t) => t.includes(MARKERS.doccontent));

    // A search by the family name, and one for a text that is nowhere.
    await app.keys(['Control', 'k']);
    await type(app, '#search-input', MARKERS.family);
    await waitText(app, '#search-results', (t) => t.includes(caseNumber));
    await app.keys('Enter');
    assert.equal(await textOf(app, '#case-number'), caseNumber);
    await app.keys(['Control', 'k']);
    await type(app, '#search-input', MARKERS.search);
    await textOf(app, '#search-none');
    // One Escape closes the search (two within 600 ms would hide and lock).
    await app.keys('Escape');

    // A backup, then its check.
    await click(app, '#nav-admin');
    await click(app, '#admin-tab-backups');
    await type(app, '#backup-folder', backups);
    await click(app, '#backup-create');
    await waitText(app, '#backup-created', (t) => t.startsWith('✓ Backup written'), 60000);
    await click(app, '#backup-verify');
    await waitText(app, '#backup-verified', (t) => t.startsWith('✓ The backup is sound'), 60000);
    await click(app, '#lock');
    await textOf(app, '#unlock-title');
  } finally {
    await app.deleteSession();
    rmSync(docDir, { recursive: true, force: true });
  }
  // Quit: the app and its webview processes end (waited for; the limit only catches a
  // hang), then the driver, so that every log is complete; the folders stay to be scanned.
  await endApp(store);
  await stopDriver({ keep: true });
  const { storeRoot, profileRoot } = driverFolders();

  // The markers did go into the store (encrypted): the command-line tool finds the case by
  // the family name and shows the note.
  assert.match(cli(store, ADMIN, PASS, ['search', MARKERS.family]), new RegExp(caseNumber));
  assert.match(cli(store, ADMIN, PASS, ['case', 'show', caseNumber]), new RegExp(MARKERS.note));

  const places = {
    'store folder': storeRoot,
    'temporary folder (TMPDIR)': appTmp,
    'configuration folder': `${appTmp}-config`,
    'webview profile': profileRoot,
    'backup folder': backups,
    logs: logDir,
  };
  // The control: written by the test into every scanned place, in both encodings.
  for (const dir of Object.values(places)) {
    mkdirSync(join(dir, 'leak-control'), { recursive: true });
    writeFileSync(join(dir, 'leak-control', 'utf8.txt'), `control ${CONTROL}\n`);
    writeFileSync(join(dir, 'leak-control', 'utf16.txt'), Buffer.from(`control ${CONTROL.toUpperCase()}`, 'utf16le'));
  }
  appendFileSync(log, `control ${CONTROL}\n`);

  const logSize = readFileSync(log).length;
  const report = [];
  for (const [what, dir] of Object.entries(places)) {
    const hits = scan(dir, [...Object.values(MARKERS), CONTROL]);
    const control = hits.filter((h) => h.includes(CONTROL) || h.includes(CONTROL.toUpperCase()));
    const leaks = hits.filter((h) => !control.includes(h));
    // UTF-8 and UTF-16LE control files, plus the name of the folder holding them is not a
    // marker: at least the two contents must be found (the log file adds a third).
    assert.ok(control.some((h) => h.includes('(UTF-8)')), `the scanner missed the UTF-8 control in the ${what}: ${control}`);
    assert.ok(control.some((h) => h.includes('(UTF-16LE)')), `the scanner missed the UTF-16LE control in the ${what}: ${control}`);
    assert.deepEqual(leaks, [], `markers in clear in the ${what}`);
    report.push(`${what}: clean`);
  }
  console.log(`leak check: ${Object.keys(MARKERS).length} markers, ${report.join('; ')}; log ${logSize} bytes`);
});
