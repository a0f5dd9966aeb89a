// End-to-end test of one centre on two computers: two app instances, each on its own store,
// side by side, with one shared folder. On A (the first computer) the administrator makes
// the join file on Administration → Computers; B, an empty computer, joins from it on the
// app's first screen (the join file through the open dialog, the recovery key typed, a wrong
// one refused first), which shows its fingerprint and writes its enrolment file, and A adds
// B with that file and the fingerprint typed as read; B finishes and unlocks. Both remember the
// shared folder (the native folder dialog answers from ATRAMA_TEST_DIALOG_FOLDER), both
// change the referral source of the same case to different values, both sync: the case is
// marked "changed on two computers" in the Cases list and on the case, with both values.
// A keeps B's value and syncs; B locks and unlocks (the sync at unlock), and both show the
// chosen value and no review.
//
// Ports: A's tauri-driver and WebKitWebDriver use PORT and PORT+1 (the harness); B's use
// PORT+2 and PORT+3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote } from 'webdriverio';
import {
  APP, PORT, LAUNCHED, appEnv, checkScreen, choose, cli, click, closeApp, endApp, openApp, shot, startDriver,
  stopDriver, textOf, type, unlockAs, waitForHttp, waitText,
} from './harness.js';

const PASS = 'dvi kompiuteriai vienas centras';
const CENTRE = 'KLP-E2E';

let work;
let shared;
let storeA;
let storeB;
let recovery;
let driverB;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'atrama-e2e-peers-'));
  shared = join(work, 'shared');
  mkdirSync(shared);
  storeA = join(work, 'a');
  storeB = join(work, 'b');
  const made = JSON.parse(
    cli(storeA, null, PASS, ['--json', 'init', '--centre-code', CENTRE, '--centre-name', 'Klaipėdos centras E2E',
      '--country', 'LT', '--language', 'en', '--admin', 'ona']),
  );
  recovery = made.recovery_key;
  // Six clients: the demo's draws leave open cases (the Cases list shows open cases).
  cli(storeA, 'ona', PASS, ['demo', '--clients', '6']);
});

