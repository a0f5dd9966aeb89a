// Leak check of the real desktop app: unique marker strings are written through the UI into a
// client's name, the contact-safety note, a case note, a searched text and an attached
// document (its name and its content); a backup is written and verified; then the app quits.
// Two checks follow (tests/e2e/leakscan.js), and any marker found fails the test:
//
// - the whole file system the test's user can reach is walked (not fixed folders: $HOME, the
//   /tmp root, /var/tmp, $XDG_RUNTIME_DIR, /dev/shm, the store, the webview profile, the
//   backup folder, every log), every path name is checked and every file changed since the
//   session began is read, for every marker in UTF-8 and UTF-16LE;
// - the app and every process it starts ran under `strace -f`, which recorded every file
//   opened for writing, renamed or removed and the bytes of every write to a file, so a
//   temporary plaintext file written and deleted during the session is caught as well.
//
// Positive controls: a control marker planted by the test in unusual places of the walked
// file system (and in the store, profile, backup and log folders) must be found by the walk;
// one written to a file and deleted by a process under the trace (the wrapper that starts the
// app) must be found by the trace, with its deletion.
//
// scripts/no-network.sh runs this same session with the app under its own strace (network
// calls); the file trace is then left out (one tracer per process) and the walk still runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP, LAUNCHED, openApp, type, click, textOf, choose, waitText, unlockAs, startDriver, stopDriver, driverFolders, cli, endApp } from './harness.js';
import { readTraces, scanFileSystem, SKIPPED, traceArgs, traceLines } from './leakscan.js';

// Every file holding a marker was written after this moment (the markers are made below).
const SESSION_START = Date.now() - 2000;

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
let traceDir;
let traced;
let traceControl;

/**
 * The wrapper WebKitWebDriver starts instead of the app: strace, tracing a shell that first
 * writes the control marker to a file in /var/tmp and deletes it (the trace's positive
 * control), then becomes the app. Left out when another wrapper (scripts/no-network.sh's
 * strace) is set: a process has one tracer.
 */
