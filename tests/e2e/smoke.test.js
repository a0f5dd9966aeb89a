// Smoke test of an installed Atrama: desktop integration end to end. CI runs it against the
// installed package (ATRAMA_APP=/usr/bin/atrama-desktop, the CLI /usr/bin/atrama beside it;
// scripts/package-smoke.sh), and scripts/test-e2e.sh against the debug build.
//
// The app starts with no ATRAMA_STORE, as an installed app does: its store folder comes from
// the (temporary) config and data folders. First run points it at an existing store made by
// the CLI (as a restore from a backup would); then it unlocks and lists the cases, the store
// lock keeps the CLI to reading while the app has the store open, and a second launch hands over to
// the running app (single instance, over the D-Bus session bus that the scripts start).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP, appEnv, checkScreen, cli, click, openApp, startDriver, stopDriver, textOf, type, unlockAs, waitText } from './harness.js';

const PASS = 'smoke test passphrase';
let work;
let existing;
let app;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'atrama-smoke-'));
  existing = join(work, 'restored-store');
  mkdirSync(join(work, 'not-a-store'));
  cli(existing, null, PASS, ['init', '--centre-code', 'SMK-01', '--centre-name', 'Smoke test centre', '--country', 'LT', '--language', 'en', '--admin', 'ona']);
  cli(existing, 'ona', PASS, ['demo', '--clients', '4', '--months', '2']);
  // An empty ATRAMA_STORE counts as unset: the app finds its store like an installed one.
  await startDriver({ ATRAMA_STORE: '' });
  app = await openApp();
});

after(async () => {
  if (app) await app.deleteSession();
  await stopDriver();
  rmSync(work, { recursive: true, force: true });
});

test('first run uses an existing store folder, unlocks and lists its cases', async () => {
  assert.equal(await textOf(app, '#setup-title'), 'Set up this computer');
  await checkScreen(app, '50-setup-existing-store');

  // A folder without a store is refused, and nothing is remembered.
  await type(app, '#setup-existing-path', join(work, 'not-a-store'));
  await click(app, '#setup-existing-use');
  assert.match(await textOf(app, '#setup-existing-error'), /does not hold an Atrama store/);

  await type(app, '#setup-existing-path', existing);
  await click(app, '#setup-existing-use');
  assert.equal(await textOf(app, '#unlock-title'), 'Unlock');

  // Remembered in the config folder, for the app's next start and for the CLI.
  const location = JSON.parse(readFileSync(join(appEnv().XDG_CONFIG_HOME, 'org.atrama.desktop', 'store-location.json'), 'utf8'));
  assert.equal(location.store, existing);

  await unlockAs(app, 'ona', PASS);
  assert.equal(await textOf(app, '#centre-name'), 'Smoke test centre');
  await click(app, '#nav-cases');
  await waitText(app, '#case-list', (t) => /SMK-01-\d{4}-\d{4}/.test(t), 20000);
  const listed = (await textOf(app, '#case-list')).match(/SMK-01-\d{4}-\d{4}/g) ?? [];
  assert.ok(listed.length >= 4, `the case list shows the store's cases: ${listed.join(', ')}`);
  await checkScreen(app, '51-case-list-existing-store');
});

test('while the app has the store open, the CLI reads beside it and may not write', async () => {
  assert.match(cli(existing, 'ona', PASS, ['status']), /Smoke test centre/);
  assert.doesNotMatch(cli(existing, 'ona', PASS, ['retention', 'show']), /7 years/);
  assert.throws(
    () => cli(existing, 'ona', PASS, ['retention', 'set', '--closed-cases', '7']),
    (e) => e.status === 1 && /this store is open in another Atrama window or process/.test(e.stderr),
  );
  assert.doesNotMatch(cli(existing, 'ona', PASS, ['retention', 'show']), /7 years/, 'the refused command wrote nothing');
  // Locking the app releases the store: the same command writes.
  await click(app, '#lock');
  assert.equal(await textOf(app, '#unlock-title'), 'Unlock');
  cli(existing, 'ona', PASS, ['retention', 'set', '--closed-cases', '7']);
  assert.match(cli(existing, 'ona', PASS, ['retention', 'show']), /closed cases purged after: 7 years/);
});

test('a second launch hands over to the running app and exits', async () => {
  assert.ok(
    process.env.DBUS_SESSION_BUS_ADDRESS,
    'single instance needs a D-Bus session bus: run under dbus-run-session (scripts/test-e2e.sh does)',
  );
  // The timeout only catches a second launch that never exits (a hang), not a slow one.
  const second = spawnSync(APP, [], { env: appEnv(), timeout: 180000, encoding: 'utf8' });
  assert.equal(second.signal, null, `the second launch did not exit by itself within 3 minutes: ${second.stderr}`);
  assert.equal(second.status, 0, second.stderr);
  // The first app still runs, showing what it showed.
  assert.equal(await textOf(app, '#unlock-title'), 'Unlock');
  await unlockAs(app, 'ona', PASS);
  assert.equal(await textOf(app, '#centre-name'), 'Smoke test centre');
});