after(async () => {
  if (driverB) {
    const exited = new Promise((r) => driverB.once('exit', r));
    driverB.kill();
    await exited;
  }
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

/** Opens B's app beside A's: its own tauri-driver on PORT+2 (WebKitWebDriver on PORT+3). */
async function openB() {
  // Its own store and its own webview profile and config folder.
  const profile = join(work, 'profile-b');
  driverB = spawn('tauri-driver', ['--port', String(PORT + 2), '--native-port', String(PORT + 3)], {
    env: {
      ...appEnv(),
      ATRAMA_STORE: storeB,
      XDG_DATA_HOME: join(profile, 'data'),
      XDG_CACHE_HOME: join(profile, 'cache'),
      XDG_CONFIG_HOME: join(profile, 'config'),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForHttp(`http://127.0.0.1:${PORT + 3}/status`, 20000);
  await waitForHttp(`http://127.0.0.1:${PORT + 2}/status`, 20000);
  const browser = await remote({
    hostname: '127.0.0.1',
    port: PORT + 2,
    logLevel: 'warn',
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: LAUNCHED },
    },
  });
  await browser.setTimeout({ implicit: 0 });
  return browser;
}

async function admin(app) {
  await click(app, '#nav-admin');
  await click(app, '#admin-tab-computers');
  await textOf(app, '#peers-admin-title');
}

async function syncTab(app) {
  await click(app, '#nav-sync');
  await click(app, '#sync-tab-computers');
  await textOf(app, '#peers-sync-title');
}

/** Presses Sync now and waits for a new result (a new time) that says it ran. */
async function syncNow(app) {
  await textOf(app, '#peers-last-text');
  const last = await app.$('#peers-last-text');
  const before = await last.getAttribute('data-at');
  await click(app, '#peers-sync-now');
  await app.waitUntil(
    async () => {
      const el = await app.$('#peers-last-text');
      return (await el.isExisting()) && (await el.getAttribute('data-at')) !== before;
    },
    { timeout: 30000, timeoutMsg: 'Sync now never reported a new result' },
  );
  return waitText(app, '#peers-last-text', (t) => /files from other computers applied: \d+/.test(t));
}

/** Opens the case `number` from the Cases list. */
async function openCase(app, number) {
  await click(app, '#nav-cases');
  await waitText(app, '#case-list', (t) => t.includes(number));
  // (The harness's click finds what covers an element by CSS; the row is found by its text.)
  const row = await app.$(`//*[@id="case-list"]//button[normalize-space()="${number}"]`);
  await row.waitForClickable({ timeout: 10000 });
  await row.click();
  await waitText(app, '#case-number', (t) => t === number);
}

async function setSource(app, code) {
  await click(app, '#edit-case');
  await choose(app, '#case-edit-source', code);
  await click(app, '#case-edit-save');
  await waitText(app, '#case-notice', (t) => t.length > 0);
}

test('two computers of one centre: join, add, sync, "changed on two computers", resolve', async () => {
  assert.ok(APP, 'ATRAMA_APP must name the built desktop binary');
  await startDriver({ ATRAMA_STORE: storeA, ATRAMA_TEST_DIALOG_FOLDER: shared });
  const a = await openApp();
  let b;
  try {
    await textOf(a, '#unlock-title', 30000);
    await unlockAs(a, 'ona', PASS);

    // ── A: one computer so far; name it and make the join file through the save dialog.
    await admin(a);
    await textOf(a, '#peers-this-none');
    await type(a, '#peers-this-name-input', 'desk A');
    await click(a, '#peers-join-path-choose');
    await a.waitUntil(async () => (await (await a.$('#peers-join-path')).getValue()) === join(shared, 'atrama-join'), {
      timeout: 10000,
      timeoutMsg: 'the save dialog never answered',
    });
    await click(a, '#peers-join-save');
    await textOf(a, '#peers-join-saved', 60000);
    assert.match(await textOf(a, '#peers-this-name'), /desk A/);

    // ── B joins on the app's first screen: its store folder is empty.
    b = await openB();
    await textOf(b, '#setup-join-title', 30000);
    await click(b, '#setup-join-path-choose');
    await b.waitUntil(async () => (await (await b.$('#setup-join-path')).getValue()) === join(shared, 'atrama-join'), {
      timeout: 10000,
      timeoutMsg: 'the open dialog never answered',
    });
    await type(b, '#setup-join-name', 'laptop B');
    // A wrong recovery key (well formed): refused, nothing made.
    await type(b, '#setup-join-recovery', (recovery.startsWith('0000') ? '1111' : '0000') + recovery.slice(4));
    await click(b, '#setup-join-submit');
    assert.match(await textOf(b, '#setup-join-error', 60000), /wrong recovery key/i);
    assert.ok(!existsSync(storeB) || readdirSync(storeB).length === 0, 'a refused join leaves nothing');
    assert.deepEqual(readdirSync(work).filter((f) => f.includes('joining')), []);
    await type(b, '#setup-join-recovery', recovery);
    await click(b, '#setup-join-submit');
    await textOf(b, '#setup-joined-title', 60000);
    const fingerprintB = (await b.$$('#setup-join-fingerprint span').map((el) => el.getText())).join('-');
    assert.match(fingerprintB, /^([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}$/);
    await click(b, '#setup-join-enrolment-path-choose');
    await b.waitUntil(async () => (await (await b.$('#setup-join-enrolment-path')).getValue()).endsWith('.enrol'), {
      timeout: 10000,
      timeoutMsg: 'the save dialog never answered',
    });
    await click(b, '#setup-join-enrolment-save');
    await textOf(b, '#setup-join-enrolment-saved');
    assert.deepEqual(readdirSync(shared).filter((f) => f.endsWith('.enrol')), ['computer-laptop-B.enrol']);
    await checkScreen(b, '63-peers-join-first-screen');
    rmSync(join(shared, 'atrama-join'));

    // ── A adds B: its file through the open dialog, a wrong fingerprint refused first.
    await admin(a);
    await click(a, '#peers-add-path-choose');
    await a.waitUntil(async () => (await (await a.$('#peers-add-path')).getValue()).endsWith('computer-laptop-B.enrol'), {
      timeout: 10000,
      timeoutMsg: 'the open dialog never answered',
    });
    const ownA = (await a.$$('#peers-this-fingerprint span').map((el) => el.getText())).join('-');
    await type(a, '#peers-add-fingerprint', ownA);
    await click(a, '#peers-add-submit');
    assert.match(await textOf(a, '#peers-add-error'), /does not match/);
    await type(a, '#peers-add-fingerprint', fingerprintB.toLowerCase().replaceAll('-', ' '));
    await click(a, '#peers-add-submit');
    assert.match(await textOf(a, '#peers-notice'), /laptop B was added/);
    await textOf(a, '#peers-list tr[data-computer="laptop B"]');
    // Who sends to the coordination centre: A, which may hand it over to B.
    assert.match(await textOf(a, '#peers-role-holder'), /desk A sends the centre's bundles/);
    await textOf(a, '#peers-handover-to');
    await a.execute(() => window.scrollTo(0, 0));
    await checkScreen(a, '60-peers-computers');
    await a.execute(() => document.getElementById('peers-role-title')?.scrollIntoView({ block: 'center' }));
    await shot(a, '64-peers-export-role');

    // ── B finishes: the unlock screen, and its own Computers screen shows the same fingerprint.
    await click(b, '#setup-join-finish');
    await textOf(b, '#unlock-title', 30000);
    await unlockAs(b, 'ona', PASS);
    await admin(b);
    assert.equal((await b.$$('#peers-this-fingerprint span').map((el) => el.getText())).join('-'), fingerprintB);

    // ── Both remember the shared folder (the folder dialog) and sync until each knows the other.
    for (const app of [a, b]) {
      await syncTab(app);
      await click(app, '#peers-folder-choose');
      await app.waitUntil(async () => (await (await app.$('#peers-folder')).getValue()) === shared, {
        timeout: 10000,
        timeoutMsg: 'the folder dialog never answered',
      });
      await click(app, '#peers-folder-save');
      await textOf(app, '#peers-folder-saved');
    }
    await syncNow(a);
    await syncNow(b);
    await syncNow(a);

    // ── The same field of the same case changed on both before they sync.
    // (The stores are open in the apps: the case is picked on A's screen, not with the CLI.)
    await click(a, '#nav-cases');
    await waitText(a, '#case-list', (t) => new RegExp(`${CENTRE}-\\d{4}-\\d{4}`).test(t));
    const number = await (await a.$('#case-list button')).getText();
    await openCase(a, number);
    const before = await textOf(a, '#overview-source');
    // Two values, both different from the case's referral source now.
    const [[codeA, labelA], [codeB, labelB]] = [
      ['court', 'Court'],
      ['ngo', 'Another NGO'],
      ['health', 'Health care'],
    ].filter(([, label]) => label !== before);
    await setSource(a, codeA);
    await waitText(a, '#overview-source', (t) => t === labelA);
    await openCase(b, number);
    await setSource(b, codeB);
    await waitText(b, '#overview-source', (t) => t === labelB);

    await syncTab(a);
    await syncNow(a);
    await syncTab(b);
    assert.match(await syncNow(b), /files from other computers applied: [1-9]/);
    await waitText(b, '#peers-reviews', (t) => /: 1\./.test(t));
    await syncNow(a);
    await checkScreen(a, '61-peers-sync');

    // ── A: the Cases list marks the case; the case shows both values, with the computers.
    await click(a, '#nav-cases');
    await waitText(a, '#case-list', (t) => t.includes(number));
    await textOf(a, '#case-list .peer-review-marker');
    await openCase(a, number);
    await textOf(a, '#case-peer-review-marker');
    const field = '#peer-review fieldset[data-field="case_file-referral_source"]';
    const valueA = await textOf(a, `${field} li:has(.peer-review-value[data-value="${codeA}"])`);
    const valueB = await textOf(a, `${field} li:has(.peer-review-value[data-value="${codeB}"])`);
    assert.match(valueA, new RegExp(`${labelA}[\\s\\S]*desk A`));
    assert.match(valueB, new RegExp(`${labelB}[\\s\\S]*laptop B`));
    assert.equal([valueA, valueB].filter((t) => /in force now/.test(t)).length, 1, 'one value is in force');
    await checkScreen(a, '62-peers-case-review');

    // A keeps B's value.
    await click(a, `${field} li:has(.peer-review-value[data-value="${codeB}"]) .peer-review-keep`);
    await waitText(a, '#case-notice', (t) => /value was chosen/.test(t));
    assert.equal(await (await a.$('#peer-review')).isExisting(), false, 'the review is closed on A');
    await waitText(a, '#overview-source', (t) => t === labelB);

    await syncTab(a);
    await syncNow(a);
    // B gets the choice by the sync that runs by itself when it is unlocked.
    await click(b, '#lock');
    await textOf(b, '#unlock-title', 30000);
    await unlockAs(b, 'ona', PASS);
    await syncTab(b);
    await waitText(b, '#peers-last-text', (t) => /by itself at unlock\): files from other computers applied: [1-9]/.test(t), 30000);
    await openCase(b, number);
    await waitText(b, '#overview-source', (t) => t === labelB);
    assert.equal(await (await b.$('#case-peer-review-marker')).isExisting(), false, 'the review is closed on B');
    await openCase(a, number);
    await waitText(a, '#overview-source', (t) => t === labelB);
  } finally {
    if (b) {
      await b.deleteSession().catch(() => {});
      await endApp(storeB);
    }
    await closeApp(a, storeA);
  }
});