function traceWrapper() {
  traceDir = mkdtempSync(join(tmpdir(), 'atrama-e2e-leak-trace-'));
  traceControl = join('/var/tmp', `atrama-leak-trace-control-${process.pid}.txt`);
  const utf16 = [...Buffer.from(`control ${CONTROL.toUpperCase()}`, 'utf16le')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const wrapper = join(traceDir, 'app');
  const q = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    wrapper,
    `#!/bin/sh
exec strace ${traceArgs(join(traceDir, 'trace')).map(q).join(' ')} -- /bin/sh -c '
printf "control %s\\n" "$1" > "$2"
printf "${utf16}" >> "$2"
rm -f "$2"
shift 2
exec "$@"' sh ${q(CONTROL)} ${q(traceControl)} ${q(APP)} "$@"
`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

before(async () => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
  } catch (e) {
    throw new Error('strace is missing: the leak check traces the app with it; run scripts/install-deps.sh (Debian: apt-get install strace)', { cause: e });
  }
  traced = LAUNCHED === APP ? traceWrapper() : undefined;
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
  for (const dir of [appTmp, logDir, backups, `${appTmp}-config`, traceDir]) {
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
});

test('no marker typed into the app appears in clear in its files, temporary files or logs', async () => {
  const docDir = mkdtempSync(join(tmpdir(), 'atrama-e2e-leak-doc-'));
  const app = await openApp(traced ?? LAUNCHED);
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
    // Not the app's folders: places anything could write to, planted in unusual spots.
    'home folder': mkdtempSync(join(homedir(), '.atrama-leak-control-')),
    '/tmp root': tmpdir(),
    '/var/tmp': '/var/tmp',
    '/dev/shm': '/dev/shm',
    ...(process.env.XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR } : {}),
  };
  // The controls: written by the test into every place, in both encodings, under names that
  // carry no marker.
  const planted = [];
  for (const [what, dir] of Object.entries(places)) {
    mkdirSync(dir, { recursive: true });
    const stem = join(dir, `leak-control-${process.pid}`);
    writeFileSync(`${stem}-utf8.txt`, `control ${CONTROL}\n`);
    writeFileSync(`${stem}-utf16.bin`, Buffer.from(`control ${CONTROL.toUpperCase()}`, 'utf16le'));
    planted.push({ what, files: [`${stem}-utf8.txt`, `${stem}-utf16.bin`] });
  }
  appendFileSync(log, `control ${CONTROL}\n`);
  const logSize = readFileSync(log).length;

  try {
    // The walk: the whole file system, but the test's own trace (it holds what the app sent
    // through its sockets) and any folder named in ATRAMA_LEAK_SKIP (':'-separated; for
    // folders on a shared machine that are no part of the project).
    const skip = [traceDir, ...(process.env.ATRAMA_LEAK_SKIP ?? '').split(':').filter(Boolean)].filter(Boolean);
    const walk = scanFileSystem({ markers: [...Object.values(MARKERS), CONTROL], since: SESSION_START, skip });
    const control = walk.hits.filter((h) => h.includes(CONTROL) || h.includes(CONTROL.toUpperCase()));
    const leaks = walk.hits.filter((h) => !control.includes(h));
    for (const { what, files } of planted) {
      for (const f of files) {
        assert.ok(control.some((h) => h.endsWith(` ${f}`)), `the walk missed the control in the ${what} (${f}): ${control}`);
      }
    }
    assert.ok(control.some((h) => h.endsWith(` ${log}`)), `the walk missed the control in the log: ${control}`);
    assert.deepEqual(leaks, [], 'markers in clear on the file system');
    console.log(
      `leak check, file system: ${Object.keys(MARKERS).length} markers; ${walk.files} files walked, ${walk.read} changed since the session began read ` +
        `(${walk.unreadable} unreadable), in ${(walk.ms / 1000).toFixed(1)} s; not walked: ${[...Object.keys(SKIPPED), 'target/', 'node_modules/', '.git/', ...skip].join(', ')}; ` +
        `controls found in ${planted.map((p) => p.what).join(', ')} (log ${logSize} bytes); no marker found`,
    );
  } finally {
    for (const { files } of planted) for (const f of files) rmSync(f, { force: true });
    rmSync(places['home folder'], { recursive: true, force: true });
  }

  if (!traced) {
    console.log(`leak check, file trace: left out (the app ran under another tracer: ${LAUNCHED})`);
    return;
  }
  const files = readdirSync(traceDir).filter((f) => f.startsWith('trace')).map((f) => join(traceDir, f));
  const trace = readTraces(traceLines(files), [...Object.values(MARKERS), CONTROL]);
  const control = trace.hits.filter((h) => h.includes(CONTROL) || h.includes(CONTROL.toUpperCase()));
  const leaks = trace.hits.filter((h) => !control.includes(h));
  // The trace's control: written to a file and deleted by a traced process, both encodings.
  assert.ok(control.some((h) => h.includes('(UTF-8)') && h.endsWith(` ${traceControl}`)), `the trace missed the UTF-8 control: ${control}`);
  assert.ok(control.some((h) => h.includes('(UTF-16LE)') && h.endsWith(` ${traceControl}`)), `the trace missed the UTF-16LE control: ${control}`);
  assert.ok(trace.removed.includes(traceControl), 'the trace missed the deletion of the control file');
  // The trace saw the app itself: the store was written through it.
  assert.ok([...trace.written.keys()].some((p) => p.startsWith(storeRoot) && p.endsWith('atrama.db-wal')), 'the trace never saw the store written');
  assert.deepEqual(trace.problems, [], 'the file trace is incomplete or shows writes where the walk does not look');
  assert.deepEqual(leaks, [], 'markers in clear written to a file during the session');
  const removedDuring = trace.removed.filter((p) => trace.written.has(p) && p !== traceControl);
  const folders = new Map();
  for (const p of trace.written.keys()) {
    const top = p.startsWith(storeRoot) ? 'store' : p.startsWith(profileRoot) ? 'webview profile' : p.startsWith(backups) ? 'backups' : p.startsWith(appTmp) ? 'TMPDIR' : p.split('/').slice(0, 3).join('/');
    folders.set(top, (folders.get(top) ?? 0) + 1);
  }
  console.log(
    `leak check, file trace: ${files.length} trace file(s), ${trace.written.size} files opened for writing ` +
      `(${[...folders].map(([k, v]) => `${k} ${v}`).join(', ')}), ${trace.writes} writes to files (${trace.bytes} bytes) read, ` +
      `${trace.moved.length} renames or links, ${removedDuring.length} files written and removed during the session ` +
      `(${removedDuring.map((p) => p.replace(storeRoot, '<store>').replace(profileRoot, '<profile>')).join(', ')}); ` +
      `control written and removed by a traced process found; no marker found`,
  );
});
